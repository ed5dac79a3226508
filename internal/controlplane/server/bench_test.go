package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
)

// benchPlane is a control plane on SQLite with no simulator delay and no
// rate limit, reached through the real client.
func benchPlane(b *testing.B) *client.Client {
	b.Helper()
	key, _ := keys.Generate()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := controlplane.Open(ctx, controlplane.Options{DataDir: b.TempDir(), BootstrapKey: key, PollInterval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(app.Server.Handler())
	app.Server.Start(ctx)
	b.Cleanup(func() { srv.Close(); cancel(); app.Close() })
	c, err := client.New(client.Config{Endpoint: srv.URL, APIKey: key})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func seed(b *testing.B, c *client.Client, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range n {
		op, err := c.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: fmt.Sprintf("bench-%d", i), Region: "us-east", Labels: map[string]string{"tier": "bench"}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = op.TargetID
	}
	return ids
}

// BenchmarkCreateEnvironment: one accepted create (validation, transaction
// with resource, secrets, operation and idempotency record).
func BenchmarkCreateEnvironment(b *testing.B) {
	c := benchPlane(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: fmt.Sprintf("c-%d", i), Region: "us-east"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkGetEnvironment: the read a Terraform refresh makes per resource.
func BenchmarkGetEnvironment(b *testing.B) {
	c := benchPlane(b)
	ids := seed(b, c, 100)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.GetEnvironment(context.Background(), ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListEnvironments500: every page of 500 environments with a label
// filter, as the openclaw_environments data source reads them.
func BenchmarkListEnvironments500(b *testing.B) {
	c := benchPlane(b)
	seed(b, c, 500)
	b.ReportAllocs()
	for b.Loop() {
		envs, err := c.ListEnvironments(context.Background(), client.ListEnvironmentsOptions{Labels: map[string]string{"tier": "bench"}})
		if err != nil || len(envs) != 500 {
			b.Fatalf("%d environments, %v", len(envs), err)
		}
	}
}
