package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/testpki"
)

// tlsServer serves HTTPS with pair; with clientCA, it requires client
// certificates of that CA. It counts TLS handshakes started, so a test can
// tell that a refused call was not retried.
func tlsServer(t *testing.T, pair testpki.Pair, clientCA *testpki.CA) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hellos atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	cfg := &tls.Config{Certificates: []tls.Certificate{pair.TLS(t)}, GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		hellos.Add(1)
		return nil, nil
	}}
	if clientCA != nil {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		pool, err := api.CertPoolFromPEM(nil, clientCA.CertPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ClientCAs = pool
	}
	srv.TLS = cfg
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &hellos
}

func callTLS(t *testing.T, endpoint string, tc TLSConfig) error {
	t.Helper()
	c, err := New(Config{Endpoint: endpoint, TLS: tc, MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = c.Do(ctx, http.MethodGet, "/v1/regions", nil, nil, nil)
	return err
}

// TestCertificateErrorsAreExplainedAndNotRetried: each way the control
// plane's certificate can be wrong becomes a CertificateError with its
// reason, after a single handshake (a retry cannot cure it).
func TestCertificateErrorsAreExplainedAndNotRetried(t *testing.T) {
	t.Parallel()
	ca, other := testpki.NewCA(t, "private-ca"), testpki.NewCA(t, "other-ca")
	good := ca.Server(t, testpki.CertOptions{})
	wrongName := ca.Server(t, testpki.CertOptions{DNSNames: []string{"controlplane.internal"}})
	expired := ca.Server(t, testpki.CertOptions{NotAfter: time.Now().Add(-time.Hour)})
	clientPair := ca.Client(t, "terraform")
	strangerPair := other.Client(t, "stranger")

	cases := []struct {
		name       string
		pair       testpki.Pair
		clientCA   *testpki.CA
		tls        TLSConfig
		reason     string
		detailHas  string
		handshakes int32
	}{
		{"trusted CA", good, nil, TLSConfig{CACertPEM: ca.CertPEM}, "", "", 1},
		{"unknown authority", good, nil, TLSConfig{}, CertUnknownAuthority, `issued by "private-ca"`, 1},
		{"another CA trusted", good, nil, TLSConfig{CACertPEM: other.CertPEM}, CertUnknownAuthority, "does not trust", 1},
		{"name mismatch", wrongName, nil, TLSConfig{CACertPEM: ca.CertPEM}, CertNameMismatch, `not valid for the name "127.0.0.1"; it is valid for controlplane.internal`, 1},
		{"expired", expired, nil, TLSConfig{CACertPEM: ca.CertPEM}, CertExpired, "has expired", 1},
		{"insecure skip verify", expired, nil, TLSConfig{InsecureSkipVerify: true}, "", "", 1},
		{"mTLS with the pair", good, ca, TLSConfig{CACertPEM: ca.CertPEM, ClientCertPEM: clientPair.CertPEM, ClientKeyPEM: clientPair.KeyPEM}, "", "", 1},
		{"mTLS without a pair", good, ca, TLSConfig{CACertPEM: ca.CertPEM}, CertClientRequired, "requires a client certificate", 1},
		{"mTLS with a stranger's pair", good, ca, TLSConfig{CACertPEM: ca.CertPEM, ClientCertPEM: strangerPair.CertPEM, ClientKeyPEM: strangerPair.KeyPEM}, CertClientRejected, "the configured one is not", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, hellos := tlsServer(t, c.pair, c.clientCA)
			err := callTLS(t, srv.URL, c.tls)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				return
			}
			var ce *CertificateError
			if !errors.As(err, &ce) || ce.Reason != c.reason || !strings.Contains(ce.Detail, c.detailHas) {
				t.Fatalf("got %v (%#v), want reason %s with %q", err, ce, c.reason, c.detailHas)
			}
			if strings.Contains(err.Error(), "attempts") || hellos.Load() != c.handshakes {
				t.Errorf("retried: %v, %d handshakes", err, hellos.Load())
			}
		})
	}
}

// TestHTTPSToPlainHTTP: an https:// endpoint on a plain HTTP server says so.
func TestHTTPSToPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	err := callTLS(t, strings.Replace(srv.URL, "http://", "https://", 1), TLSConfig{})
	var ce *CertificateError
	if !errors.As(err, &ce) || ce.Reason != CertNotTLS || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("got %v", err)
	}
}

func TestTLSConfigRefusesBadInput(t *testing.T) {
	t.Parallel()
	ca := testpki.NewCA(t, "ca")
	pair := ca.Client(t, "c")
	for _, c := range []struct {
		tls  TLSConfig
		want string
	}{
		{TLSConfig{CACertPEM: []byte("not pem")}, "CA certificate: no PEM certificate found"},
		{TLSConfig{CACertPEM: pair.KeyPEM}, `CA certificate: PEM block 1 is a "PRIVATE KEY"`},
		{TLSConfig{ClientCertPEM: pair.CertPEM}, "needs both the certificate and its private key"},
		{TLSConfig{ClientCertPEM: pair.CertPEM, ClientKeyPEM: ca.Client(t, "d").KeyPEM}, "client certificate and key"},
	} {
		_, err := New(Config{Endpoint: "https://127.0.0.1", TLS: c.tls})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.tls, err, c.want)
		}
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TLS settings go onto a copy of the caller's transport, never the caller's
// own; a transport they cannot be set on is refused rather than ignored.
func TestTLSOnCallersTransport(t *testing.T) {
	t.Parallel()
	ca := testpki.NewCA(t, "ca")
	base := &http.Transport{}
	if _, err := New(Config{Endpoint: "https://127.0.0.1", HTTPClient: &http.Client{Transport: base}, TLS: TLSConfig{CACertPEM: ca.CertPEM}}); err != nil {
		t.Fatal(err)
	}
	// (Transport.Clone itself sets HTTP/2 defaults on the original.)
	if base.TLSClientConfig != nil && (base.TLSClientConfig.RootCAs != nil || base.TLSClientConfig.MinVersion != 0) {
		t.Error("the caller's transport got the TLS settings")
	}
	custom := roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("unused") })
	_, err := New(Config{Endpoint: "https://127.0.0.1", HTTPClient: &http.Client{Transport: custom}, TLS: TLSConfig{CACertPEM: ca.CertPEM}})
	if err == nil || !strings.Contains(err.Error(), "TLS settings need an *http.Transport") {
		t.Fatalf("custom transport with TLS settings: %v", err)
	}
}
