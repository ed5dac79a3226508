package api

// Scopes an API key can carry. The set is closed: the control plane refuses
// others and the provider rejects others at plan time.
const (
	ScopeEnvironmentsRead  = "environments:read"
	ScopeEnvironmentsWrite = "environments:write"
	ScopeGPUPoolsRead      = "gpu_pools:read"
	ScopeGPUPoolsWrite     = "gpu_pools:write"
	ScopeAPIKeysManage     = "api_keys:manage"
	ScopeSchedulesRead     = "schedules:read"
	ScopeSchedulesWrite    = "schedules:write"
	ScopeSnapshotsRead     = "snapshots:read"
	ScopeSnapshotsWrite    = "snapshots:write"
	ScopeAdmin             = "admin"
)

// ScopeDescriptions documents every scope; its keys are the closed set.
var ScopeDescriptions = map[string]string{
	ScopeEnvironmentsRead:  "read environments and their operations",
	ScopeEnvironmentsWrite: "create, change and delete environments (implies environments:read)",
	ScopeGPUPoolsRead:      "read GPU pools and the GPU catalog",
	ScopeGPUPoolsWrite:     "create, change and delete GPU pools (implies gpu_pools:read)",
	ScopeAPIKeysManage:     "create, read, change and revoke API keys",
	ScopeSchedulesRead:     "read shutdown schedules",
	ScopeSchedulesWrite:    "create, change and delete shutdown schedules (implies schedules:read)",
	ScopeSnapshotsRead:     "read data snapshots",
	ScopeSnapshotsWrite:    "create, restore and delete data snapshots (implies snapshots:read)",
	ScopeAdmin:             "everything, including the audit log",
}

// ScopeImplies lists what a scope grants beyond itself.
var ScopeImplies = map[string][]string{
	ScopeEnvironmentsWrite: {ScopeEnvironmentsRead},
	ScopeGPUPoolsWrite:     {ScopeGPUPoolsRead},
	ScopeSchedulesWrite:    {ScopeSchedulesRead},
	ScopeSnapshotsWrite:    {ScopeSnapshotsRead},
}
