package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// ETags are the spec generation: they move when what the user asked for
// changes, never when only the observed status does.
func etagOf(res *store.Resource) string { return strconv.FormatInt(res.Generation, 10) }

// checkIfMatch enforces an optional If-Match against the spec generation.
func checkIfMatch(r *http.Request, res *store.Resource) error {
	h := r.Header.Get("If-Match")
	if h == "" || h == "*" {
		return nil
	}
	current := etagOf(res)
	for _, candidate := range strings.Split(h, ",") {
		c := strings.TrimSpace(candidate)
		c = strings.TrimPrefix(c, "W/")
		if unq, err := strconv.Unquote(c); err == nil {
			c = unq
		}
		if c == current {
			return nil
		}
	}
	return errorf(http.StatusPreconditionFailed, api.CodePreconditionFailed,
		"%s %s changed since it was read (If-Match %s, current ETag %q); read it again and retry", res.Kind, res.ID, h, current)
}
