package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
)

// typePair binds a Go wire type to its schema in openapi.yaml.
type typePair struct {
	goType reflect.Type
	schema string
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

var typePairs = []typePair{
	{typeOf[api.Environment](), "Environment"},
	{typeOf[api.EnvironmentCreate](), "EnvironmentCreate"},
	{typeOf[api.EnvironmentUpdate](), "EnvironmentUpdate"},
	{typeOf[api.Operation](), "Operation"},
	{typeOf[api.Problem](), "Problem"},
	{typeOf[api.FieldError](), "FieldError"},
	{typeOf[api.Region](), "Region"},
	{typeOf[api.Size](), "Size"},
	{typeOf[api.SecretInfo](), "SecretInfo"},
	{typeOf[api.Health](), "Health"},
	{typeOf[api.List[api.Environment]](), "EnvironmentList"},
	{typeOf[api.List[api.Region]](), "RegionList"},
	{typeOf[api.GPUType](), "GPUType"},
	{typeOf[api.GPUOffer](), "GPUOffer"},
	{typeOf[api.GPUCount](), "GPUCount"},
	{typeOf[api.List[api.GPUType]](), "GPUTypeList"},
	{typeOf[api.GPUPool](), "GPUPool"},
	{typeOf[api.GPUPoolCreate](), "GPUPoolCreate"},
	{typeOf[api.GPUPoolUpdate](), "GPUPoolUpdate"},
	{typeOf[api.List[api.GPUPool]](), "GPUPoolList"},
	{typeOf[api.Autoscaling](), "Autoscaling"},
	{typeOf[api.CapacityChoice](), "CapacityChoice"},
	{typeOf[api.PoolModel](), "PoolModel"},
	{typeOf[api.SimulatedLoad](), "SimulatedLoad"},
	{typeOf[api.APIKey](), "APIKey"},
	{typeOf[api.APIKeyCreate](), "APIKeyCreate"},
	{typeOf[api.APIKeyCreated](), "APIKeyCreated"},
	{typeOf[api.APIKeyUpdate](), "APIKeyUpdate"},
	{typeOf[api.APIKeyRevoke](), "APIKeyRevoke"},
	{typeOf[api.List[api.APIKey]](), "APIKeyList"},
	{typeOf[api.AuditEvent](), "AuditEvent"},
	{typeOf[api.List[api.AuditEvent]](), "AuditEventList"},
	{typeOf[api.ShutdownWindow](), "ShutdownWindow"},
	{typeOf[api.ShutdownException](), "ShutdownException"},
	{typeOf[api.ScheduledTransition](), "ScheduledTransition"},
	{typeOf[api.ScheduleLastRun](), "ScheduleLastRun"},
	{typeOf[api.ScheduleRun](), "ScheduleRun"},
	{typeOf[api.ShutdownSchedule](), "ShutdownSchedule"},
	{typeOf[api.ShutdownScheduleCreate](), "ShutdownScheduleCreate"},
	{typeOf[api.ShutdownScheduleUpdate](), "ShutdownScheduleUpdate"},
	{typeOf[api.List[api.ShutdownSchedule]](), "ShutdownScheduleList"},
	{typeOf[api.List[api.ScheduleRun]](), "ScheduleRunList"},
	{typeOf[api.PowerRequest](), "PowerRequest"},
	{typeOf[api.SimulatorClock](), "SimulatorClock"},
	{typeOf[api.Snapshot](), "Snapshot"},
	{typeOf[api.SnapshotCreate](), "SnapshotCreate"},
	{typeOf[api.SnapshotUpdate](), "SnapshotUpdate"},
	{typeOf[api.List[api.Snapshot]](), "SnapshotList"},
	{typeOf[api.RestoreFrom](), "RestoreFrom"},
	{typeOf[api.FinalSnapshot](), "FinalSnapshot"},
	{typeOf[api.WhoAmI](), "WhoAmI"},
}

// schemaOfType names the component schema of each paired Go struct, so a
// property that $refs a component can be checked against the Go field type.
func schemaOfType() map[reflect.Type]string {
	m := map[reflect.Type]string{}
	for _, p := range typePairs {
		m[p.goType] = p.schema
	}
	return m
}

type goField struct {
	name     string // JSON name
	goName   string
	typ      reflect.Type
	optional bool // omitempty or a pointer
}

func jsonFields(t *testing.T, typ reflect.Type) []goField {
	t.Helper()
	var out []goField
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		if f.Anonymous {
			t.Fatalf("%s.%s: embedded fields are not supported by this test", typ, f.Name)
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			t.Errorf("%s.%s has no json name; the wire names must be explicit snake_case", typ, f.Name)
			name = f.Name
		}
		omitempty := slices.Contains(strings.Split(opts, ","), "omitempty")
		if f.Type.Kind() == reflect.Pointer && !omitempty {
			t.Errorf("%s.%s (%s) is a pointer without omitempty: it would be sent as null, which the schema does not allow", typ, f.Name, name)
		}
		out = append(out, goField{name: name, goName: f.Name, typ: f.Type, optional: omitempty || f.Type.Kind() == reflect.Pointer})
	}
	return out
}

