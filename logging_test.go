package main

import (
	"slices"
	"testing"
)

func TestLogsOff(t *testing.T) {
	cases := []struct {
		name    string
		environ []string
		off     bool
	}{
		{"nothing asked", []string{"PATH=/bin", "HOME=/root"}, true},
		{"empty TF_LOG counts as unset", []string{"TF_LOG="}, true},
		{"TF_LOG_PATH alone logs nothing in Terraform", []string{"TF_LOG_PATH=/tmp/x"}, true},
		{"TF_LOG_CORE is core only", []string{"TF_LOG_CORE=TRACE"}, true},
		{"TF_LOG", []string{"TF_LOG=TRACE"}, false},
		{"TF_LOG=OFF is still a choice", []string{"TF_LOG=OFF"}, false},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=DEBUG"}, false},
		{"TF_LOG_PROVIDER_OPENCLAW", []string{"TF_LOG_PROVIDER_OPENCLAW=TRACE"}, false},
		{"TF_LOG_SDK_FRAMEWORK", []string{"TF_LOG_SDK_FRAMEWORK=TRACE"}, false},
		{"TF_LOG_SDK_PROTO", []string{"TF_LOG_SDK_PROTO=WARN"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := logsOff(tc.environ)
			if tc.off && !slices.Equal(got, unaskedLogVariables) {
				t.Fatalf("logsOff(%q) = %q, want all unasked loggers off", tc.environ, got)
			}
			if !tc.off && got != nil {
				t.Fatalf("logsOff(%q) = %q, want logging left as configured", tc.environ, got)
			}
		})
	}
}
