package environment

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

// A region check that cannot reach the control plane warns on region;
// before, it gave up with a line in the debug log only.
func TestCheckRegionWarnsWhenItCannotRun(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	_ = l.Close()
	c, err := client.New(client.Config{Endpoint: endpoint, APIKey: "ocp_x", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := NewResource().(*Resource)
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: &shared.ProviderData{Client: c, Caches: shared.NewCaches(c), CredentialsUnchecked: true}}, &resource.ConfigureResponse{})
	resp := &resource.ModifyPlanResponse{}
	r.checkRegion(context.Background(), types.StringValue("mars-1"), resp)
	d := resp.Diagnostics
	if d.HasError() || d.WarningsCount() != 1 {
		t.Fatalf("diagnostics %v, want one warning", d)
	}
	w := d.Warnings()[0]
	if w.Summary() != "Could not check region at plan time" || !strings.Contains(w.Detail(), `that region "mars-1" exists`) || !strings.Contains(w.Detail(), "skip_credentials_validation is set") {
		t.Errorf("warning %q: %q", w.Summary(), w.Detail())
	}
}
