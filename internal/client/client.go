// Package client is the Terraform provider's HTTP client for the OpenClaw
// control plane API described in internal/api/openapi.yaml.
//
// The package is layered so that a new resource kind costs a few lines:
//
//   - Do (client.go) sends one logical API call: JSON encoding, auth and
//     identification headers, Idempotency-Key on every mutation, If-Match, retries
//     (retry.go), TRACE logging with secrets masked (log.go) and turning error
//     responses into *APIError (errors.go).
//   - get, list, create, update and remove (resource.go) are the generic
//     REST shapes of the API on top of Do.
//   - The typed methods (environments.go, operations.go) are one-liners on
//     top of those.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	cleanhttp "github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxRetries     = 5
	DefaultRequestTimeout = 60 * time.Second
	DefaultRetryWaitMin   = 500 * time.Millisecond
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultUserAgent      = "terraform-provider-openclaw"
)

// maxResponseBytes bounds how much of a response body is read. API answers are
// small JSON documents; anything near this is a misbehaving server or proxy.
const maxResponseBytes = 16 << 20

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	// Endpoint is the control plane's base URL, e.g. http://127.0.0.1:8080.
	// A trailing slash is tolerated; it must be an absolute http(s) URL.
	Endpoint string
	// APIKey is sent as "Authorization: Bearer <key>" and masked in logs.
	APIKey string
	// UserAgent is the full User-Agent header value.
	UserAgent string
	// MaxRetries is how many times a failed attempt is retried: 0 means the
	// default (5), a negative value disables retries.
	MaxRetries int
	// RequestTimeout bounds each HTTP attempt, not the whole call
	// (default 60s).
	RequestTimeout time.Duration
	// RetryWaitMin and RetryWaitMax bound the backoff between retries
	// (defaults 500ms and 30s). RetryWaitMax also caps Retry-After.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// HTTPClient, when set, provides the base transport (and e.g. its TLS
	// settings). It is copied, never modified.
	HTTPClient *http.Client
	// Now is the clock Retry-After dates are read against; default time.Now.
	Now func() time.Time
	// TLS adds trusted CAs and a client certificate to the transport.
	TLS TLSConfig
}

// Client talks to the OpenClaw control plane. It is safe for concurrent use.
type Client struct {
	endpoint       string // normalised: no trailing slash
	clientCert     bool   // a client certificate is configured (mutual TLS)
	apiKey         string
	userAgent      string
	requestTimeout time.Duration
	now            func() time.Time
	http           *retryablehttp.Client
}

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.RequestTimeout < 0 || cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return nil, errors.New("request timeout and retry waits must not be negative")
	}
	maxRetries := cfg.MaxRetries
	switch {
	case maxRetries == 0:
		maxRetries = DefaultMaxRetries
	case maxRetries < 0:
		maxRetries = 0
	}
	timeout := orDefault(cfg.RequestTimeout, DefaultRequestTimeout)
	waitMin := orDefault(cfg.RetryWaitMin, DefaultRetryWaitMin)
	waitMax := orDefault(cfg.RetryWaitMax, DefaultRetryWaitMax)
	if waitMin > waitMax {
		return nil, fmt.Errorf("retry wait min (%s) is greater than retry wait max (%s)", waitMin, waitMax)
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}

	// Copy the caller's client so that wrapping its transport and setting the
	// per-attempt timeout never affects anyone else using it.
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		pooled := cleanhttp.DefaultPooledTransport()
		// One host only, so every idle connection may be for it: cleanhttp
		// keeps GOMAXPROCS+1, and with Terraform's ten parallel reads the
		// rest were closed after each response and dialled again.
		pooled.MaxIdleConnsPerHost = pooled.MaxIdleConns
		next = pooled
	}
	if !cfg.TLS.IsZero() {
		tc, err := cfg.TLS.build()
		if err != nil {
			return nil, err
		}
		if next, err = withTLS(next, tc); err != nil {
			return nil, err
		}
	}
	hc.Transport = &loggingTransport{next: next}
	// http.Client.Timeout covers one RoundTrip including the body, and
	// retryablehttp calls the client once per attempt: a per-attempt bound.
	hc.Timeout = timeout

	c := &Client{
		endpoint:       endpoint,
		clientCert:     len(cfg.TLS.ClientCertPEM) > 0,
		apiKey:         cfg.APIKey,
		userAgent:      userAgent,
		requestTimeout: timeout,
		now:            cfg.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.http = &retryablehttp.Client{
		HTTPClient:   &hc,
		Logger:       nil, // logging goes through tflog in loggingTransport
		RetryWaitMin: waitMin,
		RetryWaitMax: waitMax,
		RetryMax:     maxRetries,
		CheckRetry:   checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: errorHandler,
	}
	return c, nil
}

