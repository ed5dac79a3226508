package environment_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// When a proxy answers every attempt of a create with 503, the error says
// which request got what and how often, and that the environment may exist
// and how to adopt it; before, it was the bare body text.
func TestAccEnvironment_createFailingBehindAProxy(t *testing.T) {
	cp := acctest.Start(t)
	target, err := url.Parse(cp.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/environments" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("proxy injected 503"))
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	name := acctest.Name("proxied")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("provider \"openclaw\" {\n  endpoint = %q\n  api_key = %q\n  max_retries = 1\n}\n", proxy.URL, cp.APIKey) + envConfig(name, ""),
			ExpectError: acctest.ExpectError(`Could not create environment "` + name + `".*POST /v1/environments answered 503 Service Unavailable after 2 attempts, and not with a control plane problem document.*proxy injected 503.*may exist now.*terraform import <address of this resource> ` + name),
		}},
	})
}
