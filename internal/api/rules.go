package api

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The rules both sides enforce: the control plane on every request, the
// provider at plan time (its validators are built from these values). Each
// rule is written here once; a test in internal/provider proves that the
// plan refuses exactly what the control plane refuses.

// Patterns of names and keys.
var (
	// NamePattern: resource names are DNS labels.
	NamePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	// LabelKeyPattern: 1-63 characters, starting with a letter.
	LabelKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_./-]{0,62}$`)
	// SecretNamePattern: secrets become environment variables of the gateway.
	SecretNamePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,127}$`)
	// ProviderIDPattern: a GPU pool becomes models.providers.<provider_id>.
	ProviderIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	// RegionPattern is the syntax of region IDs (which exist is the
	// control plane's list).
	RegionPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// What each pattern means, in the words both sides report.
const (
	NameRule       = "must be a DNS label: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"
	LabelKeyRule   = "label keys are 1-63 characters of lowercase letters, digits, '_', '.', '-' and '/', starting with a letter"
	SecretNameRule = "secret names are environment variable names: uppercase letters, digits and '_', not starting with a digit"
	ProviderIDRule = "must be 1-40 characters of lowercase letters, digits and hyphens, starting with a letter: it becomes models.providers.<provider_id> in the gateway"
)

// Limits.
const (
	MaxNameLen       = 40
	MaxLabels        = 64
	MaxLabelValueLen = 255
	MaxSecrets       = 100
	MaxSecretBytes   = 64 << 10

	MinCPUs          = 1
	MaxCPUs          = 64
	MinMemoryMB      = 1024
	MaxMemoryMB      = 524288
	MemoryStepMB     = 256
	MinStateVolumeGB = 1
	MaxStateVolumeGB = 16384

	MaxPoolNodes        = 64
	MaxPoolModels       = 32
	MaxModelIDLen       = 128
	MaxCapacityFallback = 8
	MaxIdleStopSeconds  = 7 * 24 * 3600
)

// GPUsPerNodeChoices are the node shapes GPU pools come in.
var GPUsPerNodeChoices = []int64{1, 2, 4, 8}

