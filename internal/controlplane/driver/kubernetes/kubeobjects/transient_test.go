package kubeobjects

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// An API server that cannot be reached gives an error that names what was
// being done, says where it tried, and counts as transient.
func TestApplyUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: "https://" + addr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Apply(ctx, cs, testSpec())
	if err == nil {
		t.Fatal("Apply against a closed port succeeded")
	}
	if !IsTransient(err) {
		t.Errorf("IsTransient(%v) = false, want true", err)
	}
	for _, want := range []string{"StatefulSet tenants/" + Name(testSpec().EnvironmentID), addr} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if err := Delete(ctx, cs, "tenants", testSpec().EnvironmentID); err == nil || !IsTransient(err) {
		t.Errorf("Delete against a closed port = %v, want a transient error", err)
	}
}

func TestIsTransient(t *testing.T) {
	gr := schema.GroupResource{Group: "apps", Resource: "statefulsets"}
	bad := testSpec()
	bad.CPUs = 0
	cases := map[string]struct {
		err  error
		want bool
	}{
		"nil":                 {nil, false},
		"invalid spec":        {bad.Validate(), false},
		"resize refused":      {errors.Join(ErrResizeRefused, apierrors.NewForbidden(gr, "x", errors.New("no"))), false},
		"forbidden":           {apierrors.NewForbidden(gr, "x", errors.New("no")), false},
		"invalid":             {apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "StatefulSet"}, "x", nil), false},
		"not found":           {apierrors.NewNotFound(gr, "x"), false},
		"server timeout":      {apierrors.NewServerTimeout(gr, "apply", 1), true},
		"too many requests":   {apierrors.NewTooManyRequests("slow down", 1), true},
		"service unavailable": {apierrors.NewServiceUnavailable("etcd"), true},
		"internal":            {apierrors.NewInternalError(errors.New("boom")), true},
		"deadline":            {context.DeadlineExceeded, true},
	}
	for name, tc := range cases {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}
