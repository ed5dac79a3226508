package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const (
	defaultPageSize = 100
	maxPageSize     = 500
)

func pageSize(n int) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return n
}

// Page tokens are the base64url encoding of the last ID of the previous
// page and its CRC32; lists continue after it (IDs sort in creation order).
// The checksum makes a mangled or made-up token an error instead of a
// silently different page.
func encodeToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastID + "~" + tokenSum(lastID)))
}

func tokenSum(s string) string {
	return fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte("openclaw-page:"+s)))
}

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 || len(b) > 256 {
		return "", fmt.Errorf("%w: %q", store.ErrInvalidPageToken, tok)
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return "", fmt.Errorf("%w: %q", store.ErrInvalidPageToken, tok)
		}
	}
	id, sum, ok := strings.Cut(string(b), "~")
	if !ok || id == "" || sum != tokenSum(id) {
		return "", fmt.Errorf("%w: %q", store.ErrInvalidPageToken, tok)
	}
	return id, nil
}

func decodeIntToken(tok string) (int64, error) {
	s, err := decodeToken(tok)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %q", store.ErrInvalidPageToken, tok)
	}
	return n, nil
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// inList is the placeholders and arguments of an IN list of these values.
func inList(values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return placeholders(len(values)), args
}

// jsonArg passes a JSON document; empty means NULL.
func jsonArg(doc json.RawMessage) any {
	if len(doc) == 0 {
		return nil
	}
	return string(doc)
}

// jsonOut returns a stored JSON document; NULL reads back as nil.
func jsonOut(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// blobArg passes a nullable blob; empty means NULL (and reads back nil).
func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// bytesArg passes a NOT NULL blob.
func bytesArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

func encodeMap(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}
