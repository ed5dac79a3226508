package shared

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

func newData(t *testing.T, url string) *ProviderData {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: url, APIKey: "ocp_test", MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &ProviderData{Client: c, Caches: NewCaches(c)}
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// One read per referenced ID, a missing one is an error on the attribute,
// an unreadable one a warning.
func TestCheckEnvironmentReference(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		switch r.URL.Path {
		case "/v1/environments/env_ok":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"env_ok","name":"ok","region":"us-east"}`))
		case "/v1/environments/env_broken":
			w.Header().Set("Content-Type", api.ProblemContentType)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type":"x","title":"Internal error","status":500,"code":"internal","detail":"boom"}`))
		default:
			w.Header().Set("Content-Type", api.ProblemContentType)
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"type":"x","title":"Not found","status":404,"code":"not_found","detail":"environment not found"}`))
		}
	}))
	defer srv.Close()
	data := newData(t, srv.URL)
	attr := path.Root("environment_id")
	ctx := context.Background()

	for range 3 {
		var d diag.Diagnostics
		CheckEnvironmentReference(ctx, data, attr, types.StringValue("env_ok"), &d)
		CheckEnvironmentReference(ctx, data, attr, types.StringValue("env_doesnotexist"), &d)
		if d.ErrorsCount() != 1 || d.WarningsCount() != 0 {
			t.Fatalf("diagnostics %v, want one error", d)
		}
		e := d.Errors()[0]
		if wp, ok := e.(diag.DiagnosticWithPath); !ok || !wp.Path().Equal(attr) {
			t.Errorf("error not on environment_id: %v", e)
		}
		if e.Summary() != "Unknown environment" || !strings.Contains(e.Detail(), `environment_id is "env_doesnotexist", but the control plane at `+srv.URL+` has no environment with that ID`) {
			t.Errorf("error %q: %q", e.Summary(), e.Detail())
		}
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads for two IDs checked three times each, want 2", n)
	}

	var d diag.Diagnostics
	CheckEnvironmentReference(ctx, data, attr, types.StringValue("env_broken"), &d)
	if d.ErrorsCount() != 0 || d.WarningsCount() != 1 || !strings.Contains(d.Warnings()[0].Detail(), "control plane checks it on apply") {
		t.Errorf("an unreadable environment: %v, want one warning", d)
	}
	d = nil
	CheckEnvironmentReference(ctx, data, attr, types.StringUnknown(), &d)
	CheckEnvironmentReference(ctx, data, attr, types.StringNull(), &d)
	if len(d) != 0 {
		t.Errorf("unknown and null IDs are not checked: %v", d)
	}
}

// With skip_credentials_validation and nothing listening, a check that
// cannot run warns, once per resource, without retrying per resource.
func TestWarnUncheckedWhenOffline(t *testing.T) {
	data := newData(t, closedURL(t))
	data.CredentialsUnchecked = true
	var d diag.Diagnostics
	for _, id := range []string{"env_a", "env_b"} {
		CheckEnvironmentReference(context.Background(), data, path.Root("environment_id"), types.StringValue(id), &d)
	}
	if d.ErrorsCount() != 0 || d.WarningsCount() != 2 {
		t.Fatalf("diagnostics %v, want two warnings", d)
	}
	w := d.Warnings()[0]
	if w.Summary() != "Could not check environment_id at plan time" || !strings.Contains(w.Detail(), "connection refused") || !strings.Contains(w.Detail(), "skip_credentials_validation is set") {
		t.Errorf("warning %q: %q", w.Summary(), w.Detail())
	}
	if _, err := data.Caches.Regions(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("regions after the control plane was found unreachable: %v", err)
	}
}

// Retries that run out on a proxy's 503 say which request got what, how
// often, and that the object may exist; a refused connection does not.
func TestCreateErrorsSayWhatHappened(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("proxy injected 503"))
	}))
	defer srv.Close()
	data := newData(t, srv.URL)
	_, err := data.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "x", Region: "us-east"})
	var d diag.Diagnostics
	AddCreateError(&d, `create environment "x"`, err, Fields{}, "Import it with terraform import.")
	if d.ErrorsCount() != 1 {
		t.Fatalf("diagnostics %v", d)
	}
	detail := d.Errors()[0].Detail()
	for _, want := range []string{"POST /v1/environments answered 503 Service Unavailable after 3 attempts", "proxy injected 503", "may exist now", "Import it with terraform import."} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q does not say %q", detail, want)
		}
	}

	closed := newData(t, closedURL(t))
	_, err = closed.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "x", Region: "us-east"})
	d = nil
	AddCreateError(&d, `create environment "x"`, err, Fields{}, "Import it.")
	if d.ErrorsCount() != 1 || strings.Contains(d.Errors()[0].Detail(), "may exist") {
		t.Errorf("a refused connection never reached the control plane: %v", d)
	}
}
