package controlplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/certs"
)

// DefaultShutdownTimeout bounds a graceful shutdown: in-flight requests get
// this long to finish. It stays under the usual 30s a service manager or
// Kubernetes waits between SIGTERM and SIGKILL.
const DefaultShutdownTimeout = 20 * time.Second

// ServeOptions configure App.Serve.
type ServeOptions struct {
	// TLS, when set, serves HTTPS with the certificate of its files as they
	// are at each handshake; nil serves plain HTTP.
	TLS *certs.Reloader
	// ShutdownTimeout bounds the graceful shutdown; default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	// Middleware, when set, wraps the API handler (tests observe requests
	// with it).
	Middleware func(http.Handler) http.Handler
}

// ErrShutdownTimeout is returned by Serve when requests were still running
// when the shutdown timeout ran out (their connections were closed).
var ErrShutdownTimeout = errors.New("requests still running when the shutdown timeout ended; their connections were closed")

// Serve answers the API on ln until ctx ends, then shuts down gracefully:
// it stops accepting connections, makes long-polls answer at once, and
// waits up to ShutdownTimeout for in-flight requests. The operation engine
// (App.Server.Start) stops with its own context and hands its leases back.
func (a *App) Serve(ctx context.Context, ln net.Listener, o ServeOptions) error {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	drain := o.ShutdownTimeout
	if drain <= 0 {
		drain = DefaultShutdownTimeout
	}
	handler := a.Server.Handler()
	if o.Middleware != nil {
		handler = o.Middleware(handler)
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Long-polls last up to 60s.
		WriteTimeout: 90 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(a.Server.Drain)
	if o.TLS != nil {
		hs.TLSConfig = o.TLS.TLSConfig()
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests", "shutdown_timeout", drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close() // cut off what did not finish in time
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("graceful shutdown after %s: %w", drain, ErrShutdownTimeout)
		}
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// IsLoopback reports whether a listen address only accepts connections
// from this machine ("127.0.0.1:8080", "[::1]:8080", "localhost:8080").
// An empty host listens on every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
