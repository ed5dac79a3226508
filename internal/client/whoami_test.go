package client

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// WhoAmI tells a wrong endpoint (no control plane answered) from a wrong
// key (the control plane refused it).
func TestWhoAmI(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		notCP       bool
		sentinel    error
	}{
		{"the key", 200, "application/json", `{"key_id":"key_1","name":"ci","prefix":"ocp_AbCd","scopes":["admin"]}`, false, nil},
		{"an HTML 404", 404, "text/html", "<html>404 page not found</html>", true, nil},
		{"an HTML 200", 200, "text/html", "<html>welcome</html>", true, nil},
		{"JSON without a key", 200, "application/json", `{"status":"ok"}`, true, nil},
		{"a 401 problem", 401, "application/problem+json", `{"type":"x","title":"Unauthenticated","status":401,"code":"unauthenticated","detail":"API key not recognised"}`, false, ErrUnauthenticated},
		{"a 404 problem from an older control plane", 404, "application/problem+json", `{"type":"x","title":"Not found","status":404,"code":"not_found","detail":"no such endpoint"}`, false, ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/whoami" || r.Header.Get("Authorization") != "Bearer "+testAPIKey {
					t.Errorf("request %s %s", r.Method, r.URL)
				}
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			who, err := c.WhoAmI(context.Background())
			if got := errors.Is(err, ErrNotAControlPlane); got != tc.notCP {
				t.Fatalf("not a control plane: %v (%v), want %v", got, err, tc.notCP)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("%v is not %v", err, tc.sentinel)
			}
			if err == nil && (who.KeyID != "key_1" || who.Prefix != "ocp_AbCd") {
				t.Errorf("who %+v", who)
			}
		})
	}
}
