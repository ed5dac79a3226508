package api_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
)

// Samples of the API key wire types for spec_test.go's tables.

func sampleAPIKey() api.APIKey {
	exp := t0.Add(api.DefaultKeyTTL)
	return api.APIKey{
		ID: "key_01jd5x9k2m3n4p5q6r7s8t9v0w", Name: "ci-deploy", Description: "CI pipeline", Prefix: "ocp_AbCdEfGh",
		Scopes: []string{api.ScopeEnvironmentsRead, api.ScopeAPIKeysManage}, EnvironmentID: "env_01jd5x9k2m3n4p5q6r7s8t9v0w",
		AllowedCIDRs: []string{"203.0.113.0/24", "2001:db8::/32"}, RateLimitPerMinute: 600, Labels: map[string]string{"team": "platform"},
		Ephemeral: true, Status: api.KeyStatusRevoking, ExpiresAt: &exp, CreatedAt: t0, UpdatedAt: t1,
		LastUsedAt: &t1, RevokedAt: &t1, RevokeGraceUntil: ptr(t1.Add(24 * time.Hour)),
	}
}

func sampleAPIKeyCreate() api.APIKeyCreate {
	exp := t0.Add(time.Hour)
	return api.APIKeyCreate{
		Name: "ci-deploy", Description: "CI pipeline", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: "env_1",
		ExpiresAt: &exp, TTL: "720h", AllowedCIDRs: []string{"10.0.0.0/8"}, RateLimitPerMinute: 60,
		Labels: map[string]string{"team": "platform"}, Ephemeral: true,
	}
}

func sampleAuditEvent() api.AuditEvent {
	return api.AuditEvent{
		ID: 42, Time: t1, Action: "POST /v1/api-keys", KeyID: "key_1", KeyPrefix: "ocp_AbCdEfGh", ResourceKind: "api_key",
		ResourceID: "key_2", SourceIP: "192.0.2.1", Outcome: api.AuditSuccess, StatusCode: 201, RequestID: "req_1", Detail: "ok",
	}
}

const sampleSecret = "ocp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd012345"

// TestAPIKeySchemasAreStrict: documents the contract forbids are refused.
func TestAPIKeySchemasAreStrict(t *testing.T) {
	v := apitest.Validator(t)
	mut := func(val any, fn func(m map[string]any)) any {
		b, _ := json.Marshal(val)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		return m
	}
	key, create := sampleAPIKey(), sampleAPIKeyCreate()
	cases := []struct {
		name, schema string
		doc          any
	}{
		{"key with a secret", "APIKey", mut(key, func(m map[string]any) { m["secret"] = sampleSecret })},
		{"key scope outside the set", "APIKey", mut(key, func(m map[string]any) { m["scopes"] = []string{"root"} })},
		{"key status outside enum", "APIKey", mut(key, func(m map[string]any) { m["status"] = "paused" })},
		{"key without scopes", "APIKey", mut(key, func(m map[string]any) { delete(m, "scopes") })},
		{"create without scopes", "APIKeyCreate", mut(create, func(m map[string]any) { delete(m, "scopes") })},
		{"create with empty scopes", "APIKeyCreate", mut(create, func(m map[string]any) { m["scopes"] = []string{} })},
		{"create ttl not a duration", "APIKeyCreate", mut(create, func(m map[string]any) { m["ttl"] = "30 days" })},
		{"create with prefix", "APIKeyCreate", mut(create, func(m map[string]any) { m["prefix"] = "ocp_x" })},
		{"created without secret", "APIKeyCreated", map[string]any{"key": mut(key, func(map[string]any) {})}},
		{"created secret not a key", "APIKeyCreated", map[string]any{"key": mut(key, func(map[string]any) {}), "secret": "hunter2"}},
		{"update with scopes", "APIKeyUpdate", map[string]any{"scopes": []string{"admin"}}},
		{"revoke grace in days", "APIKeyRevoke", map[string]any{"grace_period": "1d"}},
		{"audit outcome outside enum", "AuditEvent", mut(sampleAuditEvent(), func(m map[string]any) { m["outcome"] = "maybe" })},
	}
	for _, c := range cases {
		b, _ := json.Marshal(c.doc)
		if err := v.ValidateJSON(c.schema, b); err == nil {
			t.Errorf("%s: schema %s accepted %s", c.name, c.schema, b)
		}
	}
}

// TestAPIKeyEnumsMatchGoConstants: the scope set, key statuses and audit
// outcomes of the contract are the Go ones.
func TestAPIKeyEnumsMatchGoConstants(t *testing.T) {
	v := apitest.Validator(t)
	enum := func(schema, prop string) []string {
		s := v.ComponentSchema(schema)
		if prop != "" {
			s, _ = s["properties"].(map[string]any)[prop].(map[string]any)
		}
		return stringSet(s["enum"])
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	for name, c := range map[string]struct{ got, want []string }{
		"Scope":              {enum("Scope", ""), api.Scopes()},
		"APIKey.status":      {enum("APIKey", "status"), sorted(api.KeyStatuses)},
		"AuditEvent.outcome": {enum("AuditEvent", "outcome"), sorted([]string{api.AuditSuccess, api.AuditFailure, api.AuditDenied})},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: openapi.yaml enum %v, Go %v", name, c.got, c.want)
		}
	}
}
