package certs_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/certs"
	"github.com/openclaw/terraform-provider-openclaw/internal/testpki"
)

// serve accepts TLS connections with r's configuration until the test ends.
func serve(t *testing.T, r *certs.Reloader) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", r.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
				_, _ = c.Write([]byte("ok"))
			}()
		}
	}()
	return ln.Addr().String()
}

// dial handshakes and reads one byte, so that a server refusing the client
// certificate (reported after the handshake in TLS 1.3) shows as an error.
func dial(addr string, cfg *tls.Config) (*x509.Certificate, error) {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.Read(make([]byte, 1)); err != nil {
		return nil, err
	}
	return c.ConnectionState().PeerCertificates[0], nil
}

func pool(ca *testpki.CA) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// TestReloadOnChange: a running server serves the new certificate from the
// first handshake after the files are replaced; a half-written renewal
// (certificate of one pair, key of another) keeps the previous one until
// the pair matches again. The check interval runs on an injected clock.
func TestReloadOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caA, caB := testpki.NewCA(t, "A"), testpki.NewCA(t, "B")
	first, renewed := caA.Server(t, testpki.CertOptions{}), caB.Server(t, testpki.CertOptions{})
	certFile, keyFile := first.Write(t, dir, "server")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, CheckInterval: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, r)
	trustA := &tls.Config{RootCAs: pool(caA), ServerName: "localhost"}
	trustB := &tls.Config{RootCAs: pool(caB), ServerName: "localhost"}
	if _, err := dial(addr, trustA); err != nil {
		t.Fatalf("first certificate: %v", err)
	}

	// Half a renewal: the new certificate with the old key.
	testpki.WriteFile(t, certFile, renewed.CertPEM)
	if _, err := dial(addr, trustA); err != nil {
		t.Fatalf("within the check interval the loaded certificate is served: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := dial(addr, trustA); err != nil {
		t.Fatalf("a mismatched pair keeps the previous certificate: %v", err)
	}
	// The renewal completes.
	testpki.WriteFile(t, keyFile, renewed.KeyPEM)
	now = now.Add(time.Minute)
	if leaf, err := dial(addr, trustB); err != nil || leaf.Issuer.CommonName != "B" {
		t.Fatalf("renewed certificate not served: %v", err)
	}
	if _, err := dial(addr, trustA); err == nil {
		t.Fatal("the old certificate is still served after the renewal")
	}
}

// TestMinimumTLS12: TLS 1.0 and 1.1 clients are refused.
func TestMinimumTLS12(t *testing.T) {
	t.Parallel()
	ca := testpki.NewCA(t, "ca")
	certFile, keyFile := ca.Server(t, testpki.CertOptions{}).Write(t, t.TempDir(), "server")
	r, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, r)
	_, err = dial(addr, &tls.Config{RootCAs: pool(ca), ServerName: "localhost", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1 handshake: %v, want a protocol version alert", err)
	}
	if _, err := dial(addr, &tls.Config{RootCAs: pool(ca), ServerName: "localhost", MaxVersion: tls.VersionTLS12}); err != nil {
		t.Fatalf("TLS 1.2: %v", err)
	}
}

// TestMutualTLS: with a client CA, a client without a certificate or with
// one from another CA is refused; one issued by the CA gets through. The
// client CA file is reloaded like the certificate.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serverCA, clientCA, otherCA := testpki.NewCA(t, "server"), testpki.NewCA(t, "clients"), testpki.NewCA(t, "other")
	certFile, keyFile := serverCA.Server(t, testpki.CertOptions{}).Write(t, dir, "server")
	caFile := dir + "/clients.pem"
	testpki.WriteFile(t, caFile, clientCA.CertPEM)
	r, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, ClientCAFile: caFile, CheckInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.MutualTLS() {
		t.Fatal("MutualTLS() = false with a client CA")
	}
	addr := serve(t, r)
	base := &tls.Config{RootCAs: pool(serverCA), ServerName: "localhost"}

	_, err = dial(addr, base)
	var alert *net.OpError
	if !errors.As(err, &alert) || alert.Op != "remote error" || !strings.Contains(err.Error(), "certificate required") {
		t.Fatalf("without a client certificate: %v, want the server's certificate required alert", err)
	}
	wrongCA := base.Clone()
	wrongCA.Certificates = []tls.Certificate{otherCA.Client(t, "intruder").TLS(t)}
	if _, err := dial(addr, wrongCA); err == nil {
		t.Fatal("a client certificate of another CA was accepted")
	}
	good := base.Clone()
	good.Certificates = []tls.Certificate{clientCA.Client(t, "terraform").TLS(t)}
	if _, err := dial(addr, good); err != nil {
		t.Fatalf("client certificate of the client CA: %v", err)
	}
	// Rotating the client CA bundle: the other CA is trusted from now on.
	testpki.WriteFile(t, caFile, otherCA.CertPEM)
	if _, err := dial(addr, wrongCA); err != nil {
		t.Fatalf("after the client CA file changed: %v", err)
	}
}

func TestNewRefusesBrokenFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "ca")
	certFile, keyFile := ca.Server(t, testpki.CertOptions{}).Write(t, dir, "server")
	badCA := dir + "/bad.pem"
	testpki.WriteFile(t, badCA, ca.Server(t, testpki.CertOptions{}).KeyPEM)
	for _, c := range []struct {
		name string
		cfg  certs.Config
		want string
	}{
		{"key missing", certs.Config{CertFile: certFile}, "--tls-key"},
		{"no such file", certs.Config{CertFile: certFile, KeyFile: dir + "/nope.key"}, "no such file"},
		{"swapped", certs.Config{CertFile: keyFile, KeyFile: certFile}, "TLS certificate"},
		{"client CA is a key", certs.Config{CertFile: certFile, KeyFile: keyFile, ClientCAFile: badCA}, `--tls-client-ca): PEM block 1 is a "PRIVATE KEY"`},
	} {
		_, err := certs.New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
