package server

import (
	"net/http"
	"slices"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// whoami describes the calling key. Any valid key may call it: it is how a
// client checks its endpoint and key before doing anything else.
func (s *Server) whoami(w http.ResponseWriter, _ *http.Request, p *principal) error {
	k := p.key
	scopes := slices.Clone(k.Scopes)
	if scopes == nil {
		scopes = []string{}
	}
	slices.Sort(scopes)
	writeJSON(w, http.StatusOK, api.WhoAmI{
		KeyID:            k.ID,
		Name:             k.Name,
		Prefix:           k.Prefix,
		Scopes:           scopes,
		EnvironmentID:    k.EnvironmentID,
		ExpiresAt:        k.ExpiresAt,
		RevokeGraceUntil: k.RevokeGraceUntil,
	})
	return nil
}

// allowedMethods lists the methods the mux routes for r's path, for the
// Allow header of a 405; none means the path does not exist.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}
