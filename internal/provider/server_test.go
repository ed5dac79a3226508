package provider

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type payloadKey struct{}

// payload stands for what an RPC's context carries (loggers, gRPC stream).
type payload struct{ _ [4096]byte }

// watchedContext is an RPC's context holding a payload, and a weak pointer
// that tells whether anything still holds the payload.
func watchedContext() (context.Context, context.CancelFunc, weak.Pointer[payload]) {
	p := &payload{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, p))
	return ctx, cancel, weak.Make(p)
}

// keptAfterRPC reports whether anything still holds the context of a
// finished ValidateResourceConfig RPC, by watching a value stored in it.
func keptAfterRPC(t *testing.T, server tfprotov6.ProviderServer) bool {
	t.Helper()
	ctx, cancel, watch := watchedContext()
	if _, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "openclaw_environment"}); err != nil {
		t.Fatal(err)
	}
	cancel() // gRPC cancels an RPC's context when the RPC ends
	runtime.GC()
	runtime.GC()
	kept := watch.Value() != nil
	runtime.KeepAlive(server) // the server is what would keep it
	return kept
}

func TestServerReleasesRPCContexts(t *testing.T) {
	// The framework alone keeps every RPC's context until StopProvider; if
	// this starts failing, the framework stopped doing so and the wrapper
	// can go.
	if !keptAfterRPC(t, providerserver.NewProtocol6(New("test")())()) {
		t.Error("the framework's server no longer keeps finished RPC contexts: releasingServer is not needed any more")
	}
	if keptAfterRPC(t, NewServer("test")()) {
		t.Error("a finished RPC's context is still reachable through the provider's server")
	}
}

// tf6server looks for these (deprecated) interfaces to serve their RPCs.
//
//nolint:staticcheck // see above
func TestServerKeepsOptionalServers(t *testing.T) {
	s := NewServer("test")()
	if _, ok := s.(tfprotov6.ProviderServerWithListResource); !ok {
		t.Error("list resource RPCs hidden by the wrapper")
	}
	if _, ok := s.(tfprotov6.ProviderServerWithActions); !ok {
		t.Error("action RPCs hidden by the wrapper")
	}
	if _, ok := s.(tfprotov6.ProviderServerWithStateStores); !ok {
		t.Error("state store RPCs hidden by the wrapper")
	}
}

func TestReleasableForwardsUntilReleased(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), payloadKey{}, "v"), deadline)
	defer cancel()
	c := newReleasable(parent)
	if c.Value(payloadKey{}) != "v" {
		t.Error("value not forwarded")
	}
	if d, ok := c.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("deadline = %v, %v; want %v", d, ok, deadline)
	}
	if c.Done() != parent.Done() || c.Err() != nil {
		t.Error("Done or Err not the parent's")
	}

	c.release()
	if c.Value(payloadKey{}) != nil {
		t.Error("value still reachable after release")
	}
	if _, ok := c.Deadline(); ok {
		t.Error("deadline still reported after release")
	}
	if c.Err() != nil {
		t.Errorf("Err = %v before the parent is canceled", c.Err())
	}
	cancel()
	<-c.Done()
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err = %v after the parent was canceled", c.Err())
	}
	// A context derived from a released one is still canceled with it.
	child, stop := context.WithCancel(newReleasable(parent))
	defer stop()
	<-child.Done()
}