func stringSet(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
	case map[string]any:
		out = slices.Collect(maps.Keys(v))
	}
	sort.Strings(out)
	return out
}

// TestGoTypesMatchSchemas proves, by reflection, that every hand-written
// wire type has exactly its schema's properties, that the schema's required
// list is exactly the Go fields that are always sent (no omitempty, not a
// pointer), and that the JSON types agree, recursively through $refs, maps,
// slices and pointers.
func TestGoTypesMatchSchemas(t *testing.T) {
	v := apitest.Validator(t)
	refs := schemaOfType()
	for _, pair := range typePairs {
		t.Run(pair.schema, func(t *testing.T) {
			t.Parallel()
			schema := v.ComponentSchema(pair.schema)
			if schema == nil {
				t.Fatalf("openapi.yaml has no components/schemas/%s (for %s)", pair.schema, pair.goType)
			}
			if typ, _ := schema["type"].(string); typ != "object" {
				t.Errorf("schema %s: type is %q, want object (for %s)", pair.schema, typ, pair.goType)
			}
			if ap, ok := schema["additionalProperties"].(bool); !ok || ap {
				t.Errorf("schema %s must set additionalProperties: false, so that unknown fields are refused like the server's strict decoder does", pair.schema)
			}
			props, _ := schema["properties"].(map[string]any)
			fields := jsonFields(t, pair.goType)

			goNames := map[string]goField{}
			for _, f := range fields {
				if _, dup := goNames[f.name]; dup {
					t.Errorf("%s: two fields use the JSON name %q", pair.goType, f.name)
				}
				goNames[f.name] = f
			}
			for _, f := range fields {
				if _, ok := props[f.name]; !ok {
					t.Errorf("%s.%s: JSON field %q is not a property of schema %s", pair.goType, f.goName, f.name, pair.schema)
				}
			}
			for _, name := range stringSet(props) {
				if _, ok := goNames[name]; !ok {
					t.Errorf("schema %s: property %q has no field in %s", pair.schema, name, pair.goType)
				}
			}

			required := stringSet(schema["required"])
			for _, name := range required {
				f, ok := goNames[name]
				switch {
				case !ok:
					t.Errorf("schema %s: required property %q has no field in %s", pair.schema, name, pair.goType)
				case f.optional:
					t.Errorf("%s.%s (%q): schema %s requires it, but the Go field is optional (omitempty or pointer) and may be left out", pair.goType, f.goName, name, pair.schema)
				}
			}
			for _, f := range fields {
				if !f.optional && !slices.Contains(required, f.name) {
					t.Errorf("%s.%s (%q): always sent by Go (no omitempty), but schema %s does not list it as required", pair.goType, f.goName, f.name, pair.schema)
				}
			}

			for _, f := range fields {
				prop, ok := props[f.name]
				if !ok {
					continue
				}
				where := fmt.Sprintf("%s.%s (%q)", pair.goType, f.goName, f.name)
				for _, msg := range checkType(v, refs, f.typ, prop, pair.schema) {
					t.Errorf("%s: %s", where, msg)
				}
			}
		})
	}
}

// checkType compares a Go type with a schema node and explains mismatches.
func checkType(v *apitest.SpecValidator, refs map[reflect.Type]string, typ reflect.Type, node any, owner string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	m, ok := node.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("schema node is %T, not an object", node)}
	}
	if ref, ok := m["$ref"].(string); ok {
		name, isComponent := strings.CutPrefix(ref, "#/components/schemas/")
		if want, paired := refs[typ]; paired {
			if !isComponent || name != want {
				return []string{fmt.Sprintf("Go type %s is paired with schema %s, but the property refers to %s", typ, want, ref)}
			}
			// The pair itself is checked by its own subtest.
			return nil
		}
		resolved, err := v.Resolve(m)
		if err != nil {
			return []string{err.Error()}
		}
		if m, ok = resolved.(map[string]any); !ok {
			return []string{fmt.Sprintf("%s does not resolve to a schema object", ref)}
		}
	}
	schemaType, _ := m["type"].(string)
	want := ""
	var errs []string
	switch {
	case typ == reflect.TypeFor[time.Time]():
		want = "string"
		if f, _ := m["format"].(string); f != "date-time" {
			errs = append(errs, fmt.Sprintf("time.Time needs format date-time, the schema has format %q", f))
		}
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		want = "number"
	case typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array:
		want = "array"
		items, ok := m["items"]
		if !ok {
			errs = append(errs, "array schema without items")
			break
		}
		for _, e := range checkType(v, refs, typ.Elem(), items, owner) {
			errs = append(errs, "items: "+e)
		}
	case typ.Kind() == reflect.Map:
		want = "object"
		if typ.Key().Kind() != reflect.String {
			errs = append(errs, fmt.Sprintf("map key type %s is not string", typ.Key()))
		}
		ap, ok := m["additionalProperties"]
		if !ok || ap == false || ap == true {
			errs = append(errs, "a Go map needs a schema with an additionalProperties schema for its values")
			break
		}
		for _, e := range checkType(v, refs, typ.Elem(), ap, owner) {
			errs = append(errs, "values: "+e)
		}
	case typ.Kind() == reflect.Struct:
		// A struct that is not paired with a component schema.
		return []string{fmt.Sprintf("Go struct %s has no paired component schema; add it to typePairs", typ)}
	default:
		return []string{fmt.Sprintf("unsupported Go kind %s", typ.Kind())}
	}
	if schemaType != want {
		errs = append(errs, fmt.Sprintf("Go %s encodes as JSON %s, the schema says type %q", typ, want, schemaType))
	}
	return errs
}

