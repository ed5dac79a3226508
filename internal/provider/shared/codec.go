package shared

import (
	"context"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// stateCodec makes the conversions tfsdk.State.Get and Set make between a
// model struct and the state's object value, with the struct's layout
// worked out once per model. The framework walks the struct by
// reflection on every call, compiling a regular expression per field
// (internal/reflect.isValidFieldName): for the 24-attribute environment model that was a
// tenth of the provider's CPU in a refresh. Only models whose fields are
// all attr.Value (nested attributes as types.Object and the like) are
// handled; anything else, and any value the codec does not expect, goes
// the framework's way.
type stateCodec struct {
	typ    tftypes.Object
	fields []codecField
}

type codecField struct {
	name  string
	index []int
	typ   attr.Type
	// validates is typ's validation, which the framework runs on each
	// conversion (numbers in range, for one); nil when it has none.
	//nolint:staticcheck // xattr.TypeWithValidate is deprecated, and still honoured by the framework.
	validates xattr.TypeWithValidate
	goTyp     reflect.Type
}

// valid runs the field's type validation as the framework would; any
// finding sends the conversion the framework's way, which reports it.
func (f *codecField) valid(ctx context.Context, v tftypes.Value) bool {
	return f.validates == nil || len(f.validates.Validate(ctx, v, path.Root(f.name))) == 0
}

// codecs holds one *stateCodec (nil: not handled) per model type, built
// from the first schema it is used with; a value of another type goes the
// framework's way.
var codecs sync.Map

// GetState is s.Get(ctx, target) for a model M, through its codec.
func GetState[M any](ctx context.Context, s tfsdk.State, target *M) diag.Diagnostics {
	return codecFor[M](ctx, s).get(ctx, s, target)
}

// SetState is s.Set(ctx, val) for a model M, through its codec.
func SetState[M any](ctx context.Context, s *tfsdk.State, val *M) diag.Diagnostics {
	return codecFor[M](ctx, *s).set(ctx, s, val)
}

// CodecHandles reports whether GetState and SetState convert M under the
// schema of s without the framework's reflection (tests check that the hot
// models are).
func CodecHandles[M any](ctx context.Context, s tfsdk.State) bool { return codecFor[M](ctx, s) != nil }

// codecFor returns the codec of model type M under the schema of s, or nil
// when the framework must do the conversion.
func codecFor[M any](ctx context.Context, s tfsdk.State) *stateCodec {
	model := reflect.TypeFor[M]()
	if c, ok := codecs.Load(model); ok {
		return c.(*stateCodec)
	}
	if s.Schema == nil {
		return nil
	}
	c := newStateCodec(ctx, model, s.Schema.Type())
	codecs.Store(model, c)
	return c
}

func newStateCodec(ctx context.Context, model reflect.Type, schemaType attr.Type) *stateCodec {
	withAttrs, ok := schemaType.(attr.TypeWithAttributeTypes)
	if !ok || model.Kind() != reflect.Struct {
		return nil
	}
	objType, ok := schemaType.TerraformType(ctx).(tftypes.Object)
	if !ok || len(objType.OptionalAttributes) > 0 {
		return nil
	}
	attrTypes := withAttrs.AttributeTypes()
	c := &stateCodec{typ: objType}
	if !c.addFields(model, nil, attrTypes) || len(c.fields) != len(attrTypes) {
		return nil
	}
	seen := map[string]bool{}
	for _, f := range c.fields {
		if seen[f.name] {
			return nil
		}
		seen[f.name] = true
	}
	return c
}

var (
	validateableType = reflect.TypeFor[xattr.ValidateableAttribute]()
	attrValueType    = reflect.TypeFor[attr.Value]()
)

// addFields collects the tagged fields of t (and of the structs it embeds,
// as the framework does); false when a field is not one the codec handles.
func (c *stateCodec) addFields(t reflect.Type, prefix []int, attrTypes map[string]attr.Type) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag, tagged := f.Tag.Lookup("tfsdk")
		if f.Anonymous && !tagged {
			if f.Type.Kind() != reflect.Struct || !c.addFields(f.Type, index, attrTypes) {
				return false
			}
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		typ, ok := attrTypes[name]
		if !ok || !f.Type.Implements(attrValueType) || f.Type.Kind() == reflect.Interface {
			return false
		}
		// Values that validate themselves are left to the framework.
		if f.Type.Implements(validateableType) {
			return false
		}
		//nolint:staticcheck // xattr.TypeWithValidate is deprecated, and still honoured by the framework.
		validates, _ := typ.(xattr.TypeWithValidate)
		c.fields = append(c.fields, codecField{name: name, index: index, typ: typ, validates: validates, goTyp: f.Type})
	}
	return true
}

// get is s.Get(ctx, target).
func (c *stateCodec) get(ctx context.Context, s tfsdk.State, target any) diag.Diagnostics {
	if !c.fits(s.Raw) || !s.Raw.IsKnown() || s.Raw.IsNull() {
		return s.Get(ctx, target)
	}
	var values map[string]tftypes.Value
	if err := s.Raw.As(&values); err != nil {
		return s.Get(ctx, target)
	}
	rv := reflect.ValueOf(target).Elem()
	for i := range c.fields {
		f := &c.fields[i]
		tv := values[f.name]
		if !f.valid(ctx, tv) {
			return s.Get(ctx, target)
		}
		v, err := f.typ.ValueFromTerraform(ctx, tv)
		if err != nil || v == nil || reflect.TypeOf(v) != f.goTyp {
			return s.Get(ctx, target)
		}
		rv.FieldByIndex(f.index).Set(reflect.ValueOf(v))
	}
	return nil
}

// set is s.Set(ctx, val).
func (c *stateCodec) set(ctx context.Context, s *tfsdk.State, val any) diag.Diagnostics {
	if !c.fits(s.Raw) {
		return s.Set(ctx, val)
	}
	rv := reflect.ValueOf(val).Elem()
	values := make(map[string]tftypes.Value, len(c.fields))
	for i := range c.fields {
		f := &c.fields[i]
		v := rv.FieldByIndex(f.index).Interface().(attr.Value)
		tv, err := v.ToTerraformValue(ctx)
		if err != nil || !tv.Type().Equal(c.typ.AttributeTypes[f.name]) || !f.valid(ctx, tv) {
			// The framework names the attribute and the mismatch.
			return s.Set(ctx, val)
		}
		values[f.name] = tv
	}
	if tftypes.ValidateValue(c.typ, values) != nil {
		return s.Set(ctx, val)
	}
	s.Raw = tftypes.NewValue(c.typ, values)
	return nil
}

// fits reports whether the codec converts values of raw's type: the state
// holds a value of its schema's type even when null.
func (c *stateCodec) fits(raw tftypes.Value) bool {
	return c != nil && raw.Type() != nil && raw.Type().Equal(c.typ)
}
