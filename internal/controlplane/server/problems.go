package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// apiError is an error a handler returns to answer with a problem document.
type apiError struct {
	problem    api.Problem
	retryAfter int
}

func (e *apiError) Error() string { return e.problem.Code + ": " + e.problem.Detail }

var titles = map[string]string{
	api.CodeInvalidArgument:    "Invalid argument",
	api.CodeNotFound:           "Not found",
	api.CodeConflict:           "Conflict",
	api.CodePreconditionFailed: "Precondition failed",
	api.CodeRateLimited:        "Rate limited",
	api.CodeUnauthenticated:    "Unauthenticated",
	api.CodePermissionDenied:   "Permission denied",
	api.CodeNoCapacity:         "No capacity",
	api.CodeNotSupported:       "Not supported by this control plane's driver",
	api.CodeInternal:           "Internal error",
	api.CodeMethodNotAllowed:   "Method not allowed",
}

func newError(status int, code, detail string) *apiError {
	return &apiError{problem: api.Problem{
		Type:   "https://docs.openclaw.ai/control-plane/errors#" + code,
		Title:  titles[code],
		Status: status,
		Code:   code,
		Detail: detail,
	}}
}

func errorf(status int, code, format string, args ...any) *apiError {
	return newError(status, code, fmt.Sprintf(format, args...))
}

// invalid reports validation failures by JSON field path.
func invalid(fields ...api.FieldError) *apiError {
	detail := "the request has invalid fields"
	if len(fields) == 1 {
		detail = fields[0].Field + ": " + fields[0].Message
	} else if len(fields) > 1 {
		detail = fmt.Sprintf("%d invalid fields: %s: %s (and more, see errors)", len(fields), fields[0].Field, fields[0].Message)
	}
	e := newError(http.StatusBadRequest, api.CodeInvalidArgument, detail)
	e.problem.Errors = fields
	return e
}

func fieldErr(field, format string, args ...any) api.FieldError {
	return api.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// missingReference names the request field whose ID was not found (a 404
// from loading it), so clients can show the error on that attribute; the
// message reads after the field's name.
func missingReference(err error, field, id string) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.problem.Status == http.StatusNotFound {
		ae.problem.Errors = []api.FieldError{fieldErr(field, "names no existing environment (%q); create it first, or use the ID of one the key can see", id)}
	}
	return err
}

func notFound(kind, id string) *apiError {
	return errorf(http.StatusNotFound, api.CodeNotFound, "%s %q not found", kind, id)
}

// writeProblem answers with err as a problem document. Errors that are not
// *apiError become a 500 whose detail reveals nothing internal.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.logger.ErrorContext(r.Context(), "internal error", "err", err, "request_id", requestID(r.Context()))
		ae = newError(http.StatusInternalServerError, api.CodeInternal, "the control plane failed to handle this request; quote the request ID when reporting it")
	}
	p := ae.problem
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	if ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	w.Header().Set("Content-Type", api.ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
