package main

import "strings"

// unaskedLogVariables are the levels of the loggers that write whether or
// not anyone reads them: terraform-plugin-go's and terraform-plugin-framework's
// own (SDK) loggers, and the provider's root logger (which the client
// subsystem follows). terraform-plugin-log defaults each to TRACE and
// Terraform discards what it is not asked for.
var unaskedLogVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"}

// logsOff returns the log variables to set to OFF when the user asked for no
// logs at all: no TF_LOG, no TF_LOG_PROVIDER* and no TF_LOG_SDK*.
//
// The SDKs format every TRACE line even when Terraform discards it, which is
// a third of the provider's CPU in a large plan
// (hashicorp/terraform-plugin-framework#1269); the provider's own TRACE
// lines (every HTTP exchange, bodies redacted) cost a further tenth, and
// Terraform parses each line before dropping it. When any of those variables
// is set, logging is left exactly as configured.
func logsOff(environ []string) []string {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" {
			continue
		}
		if name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER") || strings.HasPrefix(name, "TF_LOG_SDK") {
			return nil
		}
	}
	return unaskedLogVariables
}
