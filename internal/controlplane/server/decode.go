package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// decodeJSON decodes the request body strictly into dst: unknown fields,
// mistyped fields, trailing data and oversized bodies are refused with an
// error naming the field. immutable maps fields that exist on the resource
// but cannot be sent here to the reason, for a better message than "unknown".
func decodeJSON(r *http.Request, dst any, immutable map[string]string) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errorf(http.StatusUnsupportedMediaType, api.CodeInvalidArgument, "Content-Type %q is not supported; send application/json", ct)
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, immutable)
	}
	// Exactly one JSON value: trailing data means a broken client.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, immutable)
		}
		return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the request body has data after its JSON object")
	}
	return nil
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
