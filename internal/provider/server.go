package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// frameworkServer is everything terraform-plugin-framework's protocol 6
// server implements; the wrapper keeps it all visible to tf6server, which
// looks for the optional parts (list resources, actions, state stores).
type frameworkServer interface {
	tfprotov6.ProviderServerWithListResource //nolint:staticcheck // tf6server still asserts it
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// NewServer is the provider's protocol 6 server: the framework's, with each
// per-resource RPC's context released when the RPC returns.
//
// Why: the framework keeps the cancel function of every RPC's context until
// StopProvider (proto6server.Server.registerContext appends it to a slice
// that only StopProvider empties), and with it the whole context chain of the
// RPC: gRPC stream data and the SDK's loggers, about 17 KiB an RPC. A plan of
// 500 resources makes 2,000 such RPCs, so the heap the garbage collector
// marks grew to 35 MiB by the end of the plan, the largest part of the
// provider's memory and of its GC work. Handing the framework a context that
// drops its parent once the RPC is over leaves a few dozen bytes an RPC.
func NewServer(version string) func() tfprotov6.ProviderServer {
	framework := providerserver.NewProtocol6(New(version)())
	return func() tfprotov6.ProviderServer {
		return releasingServer{framework().(frameworkServer)}
	}
}

// NewServerWithError is NewServer in the shape terraform-plugin-testing's
// ProtoV6ProviderFactories take.
func NewServerWithError(version string) func() (tfprotov6.ProviderServer, error) {
	server := NewServer(version)
	return func() (tfprotov6.ProviderServer, error) { return server(), nil }
}

// releasingServer wraps the RPCs Terraform makes once per resource (or data
// source, function call, ephemeral resource); the others run once a run and
// pass through, as do the streaming ones, whose context outlives the call.
type releasingServer struct{ frameworkServer }

// call runs f with a context that lets go of ctx's chain when f returns.
func call[Req, Resp any](ctx context.Context, f func(context.Context, Req) (Resp, error), req Req) (Resp, error) {
	rc := newReleasable(ctx)
	defer rc.release()
	return f(rc, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, s.frameworkServer.ValidateResourceConfig, req)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, s.frameworkServer.UpgradeResourceState, req)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, s.frameworkServer.ReadResource, req)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, s.frameworkServer.PlanResourceChange, req)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, s.frameworkServer.ApplyResourceChange, req)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, s.frameworkServer.ImportResourceState, req)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, s.frameworkServer.ValidateDataResourceConfig, req)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, s.frameworkServer.ReadDataSource, req)
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return call(ctx, s.frameworkServer.CallFunction, req)
}

func (s releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(ctx, s.frameworkServer.ValidateEphemeralResourceConfig, req)
}

func (s releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(ctx, s.frameworkServer.OpenEphemeralResource, req)
}

func (s releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return call(ctx, s.frameworkServer.CloseEphemeralResource, req)
}

// releasable is a context that forwards to its parent until released, and
// from then on holds nothing but the parent's Done channel: whatever keeps
// it (or a context derived from it) no longer keeps the parent's values.
type releasable struct {
	parent atomic.Pointer[parentRef]
	done   <-chan struct{}
}

type parentRef struct{ ctx context.Context }

func newReleasable(parent context.Context) *releasable {
	c := &releasable{done: parent.Done()}
	c.parent.Store(&parentRef{parent})
	return c
}

// release drops the parent: from then on there are no values and no
// deadline, and Done and Err still follow the parent's cancellation.
func (c *releasable) release() { c.parent.Store(nil) }

func (c *releasable) Deadline() (time.Time, bool) {
	if p := c.parent.Load(); p != nil {
		return p.ctx.Deadline()
	}
	return time.Time{}, false
}

func (c *releasable) Done() <-chan struct{} { return c.done }

func (c *releasable) Err() error {
	if p := c.parent.Load(); p != nil {
		return p.ctx.Err()
	}
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *releasable) Value(key any) any {
	if p := c.parent.Load(); p != nil {
		return p.ctx.Value(key)
	}
	return nil
}
