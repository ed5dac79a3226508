package server

import (
	"context"
	"maps"
	"slices"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Secrets are sealed with the keyring, bound to their resource and name, and
// never leave the control plane through the API.

// sealSecrets encrypts values, keeping the stored ciphertext and version of
// values that did not change.
func (s *Server) sealSecrets(resourceID string, values map[string]string, current []store.Secret) ([]store.Secret, error) {
	byName := map[string]store.Secret{}
	for _, c := range current {
		byName[c.Name] = c
	}
	now := s.now()
	out := make([]store.Secret, 0, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		fp := s.keyring.Fingerprint(values[name])
		if prev, ok := byName[name]; ok && prev.Fingerprint == fp {
			out = append(out, prev)
			continue
		}
		nonce, ct, err := s.keyring.Seal(values[name], resourceID+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Secret{
			ResourceID:  resourceID,
			Name:        name,
			Nonce:       nonce,
			Ciphertext:  ct,
			Version:     byName[name].Version + 1,
			Fingerprint: fp,
			UpdatedAt:   now,
		})
	}
	return out, nil
}

func sameSecrets(a, b []store.Secret) bool {
	if len(a) != len(b) {
		return false
	}
	fa := map[string]string{}
	for _, s := range a {
		fa[s.Name] = s.Fingerprint
	}
	for _, s := range b {
		if fp, ok := fa[s.Name]; !ok || fp != s.Fingerprint {
			return false
		}
	}
	return true
}

// SecretValue decrypts one stored secret of a resource. The API never
// returns secret values; this exists for the gateway injection path and for
// tests proving that write-only values reached the control plane.
func (s *Server) SecretValue(ctx context.Context, resourceID, name string) (string, error) {
	secrets, err := s.store.ListSecrets(ctx, resourceID)
	if err != nil {
		return "", err
	}
	for _, sec := range secrets {
		if sec.Name == name {
			return s.keyring.Open(sec.Nonce, sec.Ciphertext, resourceID+"/"+name)
		}
	}
	return "", store.ErrNotFound
}

// secretInfos returns a resource's secrets for its view (name, version,
// fingerprint; the ciphertext only when read outside a list page). On a
// list page the first call reads the whole page's in one query.
func (s *Server) secretInfos(ctx context.Context, tx store.Tx, id string) ([]store.Secret, error) {
	if pg := pageOf(ctx); pg != nil && pg.in[id] {
		byID, err := pg.secrets.get(func() (map[string][]store.Secret, error) { return s.store.SecretInfos(ctx, pg.ids) })
		return byID[id], err
	}
	return tx.ListSecrets(ctx, id)
}
