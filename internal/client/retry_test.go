package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func TestRetry_RetryableStatusesExhausted(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var n atomic.Int32
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempt := n.Add(1)
				w.Header().Set(api.HeaderRequestID, fmt.Sprintf("req-%d", attempt))
				writeProblem(w, status, "", fmt.Sprintf("attempt %d", attempt))
			}), func(cfg *Config) { cfg.MaxRetries = 3 })

			_, err := c.ListRegions(context.Background())
			if got := n.Load(); got != 4 {
				t.Errorf("attempts = %d, want 1 + 3 retries", got)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			// The error describes the last answer, not a generic "giving up".
			if apiErr.StatusCode != status || apiErr.Problem.Detail != "attempt 4" || apiErr.RequestID != "req-4" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("generic retryablehttp error leaked: %v", err)
			}
		})
	}
}

func TestRetry_NonRetryableStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 412, 413, 422, 500, 501} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var n atomic.Int32
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				writeProblem(w, status, "", "no")
			}))
			_, err := c.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "x", Region: "r"})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("err = %v", err)
			}
			if got := n.Load(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
		})
	}
}

func TestRetry_EventualSuccess(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			writeProblem(w, 502, "", "bad gateway")
		case 2:
			writeProblem(w, 504, "", "gateway timeout")
		default:
			writeJSON(w, 200, api.List[api.Region]{Items: []api.Region{{ID: "eu-1"}}})
		}
	}))
	regions, err := c.ListRegions(context.Background())
	if err != nil || len(regions) != 1 || n.Load() != 3 {
		t.Fatalf("regions %v err %v attempts %d", regions, err, n.Load())
	}
}

// flakyTransport fails the first len(errs) round trips with errs, in order.
type flakyTransport struct {
	errs []error
	n    atomic.Int32
	next http.RoundTripper
}

func (t *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(t.n.Add(1)) - 1
	if i < len(t.errs) {
		return nil, t.errs[i]
	}
	return t.next.RoundTrip(r)
}

func TestRetry_ConnectionErrors(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	ft := &flakyTransport{
		errs: []error{reset, io.EOF, io.ErrUnexpectedEOF},
		next: http.DefaultTransport,
	}
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.List[api.Region]{})
	}), func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: ft} })
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ft.n.Load(); got != 4 {
		t.Errorf("round trips = %d, want 3 failures + 1 success", got)
	}
}

func TestRetry_ConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused

	ct := &countingTransport{next: &http.Transport{}}
	c, err := New(Config{
		Endpoint: "http://" + addr, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond,
		HTTPClient: &http.Client{Transport: ct},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListRegions(context.Background())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if got := ct.n.Load(); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "GET /v1/regions: ") || !strings.HasSuffix(msg, "(after 3 attempts)") {
		t.Errorf("error message = %q", msg)
	}
}

func TestRetry_ServerDropsConnection(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the client reads EOF instead of a response
			}
			return
		}
		writeJSON(w, 200, api.List[api.Region]{})
	}))
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2", got)
	}
}

