package provider_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
	"github.com/openclaw/terraform-provider-openclaw/internal/testpki"
)

// tlsRig is an in-process control plane serving HTTPS with a CA made for
// the test, its files in a directory the test can rotate them in.
type tlsRig struct {
	cp                *acctest.ControlPlane
	ca                *testpki.CA
	dir               string
	certFile, keyFile string
	caFile            string
}

func startTLS(t *testing.T, clientCA *testpki.CA) *tlsRig {
	t.Helper()
	if acctest.External() {
		t.Skip("serves its own TLS control plane (unset OPENCLAW_ENDPOINT)")
	}
	r := &tlsRig{ca: testpki.NewCA(t, "openclaw-acctest-ca"), dir: t.TempDir()}
	r.certFile, r.keyFile = r.ca.Server(t, testpki.CertOptions{}).Write(t, r.dir, "server")
	r.caFile = filepath.Join(r.dir, "ca.pem")
	testpki.WriteFile(t, r.caFile, r.ca.CertPEM)
	o := &acctest.TLS{CertFile: r.certFile, KeyFile: r.keyFile, Admin: client.TLSConfig{CACertPEM: r.ca.CertPEM}}
	if clientCA != nil {
		o.ClientCAFile = filepath.Join(r.dir, "clients.pem")
		testpki.WriteFile(t, o.ClientCAFile, clientCA.CertPEM)
		admin := clientCA.Client(t, "acctest-admin")
		o.Admin.ClientCertPEM, o.Admin.ClientKeyPEM = admin.CertPEM, admin.KeyPEM
	}
	r.cp = acctest.Start(t, acctest.Options{TLS: o})
	return r
}

// config is a provider block for the rig with extra settings, and a data
// source that needs a round trip.
func (r *tlsRig) config(extra string) string {
	return fmt.Sprintf(`
provider "openclaw" {
  endpoint = %q
  api_key  = %q
%s
}
data "openclaw_regions" "all" {}
output "first" { value = data.openclaw_regions.all.ids[0] }
`, r.cp.Endpoint, r.cp.APIKey, extra)
}

// rotate replaces the served certificate on disk, as a renewal does.
func (r *tlsRig) rotate(t *testing.T, p testpki.Pair) func() {
	return func() {
		testpki.WriteFile(t, r.certFile, p.CertPEM)
		testpki.WriteFile(t, r.keyFile, p.KeyPEM)
	}
}

// A control plane with a private CA: refused with the setting to fix it,
// then trusted through ca_cert_pem and through ca_cert_file; input that is
// not a certificate is refused at plan time on its attribute.
func TestAccProviderTLS_privateCA(t *testing.T) {
	r := startTLS(t, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      r.config(""),
				ExpectError: acctest.ExpectError(`TLS connection to the control plane refused.*signed by an authority this client does not trust \(certificate for "server" issued by "openclaw-acctest-ca"\).*ca_cert_pem.*OPENCLAW_CA_CERT_FILE`),
			},
			{
				Config: r.config(fmt.Sprintf("  ca_cert_pem = file(%q)", r.caFile)),
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
			{
				Config: r.config(fmt.Sprintf("  ca_cert_file = %q", r.caFile)),
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
			{
				Config:      r.config(fmt.Sprintf("  ca_cert_pem = file(%q)", r.keyFile)),
				ExpectError: acctest.ExpectError(`Invalid ca_cert_pem.*PEM block 1 is a "PRIVATE KEY", not a CERTIFICATE`),
			},
			{
				Config:      r.config(fmt.Sprintf("  ca_cert_pem = file(%q)\n  ca_cert_file = %q", r.caFile, r.caFile)),
				ExpectError: acctest.ExpectError(`Invalid Attribute Combination`),
			},
			{
				// Test rigs only, with a warning; the error-free apply is
				// what is checked here.
				Config: r.config("  insecure_skip_verify = true"),
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
		},
	})
}

