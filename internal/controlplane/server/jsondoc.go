package server

import (
	"encoding/json"
	"fmt"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Specs and statuses are stored as JSON documents; these keep their
// encoding in one place.

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}

// jsonEqual compares two documents as they would be stored.
func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// orEmpty makes a nil map an empty one: the API always sends {} for labels.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// orEmptySlice makes a nil list an empty one: the API always sends [].
func orEmptySlice[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// editStatus applies fn to a resource's status document decoded as T.
func editStatus[T any](res *store.Resource, fn func(*T)) error {
	var st T
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return err
	}
	fn(&st)
	res.Status = mustJSON(st)
	return nil
}
