// Package apitest validates JSON documents and HTTP responses against the
// control plane's contract, internal/api/openapi.yaml. Tests of the API types
// (internal/api) and of the handlers (internal/controlplane/server) use it,
// so both are held to the same document the control plane serves.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// DocumentURL is where the OpenAPI document is registered in the schema
// compiler; component schemas compile as DocumentURL#/components/schemas/Name
// so that the document's internal $refs resolve.
const DocumentURL = "https://api.openclaw.dev/v1/openapi.yaml"

// SpecValidator holds the parsed OpenAPI document and compiles its schemas
// on demand. It is safe for concurrent use (parallel tests share one).
type SpecValidator struct {
	doc map[string]any

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // by JSON pointer
}

var (
	sharedOnce sync.Once
	shared     *SpecValidator
	sharedErr  error
)

// Validator returns the validator of the embedded api.OpenAPISpec, failing
// the test when the document cannot be loaded.
func Validator(t testing.TB) *SpecValidator {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Load(api.OpenAPISpec) })
	if sharedErr != nil {
		t.Fatalf("load openapi.yaml: %v", sharedErr)
	}
	return shared
}

// Load parses an OpenAPI 3.1 document given as YAML.
func Load(spec []byte) (*SpecValidator, error) {
	var raw any
	if err := yaml.Unmarshal(spec, &raw); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	// Round-trip through JSON so the document holds only JSON values
	// (json.Number, string, bool, nil, []any, map[string]any).
	js, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("YAML is not representable as JSON: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the document is not an object")
	}
	if v, _ := m["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("openapi is %q, want 3.1.x (whose schemas are JSON Schema 2020-12)", v)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(DocumentURL, doc); err != nil {
		return nil, err
	}
	return &SpecValidator{doc: m, compiler: c, schemas: map[string]*jsonschema.Schema{}}, nil
}

// Document is the parsed document (JSON values). Do not modify it.
func (v *SpecValidator) Document() map[string]any { return v.doc }

// ComponentSchema is the raw JSON of components/schemas/name, or nil.
func (v *SpecValidator) ComponentSchema(name string) map[string]any {
	s, _ := lookup(v.doc, "components", "schemas", name).(map[string]any)
	return s
}

// Resolve follows a local $ref ("#/components/...") if node is one, to the
// referenced node; other nodes are returned as they are.
func (v *SpecValidator) Resolve(node any) (any, error) {
	for range 16 {
		m, ok := node.(map[string]any)
		if !ok {
			return node, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return node, nil
		}
		target, err := v.pointer(ref)
		if err != nil {
			return nil, err
		}
		node = target
	}
	return nil, fmt.Errorf("$ref chain too long")
}

func (v *SpecValidator) pointer(ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("only local $refs are supported, got %q", ref)
	}
	var node any = v.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, tok)
		}
		if node, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, tok)
		}
	}
	return node, nil
}

// Schema compiles the schema at a JSON pointer into the document, such as
// "/components/schemas/Environment".
func (v *SpecValidator) Schema(pointer string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.schemas[pointer]; ok {
		return s, nil
	}
	frag := (&url.URL{Fragment: pointer}).EscapedFragment()
	s, err := v.compiler.Compile(DocumentURL + "#" + frag)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", pointer, err)
	}
	v.schemas[pointer] = s
	return s, nil
}

// SchemaNamed compiles components/schemas/name.
func (v *SpecValidator) SchemaNamed(name string) (*jsonschema.Schema, error) {
	if v.ComponentSchema(name) == nil {
		return nil, fmt.Errorf("openapi.yaml has no components/schemas/%s", name)
	}
	return v.Schema("/components/schemas/" + escapeToken(name))
}

// ValidateJSON validates a JSON document against components/schemas/name.
func (v *SpecValidator) ValidateJSON(name string, body []byte) error {
	s, err := v.SchemaNamed(name)
	if err != nil {
		return err
	}
	return validateBytes(s, body)
}

// ValidateSchema fails the test unless body is valid against
// components/schemas/name.
func (v *SpecValidator) ValidateSchema(t testing.TB, name string, body []byte) {
	t.Helper()
	if err := v.ValidateJSON(name, body); err != nil {
		t.Errorf("body does not match components/schemas/%s: %v\nbody: %s", name, err, truncate(body))
	}
}

// Response describes the documented response of an operation for a status.
type Response struct {
	// Key is the responses key used: the status ("404") or "default".
	Key string
	// MediaTypes are the documented content types, sorted.
	MediaTypes []string
	// SchemaPointer locates the schema of MediaTypes[0] in the document
	// ("" when the response has no content).
	SchemaPointer string
}

