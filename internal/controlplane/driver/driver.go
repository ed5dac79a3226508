// Package driver is the control plane's provisioning interface. The server
// provisions only through it; two implementations exist:
//
//   - simulator (internal/controlplane/simulator): nothing runs; transitions
//     take a configurable delay, fail on request, and state directories are
//     written as a real gateway would read them.
//   - process (internal/controlplane/driver/process): one real `openclaw
//     gateway` process per running environment on this machine.
//   - kubernetes (internal/controlplane/driver/kubernetes): a StatefulSet
//     per environment on a cluster.
//
// A driver has two halves: Gateways (one OpenClaw gateway per environment)
// and GPUNodes (the model servers of GPU pools). GPU nodes are simulated by
// both drivers (there are no GPUs here); their half is separate so a cloud
// GPU backend or a Kubernetes driver can replace it without touching the
// server. docs/guides/drivers.md explains how a Kubernetes driver would map.
//
// Calls are made from the control plane's operation engine, whose steps must
// return quickly: Start and Stop begin a transition and return; the caller
// polls Health until the gateway is PhaseReady or PhaseStopped.
package driver

import (
	"context"
	"errors"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Driver is one provisioning backend.
type Driver interface {
	// Name is the driver's name: "simulator", "process" or "kubernetes".
	Name() string
	Gateways() Gateways
	GPUNodes() GPUNodes
	// Simulated returns the simulator-only features (fault labels, delays,
	// the autoscaler endpoint), or nil when this driver does not offer them.
	Simulated() Simulated
	// Close stops the driver's own background work. Whether gateways keep
	// running is the driver's configuration (the process driver leaves them
	// running by default, to be adopted by the next start).
	Close() error
}

// Gateways runs OpenClaw gateways, one per environment, each with its own
// state directory.
type Gateways interface {
	// Versions lists the OpenClaw versions this driver can run, newest
	// first; nil means any version (the simulator runs nothing).
	Versions() []string
	// DefaultVersion is the version an environment on channel gets when it
	// names none; "" leaves the choice to the control plane's release list.
	DefaultVersion(channel string) string
	// Provision creates or rewrites the gateway's state directory and its
	// openclaw.json from g. It is idempotent and keeps user files. It neither
	// starts nor stops the gateway: a running gateway applies the new config
	// itself (OpenClaw's config reload).
	Provision(ctx context.Context, g Gateway) error
	// Start launches the gateway on its existing state directory and returns
	// without waiting for readiness (poll Health). A gateway already running
	// with the same launch inputs (version, secret values, token) is kept or
	// adopted; with other inputs it is drained and launched again.
	Start(ctx context.Context, g Gateway) error
	// Stop drains the gateway: SIGTERM (or the platform's equivalent), then
	// a kill when it is still running after drain. It returns at once; poll
	// Health for PhaseStopped. Stopping a stopped gateway does nothing.
	Stop(ctx context.Context, id string, drain time.Duration) error
	// Delete removes the state directory of a stopped gateway (ErrRunning
	// when it still runs) and everything the driver kept for it.
	Delete(ctx context.Context, id string) error
	// Health is what the driver observes now.
	Health(ctx context.Context, id string) (Health, error)
	// URL is the address the gateway answers on (or will, once started).
	URL(g Gateway) string
	// Logs returns up to tail of the gateway's most recent log lines, oldest
	// first. ErrNotSupported when the driver runs no gateway process.
	Logs(ctx context.Context, id string, tail int) ([]string, error)
	// Backup writes an archive of the gateway's state directory into dir
	// (safe while the gateway runs) and describes it. A driver that cannot
	// returns an error wrapping ErrNotSupported (and implements
	// BackupSupport, so snapshots are refused before they are queued).
	Backup(ctx context.Context, id, dir string) (Backup, error)
	// Restore unpacks archive (one Backup of this driver wrote) into the
	// state directory of id, which must not exist yet (a restore always
	// writes a fresh directory; activating it is starting that
	// environment): an error wrapping ErrStateExists when it does. On any
	// other error no state directory is left.
	Restore(ctx context.Context, id, archive string) error
	// Events delivers what the driver observed on its own: a gateway that
	// crashed and was restarted, or failed for good. nil when it never does.
	Events() <-chan Event
}

// GPUNodes runs the model servers of GPU pools.
type GPUNodes interface {
	// Allocate picks the first capacity choice that has room for nodes ×
	// gpusPerNode GPUs in region given what is used; tried lists the choices
	// that did not fit before it. A *NoCapacityError lists every attempt.
	Allocate(req Placement) (chosen Choice, tried []Attempt, err error)
	// Free is how many GPUs of a capacity bucket are not allocated.
	Free(cat gpucatalog.Catalog, used Usage, k UsageKey) int64
	// Scale brings the pool's nodes to p.Nodes (starting them the first
	// time) and returns the base URL its model server answers on.
	Scale(ctx context.Context, p Pool) (baseURL string, err error)
	// Release stops the pool's nodes. Releasing an unknown pool does nothing.
	Release(ctx context.Context, poolID string) error
	// BaseURL is the URL the gateway is given for the pool.
	BaseURL(p Pool) string
}

// Simulated are the simulator-only features.
type Simulated interface {
	// Delay is how long a transition of a resource with these labels takes.
	Delay(labels map[string]string) time.Duration
	// Check fails a transition ("create", "update", "delete") on request.
	Check(transition string, labels map[string]string) error
	// LabelPrefix is the prefix of the labels the simulator reads.
	LabelPrefix() string
}

// SimulatorLabelPrefix starts the labels only the simulator reads.
const SimulatorLabelPrefix = "simulator.openclaw.dev/"

var (
	// ErrNotSupported: the driver does not offer this.
	ErrNotSupported = errors.New("not supported by this driver")
	// ErrRunning: the gateway still runs.
	ErrRunning = errors.New("gateway is still running")
	// ErrUnknownVersion: the driver cannot run the version asked for.
	ErrUnknownVersion = errors.New("OpenClaw version not installed")
	// ErrTransient: the platform the driver drives (an API server) is
	// unreachable or failing; the step is retried for longer than a
	// database hiccup, and the final error quotes the driver's message.
	ErrTransient = errors.New("transient")
	// ErrRejected: the platform refused the gateway's configuration (a
	// volume its storage class cannot grow); retrying does not help, the
	// configuration must change.
	ErrRejected = errors.New("refused by the platform")
	// ErrStateExists: a restore found the state directory already there.
	ErrStateExists = errors.New("state directory already exists; a restore writes a fresh state directory only")
)

// BackupSupport is implemented by Gateways whose Backup and Restore may be
// unsupported (the Kubernetes driver); Gateways without it back up.
type BackupSupport interface {
	// CanBackup reports whether Backup and Restore work on this driver.
	CanBackup() bool
}

// CanBackup reports whether g backs up and restores state directories.
func CanBackup(g Gateways) bool {
	b, ok := g.(BackupSupport)
	return !ok || b.CanBackup()
}

// Gateway is what a driver needs to know about one environment's gateway.
type Gateway struct {
	ID              string
	Name            string
	Region          string
	OpenClawVersion string
	ReleaseChannel  string
	CPUs            int64
	MemoryMB        int64
	StateVolumeGB   int64
	// Secrets are the environment's secret values: environment variables of
	// the gateway process, never written to disk. Set for Start only.
	Secrets map[string]string
	// SecretNames are the secrets' names (Provision lists them in .env
	// comments, without values).
	SecretNames []string
	// SecretFingerprints are keyed hashes of the values: a change restarts
	// the gateway, and they are safe to keep on disk.
	SecretFingerprints map[string]string
	// Token is the gateway's shared token (--auth token). Set for Start only.
	Token string
	// ModelProviders become models.providers.<id> in openclaw.json.
	ModelProviders []ModelProvider
}

// ModelProvider is an inference endpoint the gateway can use.
type ModelProvider struct {
	ID      string
	BaseURL string
	API     string
	Models  []Model
}

// Model is one model a provider serves.
type Model struct {
	ID            string
	ContextWindow int64
	MaxTokens     int64
}

// Phase is where a gateway is.
type Phase string

// Phases.
const (
	PhaseStopped  Phase = "stopped"
	PhaseStarting Phase = "starting"
	PhaseReady    Phase = "ready"
	PhaseStopping Phase = "stopping"
	// PhaseFailed: it crashed repeatedly and is not restarted again until
	// the next Start.
	PhaseFailed Phase = "failed"
)

// Health is a gateway's observed state.
type Health struct {
	Phase Phase
	// Message says why (what /readyz reports failing, the log's last lines
	// of a failed gateway).
	Message string
	// PID of the gateway process, when one runs on this machine.
	PID int
	// Restarts after crashes since the last Start.
	Restarts int
}

// Event is something a driver observed without being asked.
type Event struct {
	GatewayID string
	Phase     Phase
	Message   string
}

// Backup describes an archive written by Gateways.Backup.
type Backup struct {
	// Path of the archive (a .tar.gz with a manifest.json).
	Path      string
	SizeBytes int64
	// SHA256 of the archive, hex.
	SHA256 string
	// Tool that wrote it: "openclaw <version> backup create" (process
	// driver) or the simulator's simulator.BackupTool.
	Tool string
}

// Pool is what GPUNodes needs to know about a GPU pool.
type Pool struct {
	ID      string
	Name    string
	EnvName string
	Region  string
	Backend string
	GPUType string
	Nodes   int64
	Models  []Model
}
