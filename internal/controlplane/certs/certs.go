// Package certs serves the control plane's TLS certificate from files that
// may be replaced while it runs (cert-manager, ACME clients): every
// handshake after a change sees the new files, without a restart.
package certs

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// DefaultCheckInterval is how often the files are read again at most. A
// renewal is picked up by the first handshake after it.
const DefaultCheckInterval = time.Second

// Config names the files.
type Config struct {
	// CertFile is the server certificate (leaf first, then intermediates)
	// and KeyFile its private key, both PEM.
	CertFile, KeyFile string
	// ClientCAFile, when set, turns on mutual TLS: clients must present a
	// certificate issued by one of these CAs (PEM bundle).
	ClientCAFile string
	// CheckInterval bounds how often the files are re-read; default
	// DefaultCheckInterval, negative: on every handshake.
	CheckInterval time.Duration
	Logger        *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Reloader holds the current TLS configuration.
type Reloader struct {
	cfg Config

	mu        sync.Mutex
	checked   time.Time
	raw       [3][]byte // cert, key, client CA as last loaded
	current   *tls.Config
	lastError string
}

// New loads the files once; an error here stops the start (a broken
// renewal later keeps the previous certificate).
func New(cfg Config) (*Reloader, error) {
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, errors.New("TLS needs both a certificate file (--tls-cert, OPENCLAW_TLS_CERT) and a key file (--tls-key, OPENCLAW_TLS_KEY)")
	}
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = DefaultCheckInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Reloader{cfg: cfg}
	raw, err := r.read()
	if err != nil {
		return nil, err
	}
	c, err := r.build(raw)
	if err != nil {
		return nil, err
	}
	r.raw, r.current, r.checked = raw, c, cfg.Now()
	return r, nil
}

// TLSConfig is the configuration to serve with: TLS 1.2 or later, the
// certificate (and client CAs) of the files as they are at each handshake.
func (r *Reloader) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: api.MinTLSVersion,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return r.Current(), nil
		},
	}
}

// MutualTLS reports whether clients must present a certificate.
func (r *Reloader) MutualTLS() bool { return r.cfg.ClientCAFile != "" }

// Current returns the configuration of the files, re-reading them when the
// check interval has passed. When the new files do not load (a renewal
// caught between writing the certificate and the key), the previous
// configuration stays and the failure is logged once.
func (r *Reloader) Current() *tls.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	if r.cfg.CheckInterval > 0 && now.Sub(r.checked) < r.cfg.CheckInterval {
		return r.current
	}
	r.checked = now
	raw, err := r.read()
	if err == nil && r.sameAsLoaded(raw) {
		return r.current
	}
	var c *tls.Config
	if err == nil {
		c, err = r.build(raw)
	}
	if err != nil {
		if msg := err.Error(); msg != r.lastError {
			r.lastError = msg
			r.cfg.Logger.Warn("TLS files changed but do not load; still serving the previous certificate", "err", err)
		}
		return r.current
	}
	r.raw, r.current, r.lastError = raw, c, ""
	r.cfg.Logger.Info("TLS certificate reloaded", "cert_file", r.cfg.CertFile, "not_after", notAfter(c))
	return r.current
}

func (r *Reloader) sameAsLoaded(raw [3][]byte) bool {
	for i := range raw {
		if !bytes.Equal(raw[i], r.raw[i]) {
			return false
		}
	}
	return true
}

func (r *Reloader) read() ([3][]byte, error) {
	var raw [3][]byte
	for i, f := range []string{r.cfg.CertFile, r.cfg.KeyFile, r.cfg.ClientCAFile} {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return raw, fmt.Errorf("read TLS file: %w", err)
		}
		raw[i] = b
	}
	return raw, nil
}

func (r *Reloader) build(raw [3][]byte) (*tls.Config, error) {
	pair, err := tls.X509KeyPair(raw[0], raw[1])
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s with key %s: %w", r.cfg.CertFile, r.cfg.KeyFile, err)
	}
	c := &tls.Config{MinVersion: api.MinTLSVersion, Certificates: []tls.Certificate{pair}}
	if r.cfg.ClientCAFile != "" {
		pool, err := api.CertPoolFromPEM(nil, raw[2])
		if err != nil {
			return nil, fmt.Errorf("client CA file %s (--tls-client-ca): %w", r.cfg.ClientCAFile, err)
		}
		c.ClientCAs = pool
		// In front of the API keys, never instead: a verified client
		// certificate only gets a request as far as the key check.
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// notAfter is the leaf's expiry (X509KeyPair parses the leaf).
func notAfter(c *tls.Config) string {
	if len(c.Certificates) == 0 || c.Certificates[0].Leaf == nil {
		return ""
	}
	return c.Certificates[0].Leaf.NotAfter.UTC().Format(time.RFC3339)
}
