package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// decodeJSON decodes the request body strictly into dst: unknown fields,
// mistyped fields, trailing data and oversized bodies are refused with an
// error naming the field. immutable maps fields that exist on the resource
// but cannot be sent here to the reason, for a better message than "unknown".
func decodeJSON(r *http.Request, dst any, immutable map[string]string) error {
	// Bodies are small (maxBodyBytes); keep the bytes to locate unknown
	// nested fields, which encoding/json names without their path.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err, immutable)
	}
	if len(body) > 0 {
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return err
		}
	}
	if fe := checkStrictJSON(body, reflect.TypeOf(dst)); fe != nil {
		return invalid(*fe)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			if path := unknownFieldPath(body, reflect.TypeOf(dst), name); strings.Contains(path, ".") {
				return invalid(fieldErr(path, "unknown field; see /v1/openapi.yaml for the accepted fields"))
			}
		}
		if field, ferr := locateFieldError(body, reflect.TypeOf(dst), ""); field != "" && isValueError(err) {
			return invalid(fieldErr(field, "%s", valueMessage(ferr)))
		}
		return decodeError(err, immutable)
	}
	// Exactly one JSON value: trailing data means a broken client.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, immutable)
		}
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body has data after its JSON object")
	}
	// null decodes into a struct without error (and is the only non-object
	// that does); it is not an object.
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body must be a JSON object, not null")
	}
	return nil
}

// checkContentType accepts application/json and +json types (such as
// application/merge-patch+json) in UTF-8, the only charset JSON has.
func checkContentType(ct string) error {
	if ct == "" {
		return errorf(http.StatusUnsupportedMediaType, api.CodeInvalidArgument, "the request has a body but no Content-Type; send Content-Type: application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errorf(http.StatusUnsupportedMediaType, api.CodeInvalidArgument, "Content-Type %q is not supported; send application/json", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return errorf(http.StatusUnsupportedMediaType, api.CodeInvalidArgument, "charset %q is not supported; JSON bodies are UTF-8", cs)
	}
	return nil
}

// isValueError reports errors that a value of the right JSON type can
// still cause (a string that is not a timestamp), which the decoder
// returns without the field's name.
func isValueError(err error) bool {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	return !errors.As(err, &syntaxErr) && !errors.As(err, &typeErr) && !errors.As(err, &maxErr) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.HasPrefix(err.Error(), "json: unknown field ")
}

// valueMessage says what a field's value should be.
func valueMessage(err error) string {
	var te *time.ParseError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be an RFC 3339 timestamp such as \"2027-01-31T12:00:00Z\", not %q", te.Value)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("must be %s, not %s", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	}
	return fmt.Sprintf("could not be read: %v", err)
}

// unknownFieldPath finds the JSON path (size.gpus) of an object key called
// name that the Go type t has no field for, or "" when there is none.
func unknownFieldPath(body []byte, t reflect.Type, name string) string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	return findUnknown(doc, t, "", name)
}

func findUnknown(v any, t reflect.Type, prefix, name string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			f, ok := jsonFieldOf(t, k)
			if !ok {
				if k == name {
					return join(k)
				}
				continue
			}
			if p := findUnknown(obj[k], f.Type, join(k), name); p != "" {
				return p
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if p := findUnknown(obj[k], t.Elem(), join(k), name); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		for i, e := range arr {
			if p := findUnknown(e, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), name); p != "" {
				return p
			}
		}
	}
	return ""
}

// jsonFieldOf is the field of struct t that encoding/json decodes key into
// (it matches names case-insensitively).
func jsonFieldOf(t reflect.Type, key string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func decodeError(err error, immutable map[string]string) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return errorf(http.StatusRequestEntityTooLarge, api.CodeInvalidArgument, "the request body exceeds %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body ends in the middle of its JSON")
	case errors.As(err, &syntaxErr):
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body is not valid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body must be a JSON object, not %s", typeErr.Value)
		}
		return invalid(fieldErr(field, "must be %s, not %s", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if why, ok := immutable[name]; ok {
			return invalid(fieldErr(name, "%s", why))
		}
		return invalid(fieldErr(name, "unknown field; see /v1/openapi.yaml for the accepted fields"))
	}
	return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body could not be read: %v", err)
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return fmt.Sprintf("of type %s", goKind)
}
