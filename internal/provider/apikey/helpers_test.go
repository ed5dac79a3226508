package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// shiftedClock is real time moved by an offset the test sets: the control
// plane keeps running (its engine needs time to pass) while keys can be
// made old or expired without sleeping.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())).UTC() }

func (c *shiftedClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// attr reads an attribute of a resource (or data source, "data.x.y") from
// the state.
func attr(s *terraform.State, addr, name string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", addr)
	}
	v, ok := rs.Primary.Attributes[name]
	if !ok {
		return "", fmt.Errorf("%s has no attribute %s in the state", addr, name)
	}
	return v, nil
}

// keyClient is a client that authenticates with secret.
func keyClient(t *testing.T, cp *acctest.ControlPlane, secret string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: cp.Endpoint, APIKey: secret, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// works reports whether secret authenticates right now.
func works(t *testing.T, cp *acctest.ControlPlane, secret string) error {
	_, err := keyClient(t, cp, secret).ListRegions(context.Background())
	return err
}

// checkKeysRevoked is a CheckDestroy: every openclaw_api_key of the final
// state is revoked (keys are never deleted: they stay readable for audit).
func checkKeysRevoked(cp *acctest.ControlPlane) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for name, rs := range s.RootModule().Resources {
			if rs.Type != "openclaw_api_key" || strings.HasPrefix(name, "data.") {
				continue
			}
			k, err := cp.Client.GetAPIKey(context.Background(), rs.Primary.ID)
			if err != nil {
				return fmt.Errorf("read %s (%s) after destroy: %w", name, rs.Primary.ID, err)
			}
			if k.RevokedAt == nil || (k.Status != api.KeyStatusRevoked && k.Status != api.KeyStatusRevoking) {
				return fmt.Errorf("%s (%s) is %s after destroy, want revoked", name, rs.Primary.ID, k.Status)
			}
		}
		return nil
	}
}

// noSecretInDataDir reads every file of the control plane's data directory
// (SQLite database, WAL, key file, simulator state) as bytes and fails when
// any holds a secret, or the random part of one, in plaintext.
func noSecretInDataDir(cp *acctest.ControlPlane, secrets ...string) error {
	var found []string
	err := filepath.WalkDir(cp.DataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(data), s) || strings.Contains(string(data), strings.TrimPrefix(s, keys.Prefix)) {
				found = append(found, fmt.Sprintf("%s holds the secret %s…", path, s[:8]))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(found) > 0 {
		return errors.New(strings.Join(found, "; "))
	}
	return nil
}

// syncBuffer is an io.Writer safe for the control plane's concurrent logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// second is the local name of a second, separately served instance of the
// provider. Aliases would not do: Terraform serves every alias of an
// in-process (reattached) provider from one server, where the last
// ConfigureProvider wins (terraform-plugin-framework#490), so a resource of
// the default configuration could run with the other key.
const second = "openclawsecond"

// factories serve the provider, its second instance and the echo provider,
// which copies its configuration (values of ephemeral resources) into the
// state of its echo resource: the only way for a test to see them.
var factories = map[string]func() (tfprotov6.ProviderServer, error){
	"openclaw": acctest.ProviderFactories["openclaw"],
	second:     provider.NewServerWithError("acctest"),
	"echo":     echoprovider.NewProviderServer(),
}

// secondProvider configures the second instance with a key's secret;
// resources and data sources select it with provider = openclawsecond.
func secondProvider(cp *acctest.ControlPlane, secretExpr string) string {
	return fmt.Sprintf(`
provider %q {
  endpoint = %q
  api_key  = %s
}
`, second, cp.Endpoint, secretExpr)
}
