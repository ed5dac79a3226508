package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Seeds live in testdata/fuzz/<target>; `make test` runs them, `make fuzz`
// explores from them.

// FuzzDecodeJSON: any body is either decoded or refused with a 4xx problem
// (never a panic or a 500), and what is accepted is strict JSON.
func FuzzDecodeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&api.EnvironmentCreate{}, &api.GPUPoolCreate{}, &api.APIKeyCreate{}, &api.EnvironmentUpdate{}} {
			r := httptest.NewRequest(http.MethodPost, "/v1/x", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxBodyBytes)
			err := decodeJSON(r, dst, map[string]string{"status": "is read-only"})
			if err == nil {
				if !json.Valid(body) || !utf8.Valid(body) {
					t.Fatalf("accepted a body that is not valid UTF-8 JSON: %q", body)
				}
				if fe := checkStrictJSON(body, nil); fe != nil {
					t.Fatalf("accepted %q although %s %s", body, fe.Field, fe.Message)
				}
				continue
			}
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("%q: %v is not a problem (it would be a 500)", body, err)
			}
			if s := ae.problem.Status; s != http.StatusBadRequest && s != http.StatusRequestEntityTooLarge {
				t.Fatalf("%q: status %d", body, s)
			}
			if ae.problem.Detail == "" || !utf8.ValidString(ae.problem.Detail) {
				t.Fatalf("%q: detail %q", body, ae.problem.Detail)
			}
			for _, fe := range ae.problem.Errors {
				if fe.Message == "" || !utf8.ValidString(fe.Field) {
					t.Fatalf("%q: field error %+v", body, fe)
				}
			}
		}
	})
}

// FuzzStrictJSON checks the scanner against encoding/json: on valid JSON
// without \u escapes, it refuses exactly the bodies with invalid UTF-8 or
// a key given twice in one object.
func FuzzStrictJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		fe := checkStrictJSON(body, nil)
		if !json.Valid(body) || bytes.Contains(body, []byte(`\u`)) {
			return
		}
		want := !utf8.Valid(body) || hasDuplicateKey(body)
		if (fe != nil) != want {
			t.Fatalf("%q: scanner says %+v, want refusal %v", body, fe, want)
		}
	})
}

// hasDuplicateKey walks the tokens of valid JSON with a stack of key sets.
func hasDuplicateKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.isObject {
					top.wantKey = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, isObject: v == '{', wantKey: true})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.isObject && top.wantKey {
				// Invalid UTF-8 keys decode to U+FFFD: compare what the
				// decoder would compare.
				k := strings.ToValidUTF8(v, "\uFFFD")
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.wantKey = false
				continue
			}
			if top != nil && top.isObject {
				top.wantKey = true
			}
		default:
			if top != nil && top.isObject {
				top.wantKey = true
			}
		}
	}
}
