package main

import "strings"

// sdkLogVariables are the levels terraform-plugin-go and
// terraform-plugin-framework read for their own (SDK) loggers.
var sdkLogVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// sdkLogsOff returns the SDK log variables to set to OFF when the user asked
// for no logs at all: no TF_LOG, no TF_LOG_PROVIDER* and no TF_LOG_SDK*.
//
// The SDKs format every TRACE line even when Terraform discards it, which is
// a third of the provider's CPU in a large plan
// (hashicorp/terraform-plugin-framework#1269). When any of those variables
// is set, logging is left exactly as configured.
func sdkLogsOff(environ []string) []string {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" {
			continue
		}
		if name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER") || strings.HasPrefix(name, "TF_LOG_SDK") {
			return nil
		}
	}
	return sdkLogVariables
}