func ptr[T any](v T) *T { return &v }

var (
	t0 = time.Date(2026, 11, 22, 6, 14, 56, 0, time.UTC)
	t1 = time.Date(2026, 11, 22, 6, 15, 30, 123456789, time.UTC)
)

func sampleProblem() api.Problem {
	return api.Problem{
		Type:         "https://docs.openclaw.ai/control-plane/errors#invalid_argument",
		Title:        "Invalid argument",
		Status:       400,
		Detail:       "size.cpus: must be between 1 and 64, got 0",
		Instance:     "/v1/environments",
		Code:         api.CodeInvalidArgument,
		RequestID:    "req_0123456789abcdef",
		Errors:       []api.FieldError{{Field: "size.cpus", Message: "must be between 1 and 64, got 0"}},
		MissingScope: api.ScopeEnvironmentsWrite,
		KeyPrefix:    "ocp_AbCdEfGh",
	}
}

func sampleEnvironment() api.Environment {
	return api.Environment{
		ID:                 "env_01jd5x9k2m3n4p5q6r7s8t9v0w",
		Name:               "prod-gateway",
		Region:             "eu-central",
		OpenClawVersion:    "2026.11.3-1",
		ReleaseChannel:     "stable",
		Size:               api.Size{CPUs: 4, MemoryMB: 8192},
		StateVolumeGB:      20,
		DesiredState:       api.DesiredRunning,
		Labels:             map[string]string{"team": "platform", "cost-center/id": "42"},
		DeletionProtection: true,
		Secrets: []api.SecretInfo{
			{Name: "ANTHROPIC_API_KEY", Version: 2, Fingerprint: "hmac:3f9a1c0b7e", UpdatedAt: t1},
		},
		Status:        api.EnvStatusRunning,
		PowerState:    api.PowerOn,
		StatusMessage: "the gateway exited with status 1 after 2s; restart 1 of 3 in 1s",
		GatewayURL:    "http://prod-gateway.eu-central.openclaw.internal:18789",
		RestoreFrom:   &api.RestoreFrom{SnapshotID: "snap_01jd5x9k2m3n4p5q6r7s8t9v0w", IncludeCredentials: true},
		FinalSnapshot: &api.FinalSnapshot{Enabled: true, RetentionDays: 30},
		ETag:          "3",
		CreatedAt:     t0,
		UpdatedAt:     t1,
	}
}

func sampleSnapshot() api.Snapshot {
	return api.Snapshot{
		ID: "snap_01jd5x9k2m3n4p5q6r7s8t9v0w", Name: "prod-before-migration", Description: "before the 2026.12 migration",
		EnvironmentID: "env_01jd5x9k2m3n4p5q6r7s8t9v0w", EnvironmentName: "prod-gateway",
		Labels: map[string]string{"team": "platform"}, RetentionDays: ptr[int64](30), ExpiresAt: &t1,
		Locked: true, LockUntil: &t1, Status: api.SnapshotCorrupt, StatusMessage: "manifest check failed: workspace/AGENTS.md",
		SizeBytes: 51234, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", FileCount: 12,
		OpenClawVersion: "2026.11.3", Format: "openclaw-backup", CreatedBy: "openclaw 2026.11.3 backup create",
		ETag: "2", CreatedAt: t0, UpdatedAt: t1, CompletedAt: &t1, VerifiedAt: &t1,
	}
}

