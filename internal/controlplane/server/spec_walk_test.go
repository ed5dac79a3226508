package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// methodsInAllowOrder is the order the server lists methods in Allow.
var methodsInAllowOrder = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// TestEveryDocumentedOperation walks every operation of openapi.yaml against
// the server: the server routes it (and nothing the document lacks), every
// other method of its path is a 405 whose Allow lists the documented ones,
// each operation lists the error statuses it can answer, and a secured
// operation without a key is the documented 401.
func TestEveryDocumentedOperation(t *testing.T) {
	t.Parallel()
	c := start(t)
	paths, _ := c.spec.Document()["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("openapi.yaml has no paths")
	}
	documented := map[string]bool{}
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		concrete := strings.ReplaceAll(tmpl, "{id}", "x_walk")
		var methods []string
		for _, m := range methodsInAllowOrder {
			if _, ok := ops[strings.ToLower(m)]; ok {
				methods = append(methods, m)
			}
		}
		for _, m := range methods {
			op, _ := ops[strings.ToLower(m)].(map[string]any)
			documented[m+" "+tmpl] = true
			t.Run(m+" "+tmpl, func(t *testing.T) {
				t.Parallel()
				secured := true
				if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
					secured = false
				}
				responses, _ := op["responses"].(map[string]any)
				want := []string{}
				if secured {
					want = append(want, "401", "403", "429", "500")
				}
				if _, ok := op["requestBody"]; ok {
					want = append(want, "400", "413", "415")
				}
				if strings.Contains(tmpl, "{id}") && secured {
					want = append(want, "404")
				}
				params, _ := op["parameters"].([]any)
				for _, p := range params {
					if ref, _ := p.(map[string]any)["$ref"].(string); strings.HasSuffix(ref, "/IdempotencyKey") {
						want = append(want, "422")
					}
				}
				for _, code := range want {
					if _, ok := responses[code]; !ok {
						t.Errorf("%s %s does not document %s", m, tmpl, code)
					}
				}
				if secured {
					if _, ok := responses["default"]; ok {
						t.Errorf("%s %s has a default response; list the error statuses it answers instead", m, tmpl)
					}
					// c.do checks the answer against the operation's 401.
					wantProblem(t, c.do(t, req{method: m, path: concrete, body: bodyFor(op)}), http.StatusUnauthorized, api.CodeUnauthenticated)
				}
				// The server routes it: whatever the answer, not "no such endpoint".
				r := c.do(t, req{method: m, path: concrete, key: c.admin, body: bodyFor(op)})
				if r.status == http.StatusMethodNotAllowed || (r.status == http.StatusNotFound && strings.Contains(string(r.body), "no such endpoint")) {
					t.Errorf("%s %s is documented but the server does not route it: %s", m, concrete, r)
				}
				// Without Content-Type a body is refused before anything else
				// is looked at (collections only: an {id} may be looked up first).
				if _, ok := op["requestBody"]; ok && !strings.Contains(tmpl, "{id}") {
					r := c.do(t, req{method: m, path: concrete, key: c.admin, body: "{}", header: map[string]string{"Content-Type": ""}})
					wantProblem(t, r, http.StatusUnsupportedMediaType, api.CodeInvalidArgument)
				}
			})
		}
		t.Run("other methods of "+tmpl, func(t *testing.T) {
			t.Parallel()
			for _, m := range methodsInAllowOrder {
				if slices.Contains(methods, m) {
					continue
				}
				r := c.do(t, req{method: m, path: concrete, key: c.admin, body: "{}"})
				wantProblem(t, r, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
				if got, want := r.header.Get("Allow"), strings.Join(methods, ", "); got != want {
					t.Errorf("%s %s: Allow %q, want %q", m, concrete, got, want)
				}
			}
		})
	}
	for _, route := range c.app.Server.Routes() {
		method, tmpl, _ := strings.Cut(route, " ")
		if !documented[method+" "+tmpl] {
			t.Errorf("the server routes %s, which openapi.yaml does not document", route)
		}
	}
}

// bodyFor is a JSON object for operations that take a body, else nil.
func bodyFor(op map[string]any) any {
	if _, ok := op["requestBody"]; ok {
		return "{}"
	}
	return nil
}
