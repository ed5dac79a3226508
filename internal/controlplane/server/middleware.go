package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// handlerFunc is an authenticated API handler. A returned error becomes a
// problem document (or a 500 when it is not an *apiError).
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// route registers an authenticated API route; POST routes are idempotent.
func (s *Server) route(mux *http.ServeMux, pattern string, h handlerFunc) {
	method, _, _ := cutMethod(pattern)
	if method == http.MethodPost {
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

func cutMethod(pattern string) (method, path string, ok bool) {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ' ' {
			return pattern[:i], pattern[i+1:], true
		}
	}
	return "", pattern, false
}

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

	s.route(mux, "GET /v1/shutdown-schedules", s.listSchedules)
	s.route(mux, "POST /v1/shutdown-schedules", s.createSchedule)
	s.route(mux, "GET /v1/shutdown-schedules/{id}", s.getSchedule)
	s.route(mux, "PATCH /v1/shutdown-schedules/{id}", s.updateSchedule)
	s.route(mux, "DELETE /v1/shutdown-schedules/{id}", s.deleteSchedule)
	s.route(mux, "GET /v1/shutdown-schedules/{id}/runs", s.listScheduleRuns)
	s.route(mux, "POST /v1/environments/{id}/power", s.powerEnvironment)
	if s.simClock != nil {
		s.route(mux, "POST /v1/simulator/clock", s.setSimClock)
	}

	// Anything else under /v1/ answers a problem, not the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errorf(http.StatusNotFound, api.CodeNotFound, "no such endpoint: %s %s (see /v1/openapi.yaml)", r.Method, r.URL.Path))
	})
	return s.observe(s.recoverPanics(mux))
}

// recoverPanics turns a handler panic into a 500 problem; the stack goes to
// the log, never to the client.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", requestID(r.Context()))
				s.writeProblem(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type auditTargetKey struct{}

// auditTarget is the resource a mutation touched, filled in by its handler.
type auditTarget struct{ kind, id string }

// setAuditTarget names the resource a mutation touched.
func setAuditTarget(ctx context.Context, kind, id string) {
	if t, ok := ctx.Value(auditTargetKey{}).(*auditTarget); ok {
		t.kind, t.id = kind, id
	}
}

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// observe assigns the request ID, logs one line per request and records
// metrics by route pattern (never by raw path: IDs would explode the labels).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(api.HeaderRequestID)
		if !validRequestID.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = "req_" + hex.EncodeToString(b)
		}
		w.Header().Set(api.HeaderRequestID, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		code := strconv.Itoa(rec.status)
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(route, code).Inc()
		s.metrics.latency.WithLabelValues(route, code).Observe(elapsed.Seconds())
		attrs := []any{"request_id", id, "method", r.Method, "route", route, "status", rec.status, "duration_ms", elapsed.Milliseconds()}
		if p := principalFrom(r.Context()); p != nil {
			attrs = append(attrs, "key_prefix", p.key.Prefix)
		}
		s.logger.InfoContext(r.Context(), "request", attrs...)
	})
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// newMetrics uses a registry per server, so several in-process control
// planes (tests) do not collide.
func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "openclaw_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "openclaw_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "code"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// audit records a mutation or an authentication failure. It never sees
// request bodies, so it cannot record a secret.
func (s *Server) audit(r *http.Request, k *store.APIKey, action, kind, id, outcome string, status int, detail string) {
	e := &store.AuditEvent{
		Time:         s.now(),
		Action:       action,
		ResourceKind: kind,
		ResourceID:   id,
		SourceIP:     clientIP(r).String(),
		Outcome:      outcome,
		StatusCode:   status,
		RequestID:    requestID(r.Context()),
		Detail:       detail,
	}
	if k != nil {
		e.KeyID, e.KeyPrefix = k.ID, k.Prefix
	}
	if err := s.store.AppendAudit(context.WithoutCancel(r.Context()), e); err != nil {
		s.logger.WarnContext(r.Context(), "append audit event", "err", err)
	}
}
