package provider

import (
	"crypto/tls"
	"fmt"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

// Environment variables of the TLS settings (a Terraform Cloud workspace
// has no files of its own: the _PEM variables carry the text).
const (
	EnvCACertPEM          = "OPENCLAW_CA_CERT_PEM"
	EnvCACertFile         = "OPENCLAW_CA_CERT_FILE"
	EnvClientCertPEM      = "OPENCLAW_CLIENT_CERT_PEM"
	EnvClientKeyPEM       = "OPENCLAW_CLIENT_KEY_PEM"
	EnvClientCertFile     = "OPENCLAW_CLIENT_CERT_FILE"
	EnvClientKeyFile      = "OPENCLAW_CLIENT_KEY_FILE"
	EnvInsecureSkipVerify = "OPENCLAW_INSECURE_SKIP_VERIFY"
)

// tlsModel is the TLS part of the provider configuration.
type tlsModel struct {
	CACertPEM          types.String `tfsdk:"ca_cert_pem"`
	CACertFile         types.String `tfsdk:"ca_cert_file"`
	ClientCertPEM      types.String `tfsdk:"client_cert_pem"`
	ClientKeyPEM       types.String `tfsdk:"client_key_pem"`
	ClientCertFile     types.String `tfsdk:"client_cert_file"`
	ClientKeyFile      types.String `tfsdk:"client_key_file"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

// pemOrFile is one PEM setting offered as text or as a file, each with its
// environment variable.
type pemOrFile struct {
	what              string // "CA certificate"
	pemAttr, fileAttr string
	pemEnv, fileEnv   string
}

var (
	caSetting         = pemOrFile{"CA certificate", "ca_cert_pem", "ca_cert_file", EnvCACertPEM, EnvCACertFile}
	clientCertSetting = pemOrFile{"client certificate", "client_cert_pem", "client_cert_file", EnvClientCertPEM, EnvClientCertFile}
	clientKeySetting  = pemOrFile{"client private key", "client_key_pem", "client_key_file", EnvClientKeyPEM, EnvClientKeyFile}
)

func tlsAttributes() map[string]schema.Attribute {
	conflicts := func(other string) validator.String {
		return stringvalidator.ConflictsWith(path.MatchRoot(other))
	}
	return map[string]schema.Attribute{
		"ca_cert_pem": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "PEM-encoded CA certificate(s) that sign the control plane's certificate, trusted in addition to the system's roots: for a control plane with a private CA. Falls back to `" + EnvCACertPEM + "`. Conflicts with `ca_cert_file`.",
			Validators:          []validator.String{validators.CertificatePEM(), conflicts("ca_cert_file")},
		},
		"ca_cert_file": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Path of a PEM file with the CA certificate(s), as `ca_cert_pem`. Falls back to `" + EnvCACertFile + "`.",
			Validators:          []validator.String{conflicts("ca_cert_pem")},
		},
		"client_cert_pem": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "PEM-encoded client certificate for a control plane that requires mutual TLS (`--tls-client-ca`); API keys are still required. Falls back to `" + EnvClientCertPEM + "`. Needs `client_key_pem` or `client_key_file`.",
			Validators:          []validator.String{validators.CertificatePEM(), conflicts("client_cert_file")},
		},
		"client_key_pem": schema.StringAttribute{
			Optional:            true,
			Sensitive:           true,
			MarkdownDescription: "PEM-encoded private key of the client certificate. Falls back to `" + EnvClientKeyPEM + "`.",
			Validators:          []validator.String{conflicts("client_key_file")},
		},
		"client_cert_file": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Path of the client certificate's PEM file, as `client_cert_pem`. Falls back to `" + EnvClientCertFile + "`.",
		},
		"client_key_file": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Path of the client private key's PEM file, as `client_key_pem`. Falls back to `" + EnvClientKeyFile + "`.",
		},
		"insecure_skip_verify": schema.BoolAttribute{
			Optional:            true,
			MarkdownDescription: "Accept any certificate from the control plane, unverified. **For test rigs only**: anyone on the network path can then read the API key. The provider warns whenever it is set. Use `ca_cert_pem` for a private CA instead. Falls back to `" + EnvInsecureSkipVerify + "` (`true`/`false`).",
		},
	}
}

// resolved is a setting's PEM text and where it came from.
type resolved struct {
	data []byte
	attr string // the attribute to fix
	from string // "the provider's ca_cert_file (/etc/ca.pem)"
}

// resolve returns the PEM text of a setting from, in order, its PEM
// attribute, its file attribute, the PEM variable or the file variable.
func (s pemOrFile) resolve(pemVal, fileVal types.String, diags *diag.Diagnostics) resolved {
	if v := pemVal.ValueString(); v != "" {
		return resolved{[]byte(v), s.pemAttr, "the provider's " + s.pemAttr}
	}
	file, from := fileVal.ValueString(), "the provider's "+s.fileAttr
	if file == "" {
		if v := os.Getenv(s.pemEnv); v != "" {
			return resolved{[]byte(v), s.pemAttr, "the " + s.pemEnv + " environment variable"}
		}
		file, from = os.Getenv(s.fileEnv), "the "+s.fileEnv+" environment variable"
	}
	if file == "" {
		return resolved{attr: s.pemAttr}
	}
	from = fmt.Sprintf("%s (%s)", from, file)
	b, err := os.ReadFile(file)
	if err != nil {
		diags.AddAttributeError(path.Root(s.fileAttr), "Cannot read the "+s.what,
			fmt.Sprintf("Could not read %s: %v. Point it at a readable PEM file, or give the text in %s (%s).", from, err, s.pemAttr, s.pemEnv))
	}
	return resolved{b, s.fileAttr, from}
}

// tlsSettings resolves the TLS configuration; warnings and errors go to
// diags with the attribute to fix.
func tlsSettings(m tlsModel, diags *diag.Diagnostics) client.TLSConfig {
	for attr, v := range map[string]interface{ IsUnknown() bool }{
		"ca_cert_pem": m.CACertPEM, "ca_cert_file": m.CACertFile, "client_cert_pem": m.ClientCertPEM, "client_key_pem": m.ClientKeyPEM,
		"client_cert_file": m.ClientCertFile, "client_key_file": m.ClientKeyFile, "insecure_skip_verify": m.InsecureSkipVerify,
	} {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root(attr), "Unknown provider configuration",
				fmt.Sprintf("The provider's %s depends on a value known only after apply. Set it from a value known at plan time or from its environment variable.", attr))
		}
	}
	if diags.HasError() {
		return client.TLSConfig{}
	}
	ca := caSetting.resolve(m.CACertPEM, m.CACertFile, diags)
	cert := clientCertSetting.resolve(m.ClientCertPEM, m.ClientCertFile, diags)
	key := clientKeySetting.resolve(m.ClientKeyPEM, m.ClientKeyFile, diags)
	tc := client.TLSConfig{CACertPEM: ca.data, ClientCertPEM: cert.data, ClientKeyPEM: key.data}
	// The same rule the plan-time validator applies, for what came from
	// files and environment variables.
	if len(ca.data) > 0 {
		if _, err := api.ParseCertificatesPEM(ca.data); err != nil {
			diags.AddAttributeError(path.Root(ca.attr), "Invalid CA certificate", fmt.Sprintf("The CA certificate from %s: %v.", ca.from, err))
		}
	}
	if len(cert.data) > 0 && len(key.data) > 0 {
		if _, err := tls.X509KeyPair(cert.data, key.data); err != nil {
			diags.AddAttributeError(path.Root(cert.attr), "Invalid client certificate",
				fmt.Sprintf("The client certificate from %s and the key from %s do not make a pair: %v.", cert.from, key.from, err))
		}
	}
	if !m.InsecureSkipVerify.IsNull() {
		tc.InsecureSkipVerify = m.InsecureSkipVerify.ValueBool()
	} else if raw := os.Getenv(EnvInsecureSkipVerify); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			diags.AddError("Invalid "+EnvInsecureSkipVerify, fmt.Sprintf("%s must be true or false, got %q.", EnvInsecureSkipVerify, raw))
		}
		tc.InsecureSkipVerify = b
	}
	if tc.InsecureSkipVerify {
		diags.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS certificate verification is off",
			"insecure_skip_verify (or "+EnvInsecureSkipVerify+") makes the provider accept any certificate from the control plane, so anyone on the network path can read the API key and change what Terraform sees. Use it on test rigs only; for a private CA set ca_cert_pem or ca_cert_file instead.")
	}
	if (len(tc.ClientCertPEM) > 0) != (len(tc.ClientKeyPEM) > 0) {
		missing := "client_key_pem or client_key_file (" + EnvClientKeyPEM + ", " + EnvClientKeyFile + ")"
		attr := "client_key_pem"
		if len(tc.ClientCertPEM) == 0 {
			missing, attr = "client_cert_pem or client_cert_file ("+EnvClientCertPEM+", "+EnvClientCertFile+")", "client_cert_pem"
		}
		diags.AddAttributeError(path.Root(attr), "Incomplete client certificate",
			"Mutual TLS needs both the client certificate and its private key; set "+missing+" as well.")
	}
	return tc
}
