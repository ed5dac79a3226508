package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

var allSentinels = []error{
	ErrNotFound, ErrConflict, ErrPreconditionFailed, ErrInvalidArgument, ErrNoCapacity,
	ErrPermissionDenied, ErrUnauthenticated, ErrRateLimited, ErrInternal,
}

// onlyIs checks that err matches want and no other sentinel.
func onlyIs(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range allSentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
		}
	}
}

func TestAPIError_FromProblemJSON(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(api.HeaderRequestID, "req-123")
		writeProblem(w, http.StatusConflict, api.CodeConflict, `environment "x" already exists`)
	}))
	_, err := c.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "x", Region: "eu-1"})
	if got, want := err.Error(), `POST /v1/environments: 409 conflict: environment "x" already exists (request req-123)`; got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T", err)
	}
	if apiErr.StatusCode != 409 || apiErr.Method != "POST" || apiErr.Path != "/v1/environments" ||
		apiErr.RequestID != "req-123" || apiErr.Problem.RequestID != "req-123" || apiErr.Problem.Code != api.CodeConflict || apiErr.Problem.Title != "Conflict" {
		t.Errorf("APIError = %+v", apiErr)
	}
	onlyIs(t, err, ErrConflict)
}

func TestAPIError_FieldErrorsAndBodyRequestID(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, api.Problem{
			Type: "about:blank", Title: "Bad Request", Status: 400, Code: api.CodeInvalidArgument,
			Detail: "the request body is invalid", RequestID: "req-body",
			Errors: []api.FieldError{{Field: "size.cpus", Message: "must be at most 64"}, {Field: "name", Message: "must be a DNS label"}},
		})
	}))
	_, err := c.CreateEnvironment(context.Background(), api.EnvironmentCreate{})
	want := "POST /v1/environments: 400 invalid_argument: the request body is invalid " +
		"[size.cpus: must be at most 64; name: must be a DNS label] (request req-body)"
	if err == nil || err.Error() != want {
		t.Errorf("Error() =\n%v\nwant\n%s", err, want)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && len(apiErr.Problem.Errors) != 2 {
		t.Errorf("field errors = %+v", apiErr.Problem.Errors)
	}
	onlyIs(t, err, ErrInvalidArgument)
}

func TestAPIError_NonJSONBody(t *testing.T) {
	html := "<html>\n<body>\n<h1>Internal Server Error</h1>\n" + strings.Repeat("<p>stack frame</p>\n", 100) + "</body></html>"
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/regions" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			fmt.Fprint(w, html)
			return
		}
		http.NotFound(w, r) // text/plain "404 page not found"
	}))
	ctx := context.Background()

	_, err := c.ListRegions(ctx)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v", err, err)
	}
	if apiErr.Problem.Title != "Internal Server Error" || apiErr.Problem.Status != 500 || apiErr.Problem.Code != "" {
		t.Errorf("problem = %+v", apiErr.Problem)
	}
	if d := apiErr.Problem.Detail; len(d) > 512 || !strings.HasPrefix(d, "<html> <body> <h1>Internal Server Error</h1>") {
		t.Errorf("detail (%d bytes) = %q", len(d), d)
	}
	if !strings.HasPrefix(err.Error(), "GET /v1/regions: 500 internal server error: <html>") {
		t.Errorf("Error() = %q", err.Error())
	}
	onlyIs(t, err, ErrInternal)

	_, err = c.GetEnvironment(ctx, "env-1")
	if got, want := fmt.Sprint(err), "GET /v1/environments/env-1: 404 not found: 404 page not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	onlyIs(t, err, ErrNotFound)
}

func TestAPIError_Is(t *testing.T) {
	byCode := map[string]error{
		api.CodeInvalidArgument: ErrInvalidArgument, api.CodeNotFound: ErrNotFound, api.CodeConflict: ErrConflict,
		api.CodePreconditionFailed: ErrPreconditionFailed, api.CodeRateLimited: ErrRateLimited,
		api.CodeUnauthenticated: ErrUnauthenticated, api.CodePermissionDenied: ErrPermissionDenied,
		api.CodeNoCapacity: ErrNoCapacity, api.CodeInternal: ErrInternal,
	}
	for code, want := range byCode {
		// The code wins over the status.
		onlyIs(t, fmt.Errorf("wrapped: %w", &APIError{StatusCode: 418, Problem: api.Problem{Code: code}}), want)
	}
	byStatus := map[int]error{
		400: ErrInvalidArgument, 401: ErrUnauthenticated, 403: ErrPermissionDenied, 404: ErrNotFound,
		409: ErrConflict, 412: ErrPreconditionFailed, 413: ErrInvalidArgument, 422: ErrInvalidArgument,
		429: ErrRateLimited, 500: ErrInternal, 502: nil, 503: nil,
	}
	for status, want := range byStatus {
		onlyIs(t, &APIError{StatusCode: status}, want)
	}
	// An unknown code maps to nothing, even with a mappable status.
	onlyIs(t, &APIError{StatusCode: 404, Problem: api.Problem{Code: "brand_new"}}, nil)
}

func TestOperationError(t *testing.T) {
	op := testOperation("op-7", api.OperationFailed)
	err := error(&OperationError{Operation: &op, Problem: api.Problem{
		Title: "No capacity", Status: 503, Code: api.CodeNoCapacity, Detail: "region eu-1 has no capacity for 64 CPUs",
	}})
	if got, want := err.Error(), "operation op-7 (environment.create) failed: no_capacity: region eu-1 has no capacity for 64 CPUs"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	onlyIs(t, fmt.Errorf("create: %w", err), ErrNoCapacity)
	// Without a code, the problem's status decides.
	onlyIs(t, &OperationError{Problem: api.Problem{Status: 409}}, ErrConflict)
}

func TestWaitError(t *testing.T) {
	op := testOperation("op-8", api.OperationRunning)
	op.Message = "booting"
	err := error(&WaitError{Operation: &op, Err: context.DeadlineExceeded})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("WaitError does not unwrap to its cause")
	}
	if got, want := err.Error(), `waiting for operation op-8 (environment.create), last status "running" (booting): context deadline exceeded`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