// FindResponse finds the operation method+pathPattern (a path template of
// the document, such as "/v1/environments/{id}") and the response it
// documents for status, falling back to "default". $refs to
// components/responses are followed.
func (v *SpecValidator) FindResponse(method, pathPattern string, status int) (*Response, error) {
	paths, _ := v.doc["paths"].(map[string]any)
	item, ok := paths[pathPattern].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi.yaml has no path %q", pathPattern)
	}
	method = strings.ToLower(method)
	op, ok := item[method].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi.yaml has no operation %s %s", strings.ToUpper(method), pathPattern)
	}
	responses, _ := op["responses"].(map[string]any)
	key := strconv.Itoa(status)
	resp, ok := responses[key]
	if !ok {
		// OpenAPI range keys (4XX) are allowed too.
		if r, ok2 := responses[key[:1]+"XX"]; ok2 {
			key, resp, ok = key[:1]+"XX", r, true
		}
	}
	if !ok {
		if resp, ok = responses["default"]; !ok {
			return nil, fmt.Errorf("%s %s documents no response %d and no default", strings.ToUpper(method), pathPattern, status)
		}
		key = "default"
	}
	base := "/paths/" + escapeToken(pathPattern) + "/" + method + "/responses/" + escapeToken(key)
	if m, ok := resp.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			base = strings.TrimPrefix(ref, "#")
		}
	}
	resolved, err := v.Resolve(resp)
	if err != nil {
		return nil, err
	}
	rm, _ := resolved.(map[string]any)
	out := &Response{Key: key}
	content, _ := rm["content"].(map[string]any)
	for mt := range content {
		out.MediaTypes = append(out.MediaTypes, mt)
	}
	slices.Sort(out.MediaTypes)
	if len(out.MediaTypes) > 0 {
		out.SchemaPointer = base + "/content/" + escapeToken(out.MediaTypes[0]) + "/schema"
	}
	return out, nil
}

// ValidateResponse fails the test unless body is what openapi.yaml documents
// for method+pathPattern answering status (or its default response). JSON
// media types are validated as JSON; others (YAML, Prometheus text) as a
// JSON string holding the body.
func (v *SpecValidator) ValidateResponse(t testing.TB, method, pathPattern string, status int, body []byte) {
	t.Helper()
	if err := v.validateResponse(method, pathPattern, status, "", body); err != nil {
		t.Errorf("%s %s → %d: %v\nbody: %s", method, pathPattern, status, err, truncate(body))
	}
}

// CheckResponse is ValidateResponse for an *http.Response whose body has
// been read into body; it also requires the Content-Type to be one the
// document lists for that response.
func (v *SpecValidator) CheckResponse(t testing.TB, method, pathPattern string, resp *http.Response, body []byte) {
	t.Helper()
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "(none)"
	}
	if err := v.validateResponse(method, pathPattern, resp.StatusCode, ct, body); err != nil {
		t.Errorf("%s %s → %d: %v\nbody: %s", method, pathPattern, resp.StatusCode, err, truncate(body))
	}
}

func (v *SpecValidator) validateResponse(method, pathPattern string, status int, contentType string, body []byte) error {
	r, err := v.FindResponse(method, pathPattern, status)
	if err != nil {
		return err
	}
	if r.SchemaPointer == "" {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("response %s documents no content, but the body is not empty", r.Key)
		}
		return nil
	}
	mediaType := r.MediaTypes[0]
	pointer := r.SchemaPointer
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || !slices.Contains(r.MediaTypes, mt) {
			return fmt.Errorf("Content-Type %q is not one of the documented %v (response %s)", contentType, r.MediaTypes, r.Key)
		}
		mediaType = mt
		pointer = strings.TrimSuffix(r.SchemaPointer, "/content/"+escapeToken(r.MediaTypes[0])+"/schema") + "/content/" + escapeToken(mt) + "/schema"
	}
	s, err := v.Schema(pointer)
	if err != nil {
		return err
	}
	if !isJSON(mediaType) {
		return s.Validate(string(body))
	}
	if err := validateBytes(s, body); err != nil {
		return fmt.Errorf("response %s (%s): %w", r.Key, mediaType, err)
	}
	return nil
}

func validateBytes(s *jsonschema.Schema, body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return s.Validate(doc)
}

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func lookup(node any, path ...string) any {
	for _, p := range path {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[p]
	}
	return node
}

func truncate(b []byte) string {
	const n = 2000
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
