package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// The whole API, in one place.

// handlerFunc is an authenticated API handler. A returned error becomes a
// problem document (or a 500 when it is not an *apiError).
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// route registers an authenticated API route. Mutations are idempotent:
// a repeated Idempotency-Key is answered with the first response.
func (s *Server) route(mux *http.ServeMux, pattern string, h handlerFunc) {
	method, _, _ := strings.Cut(pattern, " ")
	if method != http.MethodGet {
		h = s.idempotent(h)
	}
	s.patterns = append(s.patterns, pattern)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		p, err := s.authenticate(r)
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		if method == http.MethodGet {
			if err := h(w, r.WithContext(ctx), p); err != nil {
				s.writeProblem(w, r, err)
			}
			return
		}
		// Mutations are audited with their outcome; handlers name the
		// resource they touched through the auditTarget in the context.
		target := &auditTarget{id: r.PathValue("id")}
		r = r.WithContext(context.WithValue(ctx, auditTargetKey{}, target))
		rec := &statusRecorder{ResponseWriter: w}
		if err := h(rec, r, p); err != nil {
			s.writeProblem(rec, r, err)
		}
		outcome := "success"
		if rec.status >= 400 {
			outcome = "failure"
		}
		s.audit(r, p.key, pattern, target.kind, target.id, outcome, rec.status, "")
	})
}

// Routes lists the patterns of every authenticated route ("GET
// /v1/environments/{id}"), so tests can cover each one.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, api.Health{Status: "unavailable", Checks: map[string]string{"database": "unreachable"}})
			return
		}
		writeJSON(w, http.StatusOK, api.Health{Status: "ok", Checks: map[string]string{"database": "ok"}})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(api.OpenAPISpec)
	})

	s.route(mux, "GET /v1/regions", s.listRegions)
	s.route(mux, "GET /v1/environments", s.listEnvironments)
	s.route(mux, "POST /v1/environments", s.createEnvironment)
	s.route(mux, "GET /v1/environments/{id}", s.getEnvironment)
	s.route(mux, "PATCH /v1/environments/{id}", s.updateEnvironment)
	s.route(mux, "DELETE /v1/environments/{id}", s.deleteEnvironment)
	s.route(mux, "GET /v1/environments/{id}/logs", s.getEnvironmentLogs)
	s.route(mux, "GET /v1/environments/{id}/gateway-token", s.getGatewayToken)
	s.route(mux, "GET /v1/operations/{id}", s.getOperation)

	s.route(mux, "GET /v1/api-keys", s.listAPIKeys)
	s.route(mux, "POST /v1/api-keys", s.createAPIKey)
	s.route(mux, "GET /v1/api-keys/{id}", s.getAPIKey)
	s.route(mux, "PATCH /v1/api-keys/{id}", s.updateAPIKey)
	s.route(mux, "DELETE /v1/api-keys/{id}", s.deleteAPIKey)
	s.route(mux, "POST /v1/api-keys/{id}/revoke", s.revokeAPIKey)
	s.route(mux, "GET /v1/audit-events", s.listAuditEvents)

	s.route(mux, "GET /v1/gpu-types", s.listGPUTypes)
	s.route(mux, "GET /v1/gpu-pools", s.listGPUPools)
	s.route(mux, "POST /v1/gpu-pools", s.createGPUPool)
	s.route(mux, "GET /v1/gpu-pools/{id}", s.getGPUPool)
	s.route(mux, "PATCH /v1/gpu-pools/{id}", s.updateGPUPool)
	s.route(mux, "DELETE /v1/gpu-pools/{id}", s.deleteGPUPool)
	s.route(mux, "POST /v1/gpu-pools/{id}/simulator/load", s.simulateLoad)

	s.route(mux, "GET /v1/whoami", s.whoami)

	s.route(mux, "GET /v1/snapshots", s.listSnapshots)
	s.route(mux, "POST /v1/snapshots", s.createSnapshot)
	s.route(mux, "GET /v1/snapshots/{id}", s.getSnapshot)
	s.route(mux, "PATCH /v1/snapshots/{id}", s.updateSnapshot)
	s.route(mux, "DELETE /v1/snapshots/{id}", s.deleteSnapshot)
	s.route(mux, "POST /v1/snapshots/{id}/verify", s.verifySnapshot)

	// Anything else answers a problem, not the mux's plain text: 405 with
	// Allow for a known path, 404 otherwise.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeProblem(w, r, errorf(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "%s %s does not exist; this path accepts %s (see /v1/openapi.yaml)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeProblem(w, r, errorf(http.StatusNotFound, api.CodeNotFound, "no such endpoint: %s %s (see /v1/openapi.yaml)", r.Method, r.URL.Path))
	})
	return s.observe(s.recoverPanics(mux))
}