// A Terraform Cloud workspace sets environment variables only. Not
// parallel: it sets them.
func TestAccProviderTLS_caFromEnvironment(t *testing.T) {
	r := startTLS(t, nil)
	t.Setenv("OPENCLAW_ENDPOINT", r.cp.Endpoint)
	t.Setenv("OPENCLAW_API_KEY", r.cp.APIKey)
	const empty = `
provider "openclaw" {}
data "openclaw_regions" "all" {}
output "first" { value = data.openclaw_regions.all.ids[0] }
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { t.Setenv("OPENCLAW_CA_CERT_FILE", filepath.Join(r.dir, "missing.pem")) },
				Config:      empty,
				ExpectError: acctest.ExpectError(`Cannot read the CA certificate.*OPENCLAW_CA_CERT_FILE environment variable`),
			},
			{
				PreConfig: func() { t.Setenv("OPENCLAW_CA_CERT_FILE", r.caFile) },
				Config:    empty,
				Check:     resource.TestCheckOutput("first", "us-east"),
			},
			{
				PreConfig: func() {
					t.Setenv("OPENCLAW_CA_CERT_FILE", "")
					t.Setenv("OPENCLAW_CA_CERT_PEM", string(r.ca.CertPEM))
				},
				Config: empty,
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
		},
	})
}

// Mutual TLS: refused without the client pair (with the settings to set),
// accepted with it, and the API key is still checked behind it.
func TestAccProviderTLS_mutual(t *testing.T) {
	clients := testpki.NewCA(t, "openclaw-clients")
	r := startTLS(t, clients)
	pair := clients.Client(t, "terraform")
	stranger := testpki.NewCA(t, "stranger").Client(t, "intruder")
	certFile, keyFile := pair.Write(t, r.dir, "terraform")
	strangerCert, strangerKey := stranger.Write(t, r.dir, "stranger")
	trust := fmt.Sprintf("  ca_cert_file = %q\n", r.caFile)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      r.config(trust),
				ExpectError: acctest.ExpectError(`requires a client certificate \(mutual TLS\) and none was sent.*client_cert_pem.*client_key_pem`),
			},
			{
				Config:      r.config(trust + fmt.Sprintf("  client_cert_file = %q\n  client_key_file = %q", strangerCert, strangerKey)),
				ExpectError: acctest.ExpectError(`issued by a CA it trusts, and the configured one is not`),
			},
			{
				Config:      r.config(trust + fmt.Sprintf("  client_cert_file = %q", certFile)),
				ExpectError: acctest.ExpectError(`Incomplete client certificate.*client_key_pem or client_key_file`),
			},
			{
				// In front of the API key, never instead of it.
				Config: fmt.Sprintf(`
provider "openclaw" {
  endpoint         = %q
  api_key          = "ocp_not_a_real_key_000000000000"
  ca_cert_file     = %q
  client_cert_file = %q
  client_key_file  = %q
}
data "openclaw_regions" "all" {}
`, r.cp.Endpoint, r.caFile, certFile, keyFile),
				ExpectError: acctest.ExpectError(`The control plane refused the provider's API key`),
			},
			{
				Config: r.config(trust + fmt.Sprintf("  client_cert_pem = file(%q)\n  client_key_pem = file(%q)", certFile, keyFile)),
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
			{
				Config: r.config(trust + fmt.Sprintf("  client_cert_file = %q\n  client_key_file = %q", certFile, keyFile)),
				Check:  resource.TestCheckOutput("first", "us-east"),
			},
		},
	})
}

// A running control plane serves renewed certificate files from the next
// handshake on, and each bad certificate is explained: another CA, an
// expired certificate, a certificate for another name.
func TestAccProviderTLS_rotationAndCertificateErrors(t *testing.T) {
	r := startTLS(t, nil)
	next := testpki.NewCA(t, "next-ca")
	nextFile := filepath.Join(r.dir, "next-ca.pem")
	testpki.WriteFile(t, nextFile, next.CertPEM)
	trustFirst := fmt.Sprintf("  ca_cert_file = %q", r.caFile)
	trustNext := fmt.Sprintf("  ca_cert_file = %q", nextFile)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: r.config(trustFirst), Check: resource.TestCheckOutput("first", "us-east")},
			{
				PreConfig:   r.rotate(t, r.ca.Server(t, testpki.CertOptions{NotAfter: time.Now().Add(-time.Minute)})),
				Config:      r.config(trustFirst),
				ExpectError: acctest.ExpectError(`certificate has expired or is not valid yet.*Renew the control plane's certificate`),
			},
			{
				PreConfig:   r.rotate(t, r.ca.Server(t, testpki.CertOptions{DNSNames: []string{"controlplane.example.com"}})),
				Config:      r.config(trustFirst),
				ExpectError: acctest.ExpectError(`not valid for the name "127.0.0.1"; it is valid for controlplane.example.com.*Set the provider's endpoint`),
			},
			{
				PreConfig:   r.rotate(t, next.Server(t, testpki.CertOptions{})),
				Config:      r.config(trustFirst),
				ExpectError: acctest.ExpectError(`issued by "next-ca"`),
			},
			{Config: r.config(trustNext), Check: resource.TestCheckOutput("first", "us-east")},
		},
	})
}
