package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/secrets"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
)

// newTestServer builds a Server without the controlplane package (which
// imports this one).
func newTestServer(t *testing.T) *Server {
	t.Helper()
	dir := t.TempDir()
	kr, _, err := secrets.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	return newTestServerOn(t, dir, kr)
}

// newTestServerOn is a Server on the SQLite database in dir: called twice
// with the same dir, two replicas of one control plane.
func newTestServerOn(t *testing.T, dir string, kr *secrets.Keyring) *Server {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), filepath.Join(dir, "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := New(Config{Store: st, Keyring: kr, Driver: simulator.New(simulator.Config{DataDir: dir})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPanicRecovery: no real route panics, so the recovery middleware is
// exercised directly with a panicking handler, inside the same observe
// wrapper routes() uses: the client gets a 500 problem with the request ID
// and nothing of the panic.
func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	spec := apitest.Validator(t)
	const secret = "panic-detail-that-must-not-leak"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic(secret) })
	mux.HandleFunc("GET /err", func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errors.New("pq: relation "+secret+" does not exist"))
	})
	srv := httptest.NewServer(s.observe(s.recoverPanics(mux)))
	t.Cleanup(srv.Close)

	for _, path := range []string{"/boom", "/err"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Type") != api.ProblemContentType {
			t.Fatalf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		spec.ValidateSchema(t, "Problem", body)
		var p api.Problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Code != api.CodeInternal || p.RequestID == "" || p.RequestID != resp.Header.Get(api.HeaderRequestID) {
			t.Errorf("%s: problem %+v", path, p)
		}
		for _, leak := range []string{secret, "goroutine", "panic", ".go:", "pq:"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("%s: body reveals %q: %s", path, leak, body)
			}
		}
	}
	// The server keeps serving, and counted the 500s.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	spec.ValidateResponse(t, http.MethodGet, "/metrics", rec.Code, rec.Body.Bytes())
	if m := rec.Body.String(); !strings.Contains(m, `openclaw_http_requests_total{code="500",route="GET /boom"} 1`) {
		t.Errorf("metrics do not count the recovered panic under its route:\n%s", grep(m, "openclaw_http_requests_total"))
	}
}

func grep(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