func fieldErr(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ValidateName checks a resource name.
func ValidateName(field, name string) []FieldError {
	switch {
	case name == "":
		return []FieldError{fieldErr(field, "is required")}
	case len(name) > MaxNameLen:
		return []FieldError{fieldErr(field, "must be at most %d characters, got %d", MaxNameLen, len(name))}
	case !NamePattern.MatchString(name):
		return []FieldError{fieldErr(field, NameRule)}
	}
	return nil
}

// ValidateLabels checks a labels map; errors name labels.<key>.
func ValidateLabels(labels map[string]string) []FieldError {
	var errs []FieldError
	if len(labels) > MaxLabels {
		errs = append(errs, fieldErr("labels", "at most %d labels, got %d", MaxLabels, len(labels)))
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if !LabelKeyPattern.MatchString(k) {
			errs = append(errs, fieldErr("labels."+k, LabelKeyRule))
		}
		if len(labels[k]) > MaxLabelValueLen {
			errs = append(errs, fieldErr("labels."+k, "label values are at most %d characters", MaxLabelValueLen))
		}
	}
	return errs
}

// ValidateSecrets checks an environment's secrets; errors name secrets.<name>.
func ValidateSecrets(secrets map[string]string) []FieldError {
	var errs []FieldError
	if len(secrets) > MaxSecrets {
		errs = append(errs, fieldErr("secrets", "at most %d secrets, got %d", MaxSecrets, len(secrets)))
	}
	for _, k := range slices.Sorted(maps.Keys(secrets)) {
		if !SecretNamePattern.MatchString(k) {
			errs = append(errs, fieldErr("secrets."+k, SecretNameRule))
		}
		if v := secrets[k]; v == "" || len(v) > MaxSecretBytes {
			errs = append(errs, fieldErr("secrets."+k, "secret values are 1 to %d bytes", MaxSecretBytes))
		}
	}
	return errs
}

// ValidateSize checks an environment's size.
func ValidateSize(sz Size) []FieldError {
	var errs []FieldError
	if sz.CPUs < MinCPUs || sz.CPUs > MaxCPUs {
		errs = append(errs, fieldErr("size.cpus", "must be between %d and %d, got %d", MinCPUs, MaxCPUs, sz.CPUs))
	}
	if sz.MemoryMB < MinMemoryMB || sz.MemoryMB > MaxMemoryMB || sz.MemoryMB%MemoryStepMB != 0 {
		errs = append(errs, fieldErr("size.memory_mb", "must be a multiple of %d between %d and %d, got %d", MemoryStepMB, MinMemoryMB, MaxMemoryMB, sz.MemoryMB))
	}
	return errs
}

// ValidateStateVolume checks an environment's state volume size.
func ValidateStateVolume(gb int64) []FieldError {
	if gb < MinStateVolumeGB || gb > MaxStateVolumeGB {
		return []FieldError{fieldErr("state_volume_gb", "must be between %d and %d, got %d", MinStateVolumeGB, MaxStateVolumeGB, gb)}
	}
	return nil
}

// ValidateDesiredState checks desired_state.
func ValidateDesiredState(v string) []FieldError {
	if v != DesiredRunning && v != DesiredStopped {
		return []FieldError{fieldErr("desired_state", "must be %q or %q, got %q", DesiredRunning, DesiredStopped, v)}
	}
	return nil
}

// ValidateProviderID checks a GPU pool's provider_id.
func ValidateProviderID(id string) []FieldError {
	if !ProviderIDPattern.MatchString(id) {
		return []FieldError{fieldErr("provider_id", ProviderIDRule)}
	}
	return nil
}

// ValidatePoolShape checks what a GPU pool's spec says without the catalog:
// backend, node shape, sizing, list lengths, models and idle stop. Catalog
// checks (GPU types, regions) are the control plane's.
func ValidatePoolShape(backend string, gpusPerNode int64, nodeCount *int64, a *Autoscaling, fallbacks int, models []PoolModel, idleStop int64) []FieldError {
	var errs []FieldError
	if !slices.Contains(GPUBackends, backend) {
		errs = append(errs, fieldErr("backend", "must be one of %s, got %q", strings.Join(GPUBackends, ", "), backend))
	}
	if !slices.Contains(GPUsPerNodeChoices, gpusPerNode) {
		errs = append(errs, fieldErr("gpus_per_node", "must be 1, 2, 4 or 8, got %d", gpusPerNode))
	}
	switch {
	case nodeCount != nil && a != nil:
		errs = append(errs, fieldErr("node_count", "node_count and autoscaling are mutually exclusive; set one"))
	case nodeCount == nil && a == nil:
		errs = append(errs, fieldErr("node_count", "set node_count for a fixed size or autoscaling for a range"))
	case nodeCount != nil && (*nodeCount < 0 || *nodeCount > MaxPoolNodes):
		errs = append(errs, fieldErr("node_count", "must be between 0 and %d, got %d", MaxPoolNodes, *nodeCount))
	case a != nil:
		if a.MinNodes < 0 || a.MinNodes > MaxPoolNodes {
			errs = append(errs, fieldErr("autoscaling.min_nodes", "must be between 0 and %d, got %d", MaxPoolNodes, a.MinNodes))
		}
		if a.MaxNodes < 1 || a.MaxNodes > MaxPoolNodes {
			errs = append(errs, fieldErr("autoscaling.max_nodes", "must be between 1 and %d, got %d", MaxPoolNodes, a.MaxNodes))
		}
		if a.MinNodes > a.MaxNodes {
			errs = append(errs, fieldErr("autoscaling.min_nodes", "must not exceed max_nodes (%d > %d)", a.MinNodes, a.MaxNodes))
		}
	}
	if fallbacks > MaxCapacityFallback {
		errs = append(errs, fieldErr("capacity_fallback", "at most %d choices", MaxCapacityFallback))
	}
	if len(models) > MaxPoolModels {
		errs = append(errs, fieldErr("models", "at most %d models", MaxPoolModels))
	}
	seen := map[string]bool{}
	for i, m := range models {
		f := fmt.Sprintf("models[%d]", i)
		if m.ID == "" || len(m.ID) > MaxModelIDLen {
			errs = append(errs, fieldErr(f+".id", "must be 1 to %d characters", MaxModelIDLen))
		} else if seen[m.ID] {
			errs = append(errs, fieldErr(f+".id", "model %q is listed twice", m.ID))
		}
		seen[m.ID] = true
		if m.ContextWindow < 0 || m.MaxTokens < 0 {
			errs = append(errs, fieldErr(f, "context_window and max_tokens must not be negative"))
		}
		if m.ContextWindow > 0 && m.MaxTokens > m.ContextWindow {
			errs = append(errs, fieldErr(f+".max_tokens", "must not exceed context_window (%d > %d)", m.MaxTokens, m.ContextWindow))
		}
	}
	if idleStop < 0 || idleStop > MaxIdleStopSeconds {
		errs = append(errs, fieldErr("idle_stop_seconds", "must be between 0 (never) and %d, got %d", MaxIdleStopSeconds, idleStop))
	}
	return errs
}