// samples are fully populated values of every paired type: every field is
// set, so every property's schema is exercised.
func samples() []struct {
	schema string
	value  any
} {
	p := sampleProblem()
	return []struct {
		schema string
		value  any
	}{
		{"Environment", sampleEnvironment()},
		{"EnvironmentCreate", api.EnvironmentCreate{
			Name: "prod-gateway", Region: "eu-central", OpenClawVersion: "2026.12.0-beta.2", ReleaseChannel: "beta",
			Size: &api.Size{CPUs: 2, MemoryMB: 4096}, StateVolumeGB: ptr[int64](10), DesiredState: api.DesiredStopped,
			Labels: map[string]string{"team": "platform"}, DeletionProtection: true,
			Secrets:       map[string]string{"ANTHROPIC_API_KEY": "sk-ant-example"},
			RestoreFrom:   &api.RestoreFrom{SnapshotID: "snap_1", IncludeCredentials: true},
			FinalSnapshot: &api.FinalSnapshot{Enabled: true, RetentionDays: 30},
		}},
		{"EnvironmentUpdate", api.EnvironmentUpdate{
			OpenClawVersion: ptr("2026.11.4"), ReleaseChannel: ptr("extended-stable"), Size: &api.Size{CPUs: 64, MemoryMB: 524288},
			StateVolumeGB: ptr[int64](16384), DesiredState: ptr(api.DesiredRunning), Labels: ptr(map[string]string{}),
			DeletionProtection: ptr(false), Secrets: ptr(map[string]string{"OPENAI_API_KEY": "sk-example"}),
			FinalSnapshot: &api.FinalSnapshot{Enabled: true, RetentionDays: 7},
		}},
		{"Snapshot", sampleSnapshot()},
		{"SnapshotCreate", api.SnapshotCreate{
			EnvironmentID: "env_1", Name: "nightly", Description: "d", Labels: map[string]string{"k": "v"},
			RetentionDays: ptr[int64](7), ExpiresAt: &t1, Locked: true, LockUntil: &t1,
		}},
		{"SnapshotUpdate", api.SnapshotUpdate{
			Name: ptr("renamed"), Description: ptr("d"), Labels: ptr(map[string]string{}), RetentionDays: ptr[int64](90), ExpiresAt: &t1,
			ClearExpiry: true, Locked: ptr(true), LockUntil: &t1,
		}},
		{"SnapshotList", api.List[api.Snapshot]{Items: []api.Snapshot{sampleSnapshot()}, NextPageToken: "tok"}},
		{"RestoreFrom", api.RestoreFrom{SnapshotID: "snap_1", IncludeCredentials: true}},
		{"FinalSnapshot", api.FinalSnapshot{Enabled: true, RetentionDays: 30}},
		{"Operation", api.Operation{
			ID: "op_01jd5x9k2m3n4p5q6r7s8t9v0w", Kind: "environment.create", TargetKind: "environment",
			TargetID: "env_01jd5x9k2m3n4p5q6r7s8t9v0w", Status: api.OperationFailed, Message: "create: failed",
			Error: &p, CreatedAt: t0, UpdatedAt: t1, CompletedAt: &t1,
		}},
		{"Problem", p},
		{"FieldError", api.FieldError{Field: "labels.Bad Key", Message: "label keys are 1-63 characters"}},
		{"Region", api.Region{ID: "sa-east", DisplayName: "South America East", Location: "São Paulo, BR", Available: true}},
		{"Size", api.Size{CPUs: 1, MemoryMB: 1024}},
		{"SecretInfo", api.SecretInfo{Name: "GITHUB_TOKEN", Version: 1, Fingerprint: "abc123", UpdatedAt: t0}},
		{"Health", api.Health{Status: "unavailable", Checks: map[string]string{"database": "unreachable"}}},
		{"EnvironmentList", api.List[api.Environment]{Items: []api.Environment{sampleEnvironment()}, NextPageToken: "tok"}},
		{"RegionList", api.List[api.Region]{Items: []api.Region{{ID: "us-east", DisplayName: "US East", Location: "Virginia, US", Available: true}}, NextPageToken: "tok"}},
		{"GPUType", sampleGPUType()},
		{"GPUOffer", sampleGPUType().Regions[0]},
		{"GPUCount", api.GPUCount{OnDemand: 8, Spot: 4}},
		{"GPUTypeList", api.List[api.GPUType]{Items: []api.GPUType{sampleGPUType()}, NextPageToken: "tok"}},
		{"GPUPool", sampleGPUPool()},
		{"GPUPoolCreate", api.GPUPoolCreate{
			Name: "inference", EnvironmentID: "env_1", ProviderID: "local-llama", Backend: "vllm", GPUType: "nvidia-l4",
			GPUsPerNode: 2, CapacityType: api.CapacitySpot, NodeCount: ptr[int64](2), Autoscaling: &api.Autoscaling{MinNodes: 1, MaxNodes: 3},
			CapacityFallback: []api.CapacityChoice{{GPUType: "nvidia-a10g", CapacityType: api.CapacityOnDemand}},
			Models:           []api.PoolModel{{ID: "llama", ContextWindow: 8192, MaxTokens: 1024}}, IdleStopSeconds: 600,
			Labels: map[string]string{"team": "ml"},
		}},
		{"GPUPoolUpdate", api.GPUPoolUpdate{
			Backend: ptr("ollama"), GPUType: ptr("nvidia-a100-80gb"), GPUsPerNode: ptr[int64](4), CapacityType: ptr(api.CapacityOnDemand),
			NodeCount: ptr[int64](3), Autoscaling: &api.Autoscaling{MinNodes: 1, MaxNodes: 2},
			CapacityFallback: ptr([]api.CapacityChoice{}), Models: ptr([]api.PoolModel{}), IdleStopSeconds: ptr[int64](60), Labels: ptr(map[string]string{}),
		}},
		{"GPUPoolList", api.List[api.GPUPool]{Items: []api.GPUPool{sampleGPUPool()}, NextPageToken: "tok"}},
		{"Autoscaling", api.Autoscaling{MinNodes: 1, MaxNodes: 4}},
		{"CapacityChoice", api.CapacityChoice{GPUType: "nvidia-h100-80gb", CapacityType: api.CapacitySpot}},
		{"PoolModel", api.PoolModel{ID: "m", ContextWindow: 4096, MaxTokens: 512}},
		{"SimulatedLoad", api.SimulatedLoad{CurrentNodes: 3}},
		{"APIKey", sampleAPIKey()},
		{"APIKeyCreate", sampleAPIKeyCreate()},
		{"APIKeyCreated", api.APIKeyCreated{Key: sampleAPIKey(), Secret: sampleSecret}},
		{"APIKeyUpdate", api.APIKeyUpdate{Name: ptr("renamed"), Description: ptr("d"), Labels: ptr(map[string]string{})}},
		{"APIKeyRevoke", api.APIKeyRevoke{GracePeriod: "24h"}},
		{"APIKeyList", api.List[api.APIKey]{Items: []api.APIKey{sampleAPIKey()}, NextPageToken: "tok"}},
		{"AuditEvent", sampleAuditEvent()},
		{"AuditEventList", api.List[api.AuditEvent]{Items: []api.AuditEvent{sampleAuditEvent()}, NextPageToken: "tok"}},
		{"ShutdownWindow", sampleWindow()},
		{"ShutdownException", sampleException()},
		{"ScheduledTransition", api.ScheduledTransition{At: t1, Action: "stop"}},
		{"ScheduleLastRun", api.ScheduleLastRun{At: t0, Action: "start", Outcome: "succeeded", OperationID: "op_1"}},
		{"ScheduleRun", sampleRun()},
		{"ShutdownSchedule", sampleSchedule()},
		{"ShutdownScheduleCreate", api.ShutdownScheduleCreate{
			Name: "office-hours", EnvironmentID: "env_1", Description: "d", Enabled: ptr(true), TimeZone: "Europe/Berlin",
			Windows: []api.ShutdownWindow{sampleWindow()}, StartCron: "0 8 * * 1-5", StopCron: "0 19 * * 1-5",
			Exceptions: []api.ShutdownException{sampleException()}, Enforcement: api.EnforceContinuous, DrainTimeout: "10m",
		}},
		{"ShutdownScheduleUpdate", api.ShutdownScheduleUpdate{
			Name: ptr("renamed"), Description: ptr("d"), Enabled: ptr(false), TimeZone: ptr("UTC"),
			Windows: ptr([]api.ShutdownWindow{}), StartCron: ptr("0 8 * * *"), StopCron: ptr("0 19 * * *"),
			Exceptions: ptr([]api.ShutdownException{}), Enforcement: ptr(api.EnforceTransitions), DrainTimeout: ptr("0s"),
		}},
		{"ShutdownScheduleList", api.List[api.ShutdownSchedule]{Items: []api.ShutdownSchedule{sampleSchedule()}, NextPageToken: "tok"}},
		{"ScheduleRunList", api.List[api.ScheduleRun]{Items: []api.ScheduleRun{sampleRun()}, NextPageToken: "tok"}},
		{"PowerRequest", api.PowerRequest{State: "running", Until: &t1}},
		{"SimulatorClock", api.SimulatorClock{Now: t0}},
		{"WhoAmI", api.WhoAmI{KeyID: "key_1", Name: "ci", Prefix: "ocp_AbCd", Scopes: []string{api.ScopeAdmin}, EnvironmentID: "env_1", ExpiresAt: ptr(time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)), RevokeGraceUntil: ptr(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}},
	}
}

