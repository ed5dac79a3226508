package shared

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Small conversions every family's model uses, written once.

// Known reports whether a value is set and known.
func Known(v attr.Value) bool { return !v.IsNull() && !v.IsUnknown() }

// Ptr returns a pointer to v, for the optional fields of PATCH bodies.
func Ptr[T any](v T) *T { return &v }

// OrEmpty makes a nil map an empty one.
func OrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Timestamp renders an API time as the RFC 3339 string the schemas hold.
func Timestamp(t time.Time) types.String { return types.StringValue(t.UTC().Format(time.RFC3339)) }

// LabelsFromAPI converts the API's labels into the attribute. With
// keepNull, no labels leave a null attribute null (the configuration did
// not set labels), so "no labels" and "empty labels" never show as a diff.
func LabelsFromAPI(ctx context.Context, labels map[string]string, prior types.Map, keepNull bool) (types.Map, diag.Diagnostics) {
	if len(labels) == 0 && keepNull && prior.IsNull() {
		return types.MapNull(types.StringType), nil
	}
	return types.MapValueFrom(ctx, types.StringType, OrEmpty(labels))
}

// StringMap reads a map of strings attribute (labels, write-only secrets);
// null or unknown is empty.
func StringMap(ctx context.Context, v types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if !Known(v) {
		return out, nil
	}
	diags := v.ElementsAs(ctx, &out, false)
	return out, diags
}
