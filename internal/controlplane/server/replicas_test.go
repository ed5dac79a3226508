package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/pgtest"
)

// TestReplicasShareOnePostgres runs two control planes on one PostgreSQL
// database, as a multi-replica deployment does: a change accepted by one
// replica is run by whichever engine claims it, read back through the other,
// and a secret sealed by one is opened by the other (shared encryption key).
func TestReplicasShareOnePostgres(t *testing.T) {
	replica := replicaMaker(t, nil)
	appA, a := replica()
	appB, b := replica()
	if appA.BootstrapKey == "" || appB.BootstrapKey != "" {
		t.Fatalf("the first replica bootstraps the key, the second finds it: %q %q", appA.BootstrapKey, appB.BootstrapKey)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ids []string
	for i := range 4 {
		c := a
		if i%2 == 1 {
			c = b
		}
		op, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: uniqueName("replica"), Region: "us-east",
			Secrets: map[string]string{"OPENAI_API_KEY": "sk-replica-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, op.TargetID)
		// Wait through the other replica: the operation is in the database.
		other := b
		if c == b {
			other = a
		}
		if final, err := other.WaitForOperation(ctx, op); err != nil || final.Status != api.OperationSucceeded {
			t.Fatalf("operation %s: %+v, %v", op.ID, final, err)
		}
	}
	envs, err := b.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
	if err != nil || len(envs) != len(ids) {
		t.Fatalf("replica b lists %d environments, want %d (%v)", len(envs), len(ids), err)
	}
	for _, e := range envs {
		if e.Status != api.EnvStatusRunning {
			t.Errorf("%s is %s", e.ID, e.Status)
		}
	}
	// Both replicas allocate GPUs from one pool of capacity: 16 H200 on
	// demand in us-east. Four pools of 8 GPUs started at once through both
	// replicas: exactly two get capacity, whichever engines run them.
	var ops []*api.Operation
	for i := range 4 {
		c := a
		if i%2 == 1 {
			c = b
		}
		op, err := c.CreateGPUPool(ctx, api.GPUPoolCreate{Name: uniqueName("h200"), EnvironmentID: ids[0], ProviderID: uniqueName("h200"),
			Backend: "vllm", GPUType: "nvidia-h200-141gb", GPUsPerNode: 8, NodeCount: ptr[int64](1)})
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	succeeded := 0
	for _, op := range ops {
		final, err := a.WaitForOperation(ctx, op)
		switch {
		case err == nil:
			succeeded++
		case errors.Is(err, client.ErrNoCapacity):
		default:
			t.Fatalf("pool operation %s: %+v, %v", op.ID, final, err)
		}
	}
	if succeeded != 2 {
		t.Fatalf("%d of 4 pools of 8 H200 got capacity from 16 GPUs, want exactly 2", succeeded)
	}

	for _, app := range []*controlplane.App{appA, appB} {
		got, err := app.Server.SecretValue(ctx, ids[0], "OPENAI_API_KEY")
		if err != nil || got != "sk-replica-secret" {
			t.Fatalf("secret through a replica: %q, %v", got, err)
		}
	}
}

// replicaMaker returns a function starting control plane replicas on one
// fresh PostgreSQL database with one encryption key and admin key; adjust
// tunes each replica's options.
func replicaMaker(t *testing.T, adjust func(*controlplane.Options)) func() (*controlplane.App, *client.Client) {
	dsn := pgtest.FreshDatabase(t)
	key, _ := keys.Generate()
	encKey := make([]byte, 32)
	if _, err := rand.Read(encKey); err != nil {
		t.Fatal(err)
	}
	return func() (*controlplane.App, *client.Client) {
		ctx, cancel := context.WithCancel(context.Background())
		o := controlplane.Options{
			DataDir:       t.TempDir(),
			Database:      dsn,
			EncryptionKey: base64.StdEncoding.EncodeToString(encKey),
			BootstrapKey:  key,
			SimDelay:      20 * time.Millisecond,
			PollInterval:  50 * time.Millisecond,
		}
		if adjust != nil {
			adjust(&o)
		}
		app, err := controlplane.Open(ctx, o)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		srv := httptest.NewServer(app.Server.Handler())
		app.Server.Start(ctx)
		t.Cleanup(func() { srv.Close(); cancel(); app.Close() })
		c, err := client.New(client.Config{Endpoint: srv.URL, APIKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return app, c
	}
}
