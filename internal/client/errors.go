package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Sentinel errors for the API's stable problem codes. Match them with
// errors.Is against an *APIError or *OperationError (or anything wrapping
// one), never by comparing messages.
var (
	ErrInvalidArgument    = errors.New("invalid argument")
	ErrNotFound           = errors.New("not found")
	ErrConflict           = errors.New("conflict")
	ErrPreconditionFailed = errors.New("precondition failed")
	ErrRateLimited        = errors.New("rate limited")
	ErrUnauthenticated    = errors.New("unauthenticated")
	ErrPermissionDenied   = errors.New("permission denied")
	ErrNoCapacity         = errors.New("no capacity")
	ErrInternal           = errors.New("internal error")
)

var codeSentinels = map[string]error{
	api.CodeInvalidArgument:    ErrInvalidArgument,
	api.CodeNotFound:           ErrNotFound,
	api.CodeConflict:           ErrConflict,
	api.CodePreconditionFailed: ErrPreconditionFailed,
	api.CodeRateLimited:        ErrRateLimited,
	api.CodeUnauthenticated:    ErrUnauthenticated,
	api.CodePermissionDenied:   ErrPermissionDenied,
	api.CodeNoCapacity:         ErrNoCapacity,
	api.CodeInternal:           ErrInternal,
}

// statusSentinels is the fallback for answers without a problem code, such
// as a proxy's plain-text error page.
var statusSentinels = map[int]error{
	http.StatusBadRequest:            ErrInvalidArgument,
	http.StatusUnauthorized:          ErrUnauthenticated,
	http.StatusForbidden:             ErrPermissionDenied,
	http.StatusNotFound:              ErrNotFound,
	http.StatusConflict:              ErrConflict,
	http.StatusPreconditionFailed:    ErrPreconditionFailed,
	http.StatusRequestEntityTooLarge: ErrInvalidArgument,
	http.StatusUnprocessableEntity:   ErrInvalidArgument,
	http.StatusTooManyRequests:       ErrRateLimited,
	http.StatusInternalServerError:   ErrInternal,
}

// sentinelFor maps a problem to its sentinel: by code, else by status.
func sentinelFor(code string, status int) error {
	if code != "" {
		return codeSentinels[code]
	}
	return statusSentinels[status]
}

// APIError is an error answer from the API.
type APIError struct {
	StatusCode int
	// Problem is the RFC 9457 body. For non-problem bodies it is synthesised:
	// Title is the status text and Detail the start of the body.
	Problem   api.Problem
	Method    string
	Path      string
	RequestID string
	// Attempts is how many times the request was sent (retries included).
	Attempts int
}

// Error reads like
// `POST /v1/environments: 409 conflict: environment "x" already exists (request req-123)`.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, problemLabel(e.Problem, e.StatusCode))
	writeProblemDetail(&b, e.Problem, e.StatusCode)
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *APIError) Is(target error) bool {
	s := sentinelFor(e.Problem.Code, e.StatusCode)
	return s != nil && s == target
}

// OperationError is an asynchronous operation that ended in failure.
type OperationError struct {
	Operation *api.Operation
	Problem   api.Problem
}

func (e *OperationError) Error() string {
	var b strings.Builder
	b.WriteString("operation")
	if e.Operation != nil {
		fmt.Fprintf(&b, " %s", e.Operation.ID)
		if e.Operation.Kind != "" {
			fmt.Fprintf(&b, " (%s)", e.Operation.Kind)
		}
	}
	b.WriteString(" failed")
	if label := problemLabel(e.Problem, e.Problem.Status); label != "" {
		b.WriteString(": " + label)
	}
	writeProblemDetail(&b, e.Problem, e.Problem.Status)
	if e.Problem.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.Problem.RequestID)
	}
	return b.String()
}

// Is maps the operation's problem code (or status) to the sentinels.
func (e *OperationError) Is(target error) bool {
	s := sentinelFor(e.Problem.Code, e.Problem.Status)
	return s != nil && s == target
}

// WaitError is WaitForOperation giving up before the operation finished:
// the context ended (Err is ctx.Err()) or polling failed permanently (Err is
// that failure). Operation is the last state seen.
type WaitError struct {
	Operation *api.Operation
	Err       error
}

func (e *WaitError) Error() string {
	var b strings.Builder
	b.WriteString("waiting for operation")
	if op := e.Operation; op != nil {
		fmt.Fprintf(&b, " %s", op.ID)
		if op.Kind != "" {
			fmt.Fprintf(&b, " (%s)", op.Kind)
		}
		fmt.Fprintf(&b, ", last status %q", op.Status)
		if op.Message != "" {
			fmt.Fprintf(&b, " (%s)", op.Message)
		}
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *WaitError) Unwrap() error { return e.Err }

// problemLabel is the short machine-ish word after the status: the problem
// code, else the lower-cased status text.
func problemLabel(p api.Problem, status int) string {
	if p.Code != "" {
		return p.Code
	}
	return strings.ToLower(http.StatusText(status))
}

// writeProblemDetail appends ": <detail>" and any field errors.
func writeProblemDetail(b *strings.Builder, p api.Problem, status int) {
	msg := p.Detail
	if msg == "" && !strings.EqualFold(p.Title, http.StatusText(status)) {
		msg = p.Title
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	if len(p.Errors) > 0 {
		parts := make([]string, len(p.Errors))
		for i, fe := range p.Errors {
			parts[i] = fe.Field + ": " + fe.Message
			if fe.Field == "" {
				parts[i] = fe.Message
			}
		}
		b.WriteString(" [" + strings.Join(parts, "; ") + "]")
	}
}

// maxFallbackDetail bounds how much of a non-problem body ends up in an error.
const maxFallbackDetail = 512

// newAPIError builds an *APIError from an error answer. A problem+json body
// is used as is; anything else (a proxy's HTML page, plain text) becomes a
// synthesised problem so callers always have something readable.
func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RequestID:  resp.Header.Get(api.HeaderRequestID),
	}
	var p api.Problem
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &p) == nil &&
		(p.Code != "" || p.Title != "" || p.Detail != "") {
		e.Problem = p
	} else {
		e.Problem = api.Problem{
			Title:  http.StatusText(resp.StatusCode),
			Detail: fallbackDetail(trimmed),
		}
	}
	if e.Problem.Status == 0 {
		e.Problem.Status = resp.StatusCode
	}
	// Keep both places in agreement: callers may only look at the Problem.
	if e.RequestID == "" {
		e.RequestID = e.Problem.RequestID
	}
	if e.Problem.RequestID == "" {
		e.Problem.RequestID = e.RequestID
	}
	return e
}

// fallbackDetail is the first bytes of a body as one line of valid UTF-8.
func fallbackDetail(body []byte) string {
	if len(body) > maxFallbackDetail {
		body = body[:maxFallbackDetail]
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "")), " ")
}

// MayHaveBeenSent reports whether a failed call may still have taken
// effect: the request may have reached the control plane before the
// failure (a reset or timeout mid-exchange, or a 5xx from it or a proxy).
// A refused connection, an unresolvable name or a TLS failure means the
// request never left; a 4xx means it was refused.
func MayHaveBeenSent(err error) bool {
	var (
		apiErr *APIError
		reqErr *requestError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.StatusCode >= 500
	case errors.As(err, &reqErr):
		var dnsErr *net.DNSError
		if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) || !isTransientNetErr(reqErr.Err) && !errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		return true
	}
	return false
}
