package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// EnvSkipCredentialsValidation is the variable behind skip_credentials_validation.
const EnvSkipCredentialsValidation = "OPENCLAW_SKIP_CREDENTIALS_VALIDATION"

// checkedCredentials caches successful checks by endpoint and key hash:
// Terraform configures the provider several times per run (validate,
// plan, each module's provider instance), and one call is enough.
var checkedCredentials sync.Map // credentialKey → *api.WhoAmI

func credentialKey(endpoint, apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return endpoint + " " + hex.EncodeToString(sum[:])
}

// source says where a provider setting came from, for messages.
type source struct {
	attr, env string
	fromEnv   bool
}

func (s source) String() string {
	if s.fromEnv {
		return "the " + s.env + " environment variable"
	}
	return "the provider's " + s.attr + " attribute"
}

// addError puts the diagnostic on the attribute when it was configured.
func (s source) addError(diags *diag.Diagnostics, summary, detail string) {
	if s.fromEnv {
		diags.AddError(summary, detail)
		return
	}
	diags.AddAttributeError(path.Root(s.attr), summary, detail)
}

// expiryWarning is how close to its expiry a key makes configure warn.
const expiryWarning = 7 * 24 * time.Hour

const skipHint = "To plan without a reachable control plane, set skip_credentials_validation = true in the provider block (or " +
	EnvSkipCredentialsValidation + "=true); plan-time checks that need the control plane then become warnings."

// checkCredentials calls GET /v1/whoami once and turns a failure into a
// diagnostic that says whether the endpoint or the key is wrong.
func checkCredentials(ctx context.Context, c *client.Client, endpoint, apiKey string, ep, key source, now time.Time, diags *diag.Diagnostics) *api.WhoAmI {
	ck := credentialKey(c.Endpoint(), apiKey)
	if v, ok := checkedCredentials.Load(ck); ok {
		return v.(*api.WhoAmI)
	}
	who, err := c.WhoAmI(ctx)
	if err != nil {
		addCredentialError(diags, err, endpoint, ep, key)
		return nil
	}
	checkedCredentials.Store(ck, who)
	switch {
	case who.RevokeGraceUntil != nil:
		diags.AddWarning("The provider's API key is revoked",
			fmt.Sprintf("API key %s (%s) was revoked and stops working at %s, at the end of its grace period. Switch %s to its replacement before then.",
				who.Prefix, who.Name, who.RevokeGraceUntil.UTC().Format(time.RFC3339), key))
	case who.ExpiresAt != nil && who.ExpiresAt.Sub(now) < expiryWarning:
		diags.AddWarning("The provider's API key expires soon",
			fmt.Sprintf("API key %s (%s) expires at %s, in %s. Issue a new key and set it in %s before then.",
				who.Prefix, who.Name, who.ExpiresAt.UTC().Format(time.RFC3339), who.ExpiresAt.Sub(now).Round(time.Minute), key))
	}
	return who
}

func addCredentialError(diags *diag.Diagnostics, err error, endpoint string, ep, key source) {
	var apiErr *client.APIError
	switch {
	case errors.Is(err, client.ErrNotAControlPlane):
		ep.addError(diags, "The endpoint is not an OpenClaw control plane",
			fmt.Sprintf("The provider checks its endpoint and API key when it is configured. %q, from %s, answered GET /v1/whoami, but not like an OpenClaw control plane: %v.\n\nCheck the endpoint: it is the base URL of the control plane's API (scheme, host and port, without /v1). %s",
				endpoint, ep, err, skipHint))
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		key.addError(diags, "The control plane refused the provider's API key",
			fmt.Sprintf("The control plane at %q answered, so the endpoint is right, but it refused the API key from %s: %s.\n\nCheck the provider's api_key (or the OPENCLAW_API_KEY environment variable): the key may be mistyped, expired, revoked or issued by another control plane.%s",
				endpoint, key, apiErr.Problem.Detail, requestIDNote(apiErr)))
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden:
		key.addError(diags, "The provider's API key may not be used here",
			fmt.Sprintf("The control plane at %q recognised the API key from %s but refused it: %s.\n\nUse the key from an address inside its allowed_cidrs, or configure another key.%s",
				endpoint, key, apiErr.Problem.Detail, requestIDNote(apiErr)))
	case errors.As(err, &apiErr):
		ep.addError(diags, "Could not check the provider's credentials",
			fmt.Sprintf("The control plane at %q (from %s) failed the credential check: %v.\n\nIt may be starting or overloaded; try again. %s", endpoint, ep, err, skipHint))
	default:
		ep.addError(diags, "Cannot reach the OpenClaw control plane",
			fmt.Sprintf("The provider checks its endpoint and API key when it is configured, and %q, from %s, did not answer: %v.\n\nCheck the endpoint (scheme, host and port) and that the control plane is running and reachable from here. %s",
				endpoint, ep, err, skipHint))
	}
}

func requestIDNote(e *client.APIError) string {
	if e.RequestID == "" {
		return ""
	}
	return fmt.Sprintf("\n\n(control plane request ID %s)", e.RequestID)
}