// Endpoint returns the normalised base URL (without a trailing slash).
func (c *Client) Endpoint() string { return c.endpoint }

func normalizeEndpoint(raw string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(raw), "/")
	if s == "" {
		return "", errors.New("endpoint must not be empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("endpoint %q is not a valid URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("endpoint %q must be an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("endpoint %q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("endpoint %q must not contain credentials, a query or a fragment", raw)
	}
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// RequestOption adjusts a single call made with Do.
type RequestOption func(*requestOptions)

type requestOptions struct {
	ifMatch        string
	idempotencyKey string
}

// WithIfMatch sends "If-Match: etag" (ignored when etag is empty). The server
// answers 412 precondition_failed when the resource changed since.
func WithIfMatch(etag string) RequestOption {
	return func(o *requestOptions) { o.ifMatch = etag }
}

// WithIdempotencyKey makes a mutation use key instead of a fresh random one,
// for callers that must replay the same logical request across separate calls.
func WithIdempotencyKey(key string) RequestOption {
	return func(o *requestOptions) { o.idempotencyKey = key }
}

// Do performs one logical API call, retrying transient failures.
//
// path is relative to the endpoint, starts with "/" and must already be
// escaped (use url.PathEscape for IDs). body, when non-nil, is sent as JSON.
// out, when non-nil, receives the decoded body of a 2xx answer.
//
// The returned response is for its status and headers (ETag, Location): its
// body has already been consumed and closed. A non-2xx answer returns the
// response together with an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any, opts ...RequestOption) (*http.Response, error) {
	var o requestOptions
	for _, opt := range opts {
		opt(&o)
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%s %s: path must start with /", method, path)
	}

	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s %s: encoding request body: %w", method, path, err)
		}
	}

	target := c.endpoint + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}

	st := &callState{body: payload}
	ctx = withCallState(c.logContext(ctx), st)

	// retryablehttp treats a nil interface as "no body"; a typed nil []byte
	// would not be.
	var rawBody any
	if payload != nil {
		rawBody = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, target, rawBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if o.ifMatch != "" {
		req.Header.Set("If-Match", o.ifMatch)
	}
	if method != http.MethodGet {
		// Set once, before the retry loop: every attempt of this call carries
		// the same key, so a retry after a lost response replays the original
		// answer instead of creating a second resource, or reporting a false
		// 412 (the update moved the ETag on) or 404 (the delete ran).
		key := o.idempotencyKey
		if key == "" {
			if key, err = newIdempotencyKey(); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		req.Header.Set(api.HeaderIdempotencyKey, key)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if ce := certificateError(err, req.URL.Host, c.clientCert); ce != nil {
			err = ce
		}
		return nil, &requestError{Method: method, Path: path, Attempts: int(st.attempts.Load()), Err: err}
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp, &requestError{Method: method, Path: path, Attempts: int(st.attempts.Load()), Err: fmt.Errorf("reading response: %w", err)}
	}
	if len(data) > maxResponseBytes {
		return resp, fmt.Errorf("%s %s: response body exceeds %d bytes", method, path, maxResponseBytes)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(method, path, resp, data)
		e.Attempts = int(st.attempts.Load())
		return resp, e
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s %s: decoding %d response: %w", method, path, resp.StatusCode, err)
		}
	}
	return resp, nil
}

// requestError is a call that got no usable HTTP answer: the transport failed
// (after retries) or the context ended.
type requestError struct {
	Method, Path string
	Attempts     int
	Err          error
}

func (e *requestError) Error() string {
	msg := fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

func (e *requestError) Unwrap() error { return e.Err }

// unwrapURLError drops net/http's *url.Error wrapper, whose message repeats
// the full URL that requestError already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// newIdempotencyKey returns 128 random bits, hex encoded.
func newIdempotencyKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating idempotency key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