// zeroFields names the fields of v (recursively through structs and
// pointers) left at their zero value.
func zeroFields(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return []string{path}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == reflect.TypeFor[time.Time]() {
		if v.IsZero() && v.Kind() != reflect.Bool && v.Kind() != reflect.Map {
			return []string{path}
		}
		return nil
	}
	var out []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.IsExported() {
			out = append(out, zeroFields(v.Field(i), strings.TrimPrefix(path+"."+f.Name, "."))...)
		}
	}
	return out
}

// TestSamplesRoundTrip marshals a fully populated value of every wire type,
// validates the JSON against its schema, and decodes it back strictly to an
// equal value; minimal values (only required fields) must validate too.
func TestSamplesRoundTrip(t *testing.T) {
	v := apitest.Validator(t)
	seen := map[string]bool{}
	for _, s := range samples() {
		seen[s.schema] = true
		t.Run(s.schema, func(t *testing.T) {
			t.Parallel()
			if zero := zeroFields(reflect.ValueOf(s.value), ""); len(zero) > 0 {
				t.Fatalf("sample %T leaves fields unset: %v; populate every field so every property is exercised", s.value, zero)
			}
			b, err := json.Marshal(s.value)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.ValidateJSON(s.schema, b); err != nil {
				t.Fatalf("marshalled %T does not match schema %s: %v\n%s", s.value, s.schema, err, b)
			}
			back := reflect.New(reflect.TypeOf(s.value))
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back.Interface()); err != nil {
				t.Fatalf("decode %s back into %T: %v", b, s.value, err)
			}
			if !reflect.DeepEqual(back.Elem().Interface(), s.value) {
				t.Errorf("round trip changed the value:\n got %#v\nwant %#v", back.Elem().Interface(), s.value)
			}
		})
	}
	for _, p := range typePairs {
		if !seen[p.schema] {
			t.Errorf("no round-trip sample for %s (%s)", p.goType, p.schema)
		}
	}

	minimal := []struct {
		schema string
		value  any
	}{
		{"EnvironmentCreate", api.EnvironmentCreate{Name: "a", Region: "us-east"}},
		{"EnvironmentUpdate", api.EnvironmentUpdate{}},
		{"Operation", api.Operation{ID: "op_1", Kind: "environment.delete", TargetKind: "environment", TargetID: "env_1", Status: api.OperationPending, CreatedAt: t0, UpdatedAt: t0}},
		{"Problem", api.Problem{Type: "about:blank", Title: "Not found", Status: 404, Code: api.CodeNotFound}},
		{"Health", api.Health{Status: "ok"}},
		{"EnvironmentList", api.List[api.Environment]{Items: []api.Environment{}}},
		{"RegionList", api.List[api.Region]{Items: []api.Region{}}},
		{"APIKey", api.APIKey{ID: "key_1", Name: "k", Prefix: "ocp_x", Scopes: []string{api.ScopeAdmin}, AllowedCIDRs: []string{}, Labels: map[string]string{}, Status: api.KeyStatusActive, CreatedAt: t0, UpdatedAt: t0}},
		{"APIKeyCreate", api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeAdmin}}},
		{"APIKeyUpdate", api.APIKeyUpdate{}},
		{"APIKeyRevoke", api.APIKeyRevoke{}},
		{"AuditEvent", api.AuditEvent{ID: 1, Time: t0, Action: "auth", SourceIP: "127.0.0.1", Outcome: api.AuditDenied, StatusCode: 401}},
		{"Snapshot", api.Snapshot{ID: "snap_1", Name: "s", EnvironmentID: "env_1", EnvironmentName: "e", Labels: map[string]string{}, Status: api.SnapshotCreating, CreatedAt: t0, UpdatedAt: t0}},
		{"SnapshotCreate", api.SnapshotCreate{EnvironmentID: "env_1", Name: "s"}},
		{"SnapshotUpdate", api.SnapshotUpdate{}},
		{"SnapshotList", api.List[api.Snapshot]{Items: []api.Snapshot{}}},
		{"FinalSnapshot", api.FinalSnapshot{Enabled: false}},
		{"WhoAmI", api.WhoAmI{KeyID: "key_1", Name: "ci", Prefix: "ocp_AbCd", Scopes: []string{}}},
	}
	for _, s := range minimal {
		t.Run("minimal/"+s.schema, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(s.value)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.ValidateJSON(s.schema, b); err != nil {
				t.Errorf("minimal %T does not match schema %s: %v\n%s", s.value, s.schema, err, b)
			}
		})
	}
}

