package client

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAPIErrorBody: whatever an error answer's body is (a proxy's page,
// truncated JSON, binary), the error reads as one line of UTF-8 that names
// the request and status, and the fallback detail stays bounded.
func FuzzAPIErrorBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 400 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		e := newAPIError(http.MethodPost, "/v1/environments", resp, body)
		msg := e.Error()
		if !utf8.ValidString(msg) || !strings.HasPrefix(msg, "POST /v1/environments: ") {
			t.Fatalf("%q", msg)
		}
		if e.Problem.Code == "" && (len(e.Problem.Detail) > maxFallbackDetail || strings.ContainsAny(e.Problem.Detail, "\n\r\t")) {
			t.Fatalf("fallback detail %q", e.Problem.Detail)
		}
		if e.Problem.Status == 0 {
			t.Fatalf("no status in %+v", e.Problem)
		}
	})
}
