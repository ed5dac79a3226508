package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

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
	// The operation engine's throughput, and how late due steps start:
	// what says whether it keeps up with a burst.
	steps       *prometheus.CounterVec
	stepLatency *prometheus.HistogramVec
	stepLag     prometheus.Histogram
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
	m.steps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openclaw_operation_steps_total",
		Help: "Operation steps run by this replica, by operation kind and outcome (next, succeeded, failed, retry).",
	}, []string{"kind", "outcome"})
	m.stepLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "openclaw_operation_step_duration_seconds",
		Help:    "Time one operation step took, its save included, by operation kind.",
		Buckets: prometheus.DefBuckets,
	}, []string{"kind"})
	m.stepLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "openclaw_operation_step_lag_seconds",
		Help:    "How long after it was due a step started: near zero while the engine keeps up.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})
	m.registry.MustRegister(m.requests, m.latency, m.steps, m.stepLatency, m.stepLag,
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