// TestSchemasAreStrict proves that the validator rejects documents the
// contract forbids, so the passing validations above mean something: each
// case starts from a valid sample and breaks exactly one thing.
func TestSchemasAreStrict(t *testing.T) {
	v := apitest.Validator(t)
	toMap := func(val any) map[string]any {
		b, err := json.Marshal(val)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	env := func(mut func(m map[string]any)) any {
		m := toMap(sampleEnvironment())
		mut(m)
		return m
	}
	problem := func(mut func(m map[string]any)) any {
		m := toMap(sampleProblem())
		mut(m)
		return m
	}
	cases := []struct {
		name   string
		schema string
		doc    any
	}{
		{"environment with an unknown field", "Environment", env(func(m map[string]any) { m["owner"] = "me" })},
		{"environment without required labels", "Environment", env(func(m map[string]any) { delete(m, "labels") })},
		{"environment with null labels", "Environment", env(func(m map[string]any) { m["labels"] = nil })},
		{"environment name not a DNS label", "Environment", env(func(m map[string]any) { m["name"] = "Prod_Gateway" })},
		{"environment name too long", "Environment", env(func(m map[string]any) { m["name"] = strings.Repeat("a", 41) })},
		{"environment version not calendar", "Environment", env(func(m map[string]any) { m["openclaw_version"] = "v1.2.3" })},
		{"environment status outside enum", "Environment", env(func(m map[string]any) { m["status"] = "exploded" })},
		{"environment power_state outside enum", "Environment", env(func(m map[string]any) { m["power_state"] = "standby" })},
		{"environment created_at not date-time", "Environment", env(func(m map[string]any) { m["created_at"] = "yesterday" })},
		{"environment state_volume_gb a string", "Environment", env(func(m map[string]any) { m["state_volume_gb"] = "10" })},
		{"environment size.memory_mb not a multiple of 256", "Environment", env(func(m map[string]any) {
			m["size"] = map[string]any{"cpus": 2, "memory_mb": 1000}
		})},
		{"environment secret with a value field", "Environment", env(func(m map[string]any) {
			m["secrets"] = []any{map[string]any{"name": "A", "version": 1, "fingerprint": "x", "updated_at": "2026-11-22T06:14:56Z", "value": "leak"}}
		})},
		{"problem code outside enum", "Problem", problem(func(m map[string]any) { m["code"] = "teapot" })},
		{"problem without status", "Problem", problem(func(m map[string]any) { delete(m, "status") })},
		{"problem with stack field", "Problem", problem(func(m map[string]any) { m["stack"] = "goroutine 1 [running]" })},
		{"problem field error without message", "Problem", problem(func(m map[string]any) {
			m["errors"] = []any{map[string]any{"field": "name"}}
		})},
		{"operation status outside enum", "Operation", map[string]any{
			"id": "op_1", "kind": "environment.create", "target_kind": "environment", "target_id": "env_1",
			"status": "cancelled", "created_at": "2026-11-22T06:14:56Z", "updated_at": "2026-11-22T06:14:56Z",
		}},
		{"create without region", "EnvironmentCreate", map[string]any{"name": "a"}},
		{"create with read-only status", "EnvironmentCreate", map[string]any{"name": "a", "region": "us-east", "status": "running"}},
		{"create with zero state volume", "EnvironmentCreate", map[string]any{"name": "a", "region": "us-east", "state_volume_gb": 0}},
		{"update with name", "EnvironmentUpdate", map[string]any{"name": "b"}},
		{"update desired_state outside enum", "EnvironmentUpdate", map[string]any{"desired_state": "paused"}},
		{"update label value not a string", "EnvironmentUpdate", map[string]any{"labels": map[string]any{"a": 1}}},
		{"size cpus over 64", "Size", map[string]any{"cpus": 65, "memory_mb": 1024}},
		{"region available a string", "Region", map[string]any{"id": "x", "display_name": "X", "location": "Y", "available": "yes"}},
		{"health status outside enum", "Health", map[string]any{"status": "meh"}},
		{"environment list items null", "EnvironmentList", map[string]any{"items": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(c.doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.ValidateJSON(c.schema, b); err == nil {
				t.Errorf("schema %s accepted an invalid document:\n%s", c.schema, b)
			}
		})
	}
}

// TestEnumsMatchGoConstants checks that the Go constants clients branch on
// are exactly the enums of the contract.
func TestEnumsMatchGoConstants(t *testing.T) {
	v := apitest.Validator(t)
	prop := func(schema, name string) any {
		s := v.ComponentSchema(schema)
		if s == nil {
			t.Fatalf("no schema %s", schema)
		}
		if name == "" {
			return s["enum"]
		}
		p, _ := s["properties"].(map[string]any)[name].(map[string]any)
		if r, err := v.Resolve(p); err == nil {
			p, _ = r.(map[string]any)
		}
		return p["enum"]
	}
	sorted := func(s ...string) []string { s = slices.Clone(s); sort.Strings(s); return s }
	cases := []struct {
		name string
		enum any
		want []string
	}{
		{"Problem.code", prop("Problem", "code"), sorted(api.CodeInvalidArgument, api.CodeNotFound, api.CodeConflict, api.CodePreconditionFailed,
			api.CodeRateLimited, api.CodeUnauthenticated, api.CodePermissionDenied, api.CodeNoCapacity, api.CodeInternal, api.CodeMethodNotAllowed,
			api.CodeNotSupported)},
		{"Operation.status", prop("Operation", "status"), sorted(api.OperationPending, api.OperationRunning, api.OperationSucceeded, api.OperationFailed)},
		{"Environment.status", prop("Environment", "status"), sorted(api.EnvStatusProvisioning, api.EnvStatusRunning, api.EnvStatusUpdating,
			api.EnvStatusStopping, api.EnvStatusStopped, api.EnvStatusDeleting, api.EnvStatusFailed)},
		{"Environment.power_state", prop("Environment", "power_state"), sorted(api.PowerOn, api.PowerOff)},
		{"DesiredState", prop("DesiredState", ""), sorted(api.DesiredRunning, api.DesiredStopped)},
		{"ReleaseChannel", prop("ReleaseChannel", ""), sorted(api.ReleaseChannels...)},
	}
	for _, c := range cases {
		if got := stringSet(c.enum); !slices.Equal(got, c.want) {
			t.Errorf("%s: openapi.yaml enum %v, Go constants %v", c.name, got, c.want)
		}
	}
}

func sampleGPUType() api.GPUType {
	return api.GPUType{ID: "nvidia-l4", DisplayName: "NVIDIA L4", MemoryGB: 24, Regions: []api.GPUOffer{{
		Region: "us-east", OnDemandHourly: 0.8, SpotHourly: 0.32,
		CapacityGPUs: api.GPUCount{OnDemand: 64, Spot: 32}, AvailableGPUs: api.GPUCount{OnDemand: 60, Spot: 30},
	}}}
}

func sampleGPUPool() api.GPUPool {
	return api.GPUPool{
		ID: "gpool_01jd5x9k2m3n4p5q6r7s8t9v0w", Name: "inference", EnvironmentID: "env_1", ProviderID: "local-llama",
		Backend: "vllm", GPUType: "nvidia-h200-141gb", GPUsPerNode: 8, CapacityType: api.CapacitySpot,
		NodeCount: ptr[int64](2), Autoscaling: &api.Autoscaling{MinNodes: 1, MaxNodes: 2},
		CapacityFallback: []api.CapacityChoice{{GPUType: "nvidia-h100-80gb", CapacityType: api.CapacitySpot}},
		Models:           []api.PoolModel{{ID: "llama", ContextWindow: 131072, MaxTokens: 8192}},
		IdleStopSeconds:  900, Labels: map[string]string{"team": "ml"}, Status: api.PoolStatusRunning, CurrentNodes: 2,
		EffectiveGPUType: "nvidia-h100-80gb", EffectiveCapacityType: api.CapacitySpot,
		BaseURL: "http://inference.prod.us-east.gpu.openclaw.internal:8000/v1", HourlyCost: 44.8, ETag: "2",
		CreatedAt: t0, UpdatedAt: t1,
	}
}

func sampleWindow() api.ShutdownWindow {
	return api.ShutdownWindow{Days: []string{"mon", "fri"}, Start: "08:00", Stop: "24:00"}
}

func sampleException() api.ShutdownException {
	return api.ShutdownException{From: "2026-12-24", Until: "2026-12-26T18:00:00+01:00", State: "stopped", Reason: "holidays"}
}

func sampleRun() api.ScheduleRun {
	return api.ScheduleRun{ID: "run_1", At: t0, Action: "stop", Trigger: "catch_up", Outcome: "failed", Detail: "late", OperationID: "op_1", CreatedAt: t1}
}

func sampleSchedule() api.ShutdownSchedule {
	return api.ShutdownSchedule{
		ID: "sched_1", Name: "office-hours", EnvironmentID: "env_1", Description: "staging", Enabled: true, TimeZone: "Europe/Berlin",
		Windows: []api.ShutdownWindow{sampleWindow()}, StartCron: "0 8 * * *", StopCron: "0 19 * * *",
		Exceptions: []api.ShutdownException{sampleException()}, Enforcement: api.EnforceTransitions, DrainTimeout: "5m",
		PowerNow: "running", NextTransitions: []api.ScheduledTransition{{At: t1, Action: "stop"}}, RunningHoursPerWeek: 55,
		EstimatedMonthlySavings: 123.45, LastRun: &api.ScheduleLastRun{At: t0, Action: "start", Outcome: "succeeded", OperationID: "op_1"},
		ETag: "2", CreatedAt: t0, UpdatedAt: t1,
	}
}
