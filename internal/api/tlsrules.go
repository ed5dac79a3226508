package api

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// MinTLSVersion is the oldest TLS version either side accepts.
const MinTLSVersion = tls.VersionTLS12

// ParseCertificatesPEM reads one or more PEM "CERTIFICATE" blocks, as a CA
// bundle or a certificate chain is written. The provider checks its
// ca_cert_pem at plan time with it, the client and the control plane use it
// to build their pools: one rule, one wording.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %q, not a CERTIFICATE (is this a private key?)", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d is not a valid certificate: %w", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate found: expected text starting with -----BEGIN CERTIFICATE-----")
	}
	return certs, nil
}

// CertPoolFromPEM is ParseCertificatesPEM into a pool, added to base when
// base is not nil.
func CertPoolFromPEM(base *x509.CertPool, data []byte) (*x509.CertPool, error) {
	certs, err := ParseCertificatesPEM(data)
	if err != nil {
		return nil, err
	}
	pool := base
	if pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