func TestRetry_TLSErrorNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	defer srv.Close()
	// A transport that does not trust the test server's certificate.
	ct := &countingTransport{next: &http.Transport{}}
	c, err := New(Config{Endpoint: srv.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		HTTPClient: &http.Client{Transport: ct}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListRegions(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want certificate error", err)
	}
	if got := ct.n.Load(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
	if hits.Load() != 0 {
		t.Errorf("handler was reached")
	}
}

func TestIsTransientNetErr(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "http://x", Err: err} }
	cases := map[string]struct {
		err  error
		want bool
	}{
		"refused":     {wrap(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		"reset":       {wrap(&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
		"broken pipe": {wrap(&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}), true},
		"eof":         {wrap(io.EOF), true},
		"unexpected":  {wrap(io.ErrUnexpectedEOF), true},
		"timeout":     {&url.Error{Op: "Get", URL: "http://x", Err: timeoutErr{}}, true},
		"dns missing": {wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}), false},
		"dns temp":    {wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}}), true},
		"unknown CA":  {wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		"hostname":    {wrap(x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}), false},
		"tls record":  {wrap(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), false},
		"bad scheme":  {wrap(errors.New(`unsupported protocol scheme "ftp"`)), false},
		"redirects":   {wrap(errors.New("stopped after 10 redirects")), false},
		"other":       {errors.New("boom"), false},
	}
	for name, tc := range cases {
		if got := isTransientNetErr(tc.err); got != tc.want {
			t.Errorf("%s: isTransientNetErr(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestCheckRetry_ContextEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	retry, err := checkRetry(ctx, &http.Response{StatusCode: 503}, nil)
	if retry || !errors.Is(err, context.Canceled) {
		t.Errorf("checkRetry after cancel = %v, %v", retry, err)
	}
}

func respWith(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestBackoff(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, time.Second
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	backoff := (&Client{now: func() time.Time { return now }}).backoff

	// Retry-After is honoured exactly on 429 and 503, capped at hi.
	if got := backoff(lo, 30*time.Second, 0, respWith(429, "2")); got != 2*time.Second {
		t.Errorf("429 Retry-After 2 = %s", got)
	}
	if got := backoff(lo, 30*time.Second, 3, respWith(503, "7")); got != 7*time.Second {
		t.Errorf("503 Retry-After 7 = %s", got)
	}
	if got := backoff(lo, hi, 0, respWith(429, "3600")); got != hi {
		t.Errorf("Retry-After above max = %s, want %s", got, hi)
	}
	// A date is read against the client's clock, not the wall clock.
	date := now.Add(20 * time.Second).Format(http.TimeFormat)
	if got := backoff(lo, 30*time.Second, 0, respWith(429, date)); got != 20*time.Second {
		t.Errorf("Retry-After date = %s, want 20s", got)
	}
	// Elsewhere Retry-After is ignored in favour of the exponential schedule.
	if got := backoff(lo, hi, 0, respWith(502, "9")); got < lo || got > 2*lo {
		t.Errorf("502 Retry-After = %s, want exponential", got)
	}

	// Capped exponential with full jitter: attempt n lies in
	// [lo, min(hi, lo·2^(n+1))] and actually varies.
	for attempt, ceiling := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, hi, hi, hi} {
		distinct := map[time.Duration]bool{}
		for range 200 {
			d := backoff(lo, hi, attempt, nil)
			if d < lo || d > ceiling {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, lo, ceiling)
			}
			distinct[d] = true
		}
		if len(distinct) < 10 {
			t.Errorf("attempt %d: only %d distinct waits; jitter missing", attempt, len(distinct))
		}
	}
	if got := backoff(lo, hi, 1000, nil); got < lo || got > hi {
		t.Errorf("huge attempt = %s", got)
	}
	if got := backoff(hi, hi, 3, nil); got != hi {
		t.Errorf("lo == hi: %s", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"5", 5 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// recordWaits makes c record each backoff it chooses and not wait: the
// policy is tested through the real retry loop without sleeping.
func recordWaits(c *Client) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	chosen := c.http.Backoff
	c.http.Backoff = func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, chosen(lo, hi, attempt, resp))
		return 0
	}
	return waits
}

func TestRetryAfter_Honoured(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, 429, api.CodeRateLimited, "slow down")
			return
		}
		writeJSON(w, 200, api.List[api.Region]{})
	}), func(cfg *Config) { cfg.RetryWaitMax = 10 * time.Second })
	waits := recordWaits(c)
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Without Retry-After the wait would be 1-2ms.
	if len(*waits) != 1 || (*waits)[0] != time.Second {
		t.Errorf("waits %v, want the server's 1s once", *waits)
	}
}

func TestRetryAfter_CappedAtRetryWaitMax(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			writeProblem(w, 503, "", "maintenance")
			return
		}
		writeJSON(w, 200, api.List[api.Region]{})
	}), func(cfg *Config) { cfg.RetryWaitMax = 20 * time.Millisecond })
	waits := recordWaits(c)
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 1 || (*waits)[0] != 20*time.Millisecond {
		t.Errorf("waits %v; Retry-After was not capped at 20ms", *waits)
	}
}

func TestRetry_StopsWhenContextCanceled(t *testing.T) {
	var n atomic.Int32
	hit := make(chan struct{}, 1)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		writeProblem(w, 503, "", "maintenance")
		select {
		case hit <- struct{}{}:
		default:
		}
	}), func(cfg *Config) { cfg.RetryWaitMax = time.Hour })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.ListRegions(ctx)
		done <- err
	}()
	<-hit // the client is now in its hour-long backoff
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client slept through cancellation")
	}
	if got := n.Load(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestRetry_NegativeMaxRetriesDisablesRetries(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeProblem(w, 503, "", "unavailable")
	}), func(cfg *Config) { cfg.MaxRetries = -1 })
	_, err := c.ListRegions(context.Background())
	if err == nil {
		t.Fatalf("err = %v", err)
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("attempts = %d, want 1 (retries disabled)", got)
	}
}
