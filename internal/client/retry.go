package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// checkRetry is the retryablehttp.CheckRetry policy.
//
// Retried: 429, 502, 503, 504 and transport failures that a new attempt can
// plausibly cure (see isTransientNetErr). Never retried: any other 4xx (the
// request itself is wrong), 500 and 501 (retrying a server bug or a missing
// feature only multiplies load). Nothing is retried once ctx has ended.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		return isTransientNetErr(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// isTransientNetErr reports whether a transport error may go away on retry.
func isTransientNetErr(err error) bool {
	// A bad certificate or TLS setup will fail the same way every time.
	var (
		certVerify  *tls.CertificateVerificationError
		recordHdr   tls.RecordHeaderError
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
	)
	if errors.As(err, &certVerify) || errors.As(err, &recordHdr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostname) || errors.As(err, &invalid) {
		return false
	}
	// A name that does not resolve is a configuration error, unless the
	// resolver itself said the failure was temporary.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	// Refused, reset, broken pipe, or the server closing the connection
	// mid-exchange (EOF): the server restarting or a proxy recycling.
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// The per-attempt timeout (RequestTimeout) fired: the next attempt gets a
	// fresh one. The caller's own deadline never gets here (checkRetry
	// looks at ctx first).
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// Other socket-level failures (e.g. network unreachable while dialling).
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	// Everything else, notably URL errors such as "unsupported protocol
	// scheme" or a redirect loop, is permanent.
	return false
}

// backoff is the retryablehttp.Backoff policy: the server's Retry-After on
// 429/503 when present (capped at hi), otherwise capped exponential backoff
// with full jitter in [lo, min(hi, lo·2^(attempt+1))].
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			return min(d, hi)
		}
	}
	ceiling := hi
	// lo<<(attempt+1) overflows for large attempts; stop doubling at hi.
	if attempt < 62 && lo > 0 && lo <= hi>>(attempt+1) {
		ceiling = lo << (attempt + 1)
	}
	if ceiling <= lo {
		return lo
	}
	return lo + rand.N(ceiling-lo+1)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp before multiplying so absurd values cannot overflow.
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// errorHandler runs when retryablehttp stops without success. When the last
// attempt got a response (retries exhausted on 429/5xx) it is handed back as
// is, so the caller builds the same *APIError it would for any error answer
// instead of retryablehttp's generic "giving up" error.
func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil {
		err = errors.New("request failed without a response")
	}
	return nil, err
}
