package api

import "time"

// Inference backends a GPU pool can run. vLLM, SGLang and llama.cpp serve
// OpenAI-compatible APIs under /v1; Ollama's native API has no /v1.
var GPUBackends = []string{"vllm", "sglang", "ollama", "llamacpp"}

// Capacity types.
const (
	CapacityOnDemand = "on_demand"
	CapacitySpot     = "spot"
)

// CapacityTypes are the ways GPU capacity is bought.
var CapacityTypes = []string{CapacityOnDemand, CapacitySpot}

// GPU pool states.
const (
	PoolStatusProvisioning = "provisioning"
	PoolStatusRunning      = "running"
	PoolStatusUpdating     = "updating"
	PoolStatusDeleting     = "deleting"
	// PoolStatusStopped: scaled to zero while its environment is powered
	// off (a shutdown schedule or a manual power action).
	PoolStatusStopped = "stopped"
	PoolStatusFailed  = "failed"
)

// GPUType is one entry of the GPU catalog.
type GPUType struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	MemoryGB    int64  `json:"memory_gb"`
	// Regions where the type is offered, with prices and capacity.
	Regions []GPUOffer `json:"regions"`
}

// GPUOffer is a GPU type's price and capacity in one region.
type GPUOffer struct {
	Region string `json:"region"`
	// Hourly prices in USD per GPU.
	OnDemandHourly float64 `json:"on_demand_hourly"`
	SpotHourly     float64 `json:"spot_hourly"`
	// CapacityGPUs is what the simulator holds in total; AvailableGPUs
	// what is not allocated to pools right now.
	CapacityGPUs  GPUCount `json:"capacity_gpus"`
	AvailableGPUs GPUCount `json:"available_gpus"`
}

// GPUCount counts GPUs per capacity type.
type GPUCount struct {
	OnDemand int64 `json:"on_demand"`
	Spot     int64 `json:"spot"`
}

// Autoscaling bounds a pool's node count; the autoscaler moves
// current_nodes within them.
type Autoscaling struct {
	MinNodes int64 `json:"min_nodes"`
	MaxNodes int64 `json:"max_nodes"`
}

// CapacityChoice is one (gpu_type, capacity_type) a pool may run on.
type CapacityChoice struct {
	GPUType      string `json:"gpu_type"`
	CapacityType string `json:"capacity_type"`
}

// PoolModel is a model served by a pool, registered with the gateway.
type PoolModel struct {
	ID            string `json:"id"`
	ContextWindow int64  `json:"context_window,omitempty"`
	MaxTokens     int64  `json:"max_tokens,omitempty"`
}

// GPUPool is a set of inference nodes attached to one environment and
// registered in its gateway as the model provider provider_id.
type GPUPool struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	EnvironmentID         string            `json:"environment_id"`
	ProviderID            string            `json:"provider_id"`
	Backend               string            `json:"backend"`
	GPUType               string            `json:"gpu_type"`
	GPUsPerNode           int64             `json:"gpus_per_node"`
	CapacityType          string            `json:"capacity_type"`
	NodeCount             *int64            `json:"node_count,omitempty"`
	Autoscaling           *Autoscaling      `json:"autoscaling,omitempty"`
	CapacityFallback      []CapacityChoice  `json:"capacity_fallback"`
	Models                []PoolModel       `json:"models"`
	IdleStopSeconds       int64             `json:"idle_stop_seconds"`
	Labels                map[string]string `json:"labels"`
	Status                string            `json:"status"`
	CurrentNodes          int64             `json:"current_nodes"`
	EffectiveGPUType      string            `json:"effective_gpu_type"`
	EffectiveCapacityType string            `json:"effective_capacity_type"`
	BaseURL               string            `json:"base_url"`
	HourlyCost            float64           `json:"hourly_cost"`
	ETag                  string            `json:"etag"`
	CreatedAt             time.Time         `json:"created_at"`
	UpdatedAt             time.Time         `json:"updated_at"`
}

// GPUPoolCreate is the body of POST /v1/gpu-pools. Exactly one of
// node_count and autoscaling.
type GPUPoolCreate struct {
	Name             string            `json:"name"`
	EnvironmentID    string            `json:"environment_id"`
	ProviderID       string            `json:"provider_id"`
	Backend          string            `json:"backend"`
	GPUType          string            `json:"gpu_type"`
	GPUsPerNode      int64             `json:"gpus_per_node,omitempty"`
	CapacityType     string            `json:"capacity_type,omitempty"`
	NodeCount        *int64            `json:"node_count,omitempty"`
	Autoscaling      *Autoscaling      `json:"autoscaling,omitempty"`
	CapacityFallback []CapacityChoice  `json:"capacity_fallback,omitempty"`
	Models           []PoolModel       `json:"models,omitempty"`
	IdleStopSeconds  int64             `json:"idle_stop_seconds,omitempty"`
	Labels           map[string]string `json:"labels,omitempty"`
}

// GPUPoolUpdate is the body of PATCH /v1/gpu-pools/{id}. Sending node_count
// switches the pool to a fixed size; sending autoscaling switches it to
// autoscaling; sending both is refused.
type GPUPoolUpdate struct {
	Backend          *string            `json:"backend,omitempty"`
	GPUType          *string            `json:"gpu_type,omitempty"`
	GPUsPerNode      *int64             `json:"gpus_per_node,omitempty"`
	CapacityType     *string            `json:"capacity_type,omitempty"`
	NodeCount        *int64             `json:"node_count,omitempty"`
	Autoscaling      *Autoscaling       `json:"autoscaling,omitempty"`
	CapacityFallback *[]CapacityChoice  `json:"capacity_fallback,omitempty"`
	Models           *[]PoolModel       `json:"models,omitempty"`
	IdleStopSeconds  *int64             `json:"idle_stop_seconds,omitempty"`
	Labels           *map[string]string `json:"labels,omitempty"`
}

// SimulatedLoad is the body of the simulator's autoscaler trigger.
type SimulatedLoad struct {
	CurrentNodes int64 `json:"current_nodes"`
}
