package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// TLSConfig configures HTTPS to the control plane. The zero value verifies
// the control plane's certificate against the system's roots.
type TLSConfig struct {
	// CACertPEM holds CA certificates (PEM) trusted in addition to the
	// system's roots, for a control plane with a private CA.
	CACertPEM []byte
	// ClientCertPEM and ClientKeyPEM are the client certificate and key
	// presented to a control plane that requires mutual TLS.
	ClientCertPEM, ClientKeyPEM []byte
	// InsecureSkipVerify accepts any server certificate. For test rigs
	// only: anyone on the path can read the API key.
	InsecureSkipVerify bool
}

// IsZero reports whether nothing is set (system roots, no client certificate).
func (t TLSConfig) IsZero() bool {
	return len(t.CACertPEM) == 0 && len(t.ClientCertPEM) == 0 && len(t.ClientKeyPEM) == 0 && !t.InsecureSkipVerify
}

// build turns the settings into a tls.Config: TLS 1.2 or later, like the
// control plane.
func (t TLSConfig) build() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: api.MinTLSVersion, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in, documented for test rigs only
	if len(t.CACertPEM) > 0 {
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = nil // no system pool (e.g. some containers): the CA alone
		}
		if cfg.RootCAs, err = api.CertPoolFromPEM(roots, t.CACertPEM); err != nil {
			return nil, fmt.Errorf("CA certificate: %w", err)
		}
	}
	if len(t.ClientCertPEM) > 0 || len(t.ClientKeyPEM) > 0 {
		if len(t.ClientCertPEM) == 0 || len(t.ClientKeyPEM) == 0 {
			return nil, errors.New("a client certificate needs both the certificate and its private key")
		}
		pair, err := tls.X509KeyPair(t.ClientCertPEM, t.ClientKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("client certificate and key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// withTLS returns a copy of transport rt using cfg.
func withTLS(rt http.RoundTripper, cfg *tls.Config) (http.RoundTripper, error) {
	tr, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("TLS settings need an *http.Transport, the HTTP client has a %T", rt)
	}
	tr = tr.Clone()
	tr.TLSClientConfig = cfg
	return tr, nil
}

// Reasons of a CertificateError.
const (
	// CertUnknownAuthority: the control plane's certificate is not signed
	// by a trusted CA.
	CertUnknownAuthority = "unknown_authority"
	// CertNameMismatch: the certificate is for other names than the
	// endpoint's host.
	CertNameMismatch = "name_mismatch"
	// CertExpired: the certificate has expired (or is not valid yet).
	CertExpired = "expired"
	// CertInvalid: the certificate is unusable for another reason.
	CertInvalid = "invalid"
	// CertClientRequired: the control plane requires a client certificate
	// and none was sent.
	CertClientRequired = "client_certificate_required"
	// CertClientRejected: the control plane refused the client certificate.
	CertClientRejected = "client_certificate_rejected"
	// CertNotTLS: an https:// endpoint answered plain HTTP.
	CertNotTLS = "not_tls"
)

// CertificateError is a TLS failure no retry can cure; it is never
// retried. Reason says which, Detail is one sentence for people.
type CertificateError struct {
	Reason string
	Host   string
	Detail string
	Err    error
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("TLS with %s failed: %s (%v)", e.Host, e.Detail, e.Err)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// certificateError classifies a transport error; nil when it is not about
// TLS certificates. withClientCert says whether a client certificate was
// configured.
func certificateError(err error, host string, withClientCert bool) *CertificateError {
	var (
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		recordHdr   tls.RecordHeaderError
		opErr       *net.OpError
	)
	ce := &CertificateError{Host: host, Err: err}
	switch {
	case errors.As(err, &unknownAuth):
		ce.Reason = CertUnknownAuthority
		ce.Detail = "the control plane's certificate is signed by an authority this client does not trust"
		if c := unknownAuth.Cert; c != nil {
			ce.Detail += fmt.Sprintf(" (certificate for %q issued by %q)", c.Subject.CommonName, c.Issuer.CommonName)
		}
	case errors.As(err, &hostname):
		ce.Reason = CertNameMismatch
		ce.Detail = fmt.Sprintf("the control plane's certificate is not valid for the name %q", hostname.Host)
		if c := hostname.Certificate; c != nil {
			names := append(append([]string{}, c.DNSNames...), ipStrings(c.IPAddresses)...)
			if len(names) > 0 {
				ce.Detail += fmt.Sprintf("; it is valid for %s", strings.Join(names, ", "))
			}
		}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		ce.Reason = CertExpired
		ce.Detail = "the control plane's certificate has expired or is not valid yet"
		if c := invalid.Cert; c != nil {
			ce.Detail += fmt.Sprintf(" (valid from %s to %s; now is %s)", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
		}
	case errors.As(err, &invalid):
		ce.Reason = CertInvalid
		ce.Detail = "the control plane's certificate cannot be used: " + invalid.Error()
	case errors.As(err, &recordHdr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		ce.Reason = CertNotTLS
		ce.Detail = "the endpoint is https:// but the control plane does not answer TLS (it may serve plain HTTP)"
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// The server's TLS alert; crypto/tls has no exported type for it.
		switch msg := opErr.Err.Error(); {
		case strings.Contains(msg, "certificate required") && withClientCert:
			// A client only sends a certificate issued by one of the CAs
			// the server asks for, so a configured one of another CA is
			// "none".
			ce.Reason = CertClientRejected
			ce.Detail = "the control plane requires a client certificate issued by a CA it trusts, and the configured one is not (so none was sent)"
		case strings.Contains(msg, "certificate required"):
			ce.Reason = CertClientRequired
			ce.Detail = "the control plane requires a client certificate (mutual TLS) and none was sent"
		case strings.Contains(msg, "certificate"), strings.Contains(msg, "unknown certificate authority"):
			ce.Reason = CertClientRejected
			ce.Detail = "the control plane refused the client certificate (" + msg + ")"
		default:
			return nil
		}
	default:
		return nil
	}
	return ce
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
