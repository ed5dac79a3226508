package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func nullTLS() tlsModel {
	return tlsModel{
		CACertPEM: types.StringNull(), CACertFile: types.StringNull(), ClientCertPEM: types.StringNull(), ClientKeyPEM: types.StringNull(),
		ClientCertFile: types.StringNull(), ClientKeyFile: types.StringNull(), InsecureSkipVerify: types.BoolNull(),
	}
}

// Settings from environment variables are checked by the plan-time rules,
// with the variable named; insecure_skip_verify always warns.
func TestTLSSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		model   func(m *tlsModel)
		summary string
		detail  string
		at      path.Path
		warning bool
	}{
		{name: "insecure from the attribute", model: func(m *tlsModel) { m.InsecureSkipVerify = types.BoolValue(true) },
			summary: "TLS certificate verification is off", detail: "test rigs only", at: path.Root("insecure_skip_verify"), warning: true},
		{name: "insecure from the variable", env: map[string]string{EnvInsecureSkipVerify: "true"},
			summary: "TLS certificate verification is off", at: path.Root("insecure_skip_verify"), warning: true},
		{name: "insecure variable not a bool", env: map[string]string{EnvInsecureSkipVerify: "yes please"},
			summary: "Invalid OPENCLAW_INSECURE_SKIP_VERIFY", detail: `got "yes please"`},
		{name: "CA variable not PEM", env: map[string]string{EnvCACertPEM: "hello"},
			summary: "Invalid CA certificate", detail: "the OPENCLAW_CA_CERT_PEM environment variable: no PEM certificate found", at: path.Root("ca_cert_pem")},
		{name: "client key without certificate", env: map[string]string{EnvClientKeyPEM: "x"},
			summary: "Incomplete client certificate", detail: "client_cert_pem or client_cert_file", at: path.Root("client_cert_pem")},
		{name: "client pair that does not match", env: map[string]string{EnvClientCertPEM: "a", EnvClientKeyPEM: "b"},
			summary: "Invalid client certificate", detail: "OPENCLAW_CLIENT_CERT_PEM environment variable and the key from the OPENCLAW_CLIENT_KEY_PEM", at: path.Root("client_cert_pem")},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range []string{EnvCACertPEM, EnvCACertFile, EnvClientCertPEM, EnvClientKeyPEM, EnvClientCertFile, EnvClientKeyFile, EnvInsecureSkipVerify} {
				t.Setenv(v, c.env[v])
			}
			m := nullTLS()
			if c.model != nil {
				c.model(&m)
			}
			var diags diag.Diagnostics
			tlsSettings(m, &diags)
			if len(diags) != 1 {
				t.Fatalf("diagnostics %v, want one", diags)
			}
			d := diags[0]
			if d.Summary() != c.summary || !strings.Contains(d.Detail(), c.detail) || (d.Severity() == diag.SeverityWarning) != c.warning {
				t.Errorf("got %s %q: %s", d.Severity(), d.Summary(), d.Detail())
			}
			if wp, ok := d.(diag.DiagnosticWithPath); c.at.String() != "" && (!ok || !wp.Path().Equal(c.at)) {
				t.Errorf("diagnostic not on %s: %#v", c.at, d)
			}
		})
	}
}
