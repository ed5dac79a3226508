package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// encoding/json accepts what this API refuses: it replaces invalid UTF-8
// (and lone surrogate escapes) with U+FFFD, and the last of two equal keys
// wins. checkStrictJSON scans the raw body first and names the field; it
// leaves syntax errors to the decoder, whose messages say where they are.

// maxStrictDepth bounds the scan's recursion; deeper bodies are left to the
// decoder, which refuses them.
const maxStrictDepth = 1000

// checkStrictJSON reports the first string that is not valid UTF-8 and the
// first duplicate key, by JSON path. t is the Go type the body decodes into:
// struct fields match keys case-insensitively, as the decoder does, so
// "name" and "NAME" are the same key there.
func checkStrictJSON(body []byte, t reflect.Type) *api.FieldError {
	s := &strictScanner{b: body}
	s.skipSpace()
	fe, _ := s.value(t, "", 0)
	return fe
}

type strictScanner struct {
	b []byte
	i int
}

func (s *strictScanner) skipSpace() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value scans one JSON value at the cursor. ok is false on a syntax error:
// the scan stops and the decoder reports it.
func (s *strictScanner) value(t reflect.Type, at string, depth int) (fe *api.FieldError, ok bool) {
	if depth > maxStrictDepth || s.i >= len(s.b) {
		return nil, false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch s.b[s.i] {
	case '{':
		return s.object(t, at, depth)
	case '[':
		return s.array(t, at, depth)
	case '"':
		_, fe, ok := s.str(at)
		return fe, ok
	}
	// A number or literal: the decoder checks it.
	for s.i < len(s.b) && !strings.ContainsRune(",]} \t\r\n", rune(s.b[s.i])) {
		s.i++
	}
	return nil, true
}

func (s *strictScanner) object(t reflect.Type, at string, depth int) (*api.FieldError, bool) {
	s.i++ // {
	seen := map[string]string{}
	for first := true; ; first = false {
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, false
		}
		if s.b[s.i] == '}' {
			s.i++
			return nil, true
		}
		if !first {
			if s.b[s.i] != ',' {
				return nil, false
			}
			s.i++
			s.skipSpace()
		}
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, false
		}
		key, fe, ok := s.str(at)
		if fe != nil {
			// The key itself is not UTF-8: name the object holding it.
			fe.Field = at
			fe.Message = "has a key that is not valid UTF-8"
			return fe, true
		}
		if !ok {
			return nil, false
		}
		path := joinPath(at, key)
		var elem reflect.Type
		same := key
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				if f, found := jsonFieldOf(t, key); found {
					elem = f.Type
					same = strings.ToLower(key)
				}
			case reflect.Map:
				elem = t.Elem()
			}
		}
		if prev, dup := seen[same]; dup {
			msg := "appears twice in the same object; send each key once"
			if prev != key {
				msg = fmt.Sprintf("and %q name the same field; send it once", prev)
			}
			return &api.FieldError{Field: path, Message: msg}, true
		}
		seen[same] = key
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, false
		}
		s.i++
		s.skipSpace()
		if fe, ok := s.value(elem, path, depth+1); fe != nil || !ok {
			return fe, ok
		}
	}
}

func (s *strictScanner) array(t reflect.Type, at string, depth int) (*api.FieldError, bool) {
	s.i++ // [
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for n := 0; ; n++ {
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, false
		}
		if s.b[s.i] == ']' {
			s.i++
			return nil, true
		}
		if n > 0 {
			if s.b[s.i] != ',' {
				return nil, false
			}
			s.i++
			s.skipSpace()
		}
		if fe, ok := s.value(elem, fmt.Sprintf("%s[%d]", at, n), depth+1); fe != nil || !ok {
			return fe, ok
		}
	}
}

// str scans a string literal and returns its decoded value. Raw bytes must
// be UTF-8 and \u escapes must not leave a surrogate half alone.
func (s *strictScanner) str(at string) (string, *api.FieldError, bool) {
	s.i++ // opening quote
	var out strings.Builder
	bad := func() (string, *api.FieldError, bool) {
		return "", &api.FieldError{Field: at, Message: "is not valid UTF-8 text; send strings as UTF-8"}, true
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out.String(), nil, true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return "", nil, false
			}
			if s.b[s.i+1] != 'u' {
				out.WriteByte(unescape(s.b[s.i+1]))
				s.i += 2
				continue
			}
			r, ok := s.hex4(s.i + 2)
			if !ok {
				return "", nil, false
			}
			s.i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					r2, ok = s.hex4(s.i + 2)
				}
				if !ok || utf16.DecodeRune(r, r2) == utf8.RuneError {
					return bad()
				}
				s.i += 6
				r = utf16.DecodeRune(r, r2)
			}
			out.WriteRune(r)
		case c < 0x20:
			return "", nil, false // the decoder reports control characters
		case c < utf8.RuneSelf:
			out.WriteByte(c)
			s.i++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return bad()
			}
			out.WriteRune(r)
			s.i += size
		}
	}
	return "", nil, false
}

func (s *strictScanner) hex4(at int) (rune, bool) {
	if at+4 > len(s.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s.b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	}
	return c // " \ /
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// locateFieldError finds the field whose value fails to decode into t when
// the decoder's error does not say (a time.Time that is not RFC 3339, say):
// it decodes the body field by field. It returns "" when it cannot tell.
func locateFieldError(body []byte, t reflect.Type, prefix string) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
		return "", nil
	}
	// Not an object (the decoder reports that itself): nothing to locate.
	obj, ok := rawObject(body)
	if !ok {
		return "", nil
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[key]
		var ft reflect.Type
		if t.Kind() == reflect.Map {
			ft = t.Elem()
		} else if f, ok := jsonFieldOf(t, key); ok {
			ft = f.Type
		} else {
			continue
		}
		v := reflect.New(ft)
		err := json.Unmarshal(raw, v.Interface())
		if err == nil {
			continue
		}
		if inner, innerErr := locateFieldError(bytes.TrimSpace(raw), ft, joinPath(prefix, key)); inner != "" {
			return inner, innerErr
		}
		return joinPath(prefix, key), err
	}
	return "", nil
}

// rawObject splits a JSON object into its members, or reports false.
func rawObject(body []byte) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	return obj, json.Unmarshal(body, &obj) == nil
}
