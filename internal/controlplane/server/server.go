// Package server is the OpenClaw control plane's HTTP API and its operation
// engine. The contract is internal/api/openapi.yaml; provisioning is done by
// a driver (internal/controlplane/driver): the simulator or real processes.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/secrets"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Config assembles a control plane.
type Config struct {
	Store   store.Store
	Keyring *secrets.Keyring
	// WorkDir holds the plaintext backup archives a snapshot or a restore
	// handles between the driver and the encrypted snapshot store, each in
	// a private directory removed when the step ends; default the system
	// temporary directory. The controlplane package uses DataDir/tmp and
	// empties it at start, so a crash mid-step leaves nothing behind.
	WorkDir string
	// Driver provisions gateways and GPU nodes (simulator or process).
	Driver driver.Driver
	Logger *slog.Logger
	// DrainTimeout bounds a gateway's drain on stop before it is killed;
	// default 5m, OpenClaw's normal drain.
	DrainTimeout time.Duration
	// RateLimit is each key's default sustained requests per second (0: no
	// limit) and RateBurst its bucket size.
	RateLimit float64
	RateBurst int
	// PollInterval is how often the engine looks for due operations created
	// by other replicas (its own it runs at once). Default 1s.
	PollInterval time.Duration
	// Regions offered; default DefaultRegions.
	Regions []api.Region
	// GPUCatalog prices GPU types and holds the simulator's capacity;
	// default gpucatalog.Default().
	GPUCatalog *gpucatalog.Catalog
	// Now is the clock; default time.Now (or SimClock.Now).
	Now func() time.Time
	// SimClock, when set, is the clock and can be moved through
	// POST /v1/simulator/clock (--sim-clock); nil: no way to move it.
	SimClock *SimClock
	// Snapshots is where snapshot archives are stored (nil: snapshots are
	// refused); the driver's Backup and Restore make and restore them.
	Snapshots *snapshotblob.Bucket
	// SnapshotReapInterval is how often expired snapshots are deleted;
	// default one minute.
	SnapshotReapInterval time.Duration
}

// DefaultRegions are the regions of the reference control plane.
var DefaultRegions = []api.Region{
	{ID: "us-east", DisplayName: "US East", Location: "Virginia, US", Available: true},
	{ID: "us-west", DisplayName: "US West", Location: "Oregon, US", Available: true},
	{ID: "eu-central", DisplayName: "EU Central", Location: "Frankfurt, DE", Available: true},
	{ID: "eu-west", DisplayName: "EU West", Location: "Dublin, IE", Available: true},
	{ID: "ap-southeast", DisplayName: "Asia Pacific Southeast", Location: "Singapore, SG", Available: true},
	{ID: "sa-east", DisplayName: "South America East", Location: "São Paulo, BR", Available: false},
}

const defaultRateBurst = 100

// Server is one control plane replica.
type Server struct {
	store        store.Store
	keyring      *secrets.Keyring
	workDir      string // Config.WorkDir
	drv          driver.Driver
	gw           driver.Gateways
	gpu          driver.GPUNodes
	sim          driver.Simulated // nil unless the driver is the simulator
	logger       *slog.Logger
	drainTimeout time.Duration
	limits       *limiter
	keys         *keyCache // verified API keys (keycache.go)
	envViews     *decodeCache[envSpec, envStatus]
	envJSON      *encodedCache
	regions      []api.Region
	catalog      gpucatalog.Catalog
	now          func() time.Time
	engine       *engine
	// scheduler runs shutdown schedules (scheduler.go); simClock is the
	// movable clock of --sim-clock, or nil.
	scheduler *scheduler
	simClock  *SimClock
	metrics   *metrics
	// snapshots stores data snapshots.
	snapshots *snapshotblob.Bucket
	reapEvery time.Duration
	handler   http.Handler
	// patterns are the authenticated routes, in registration order.
	patterns []string
	// families are the resource families (families; tests add their own).
	families []*family

	stop context.CancelFunc
	wg   sync.WaitGroup

	// draining is closed by Drain: long-polls answer at once so a graceful
	// shutdown does not wait for them.
	draining  chan struct{}
	drainOnce sync.Once
}

// New builds a control plane; Start runs its background work.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Keyring == nil || cfg.Driver == nil {
		return nil, errors.New("server: Store, Keyring and Driver are required")
	}
	s := &Server{
		store:        cfg.Store,
		keyring:      cfg.Keyring,
		drv:          cfg.Driver,
		gw:           cfg.Driver.Gateways(),
		gpu:          cfg.Driver.GPUNodes(),
		sim:          cfg.Driver.Simulated(),
		drainTimeout: cfg.DrainTimeout,
		logger:       cfg.Logger,
		limits:       newLimiter(cfg.RateLimit, cmp.Or(max(cfg.RateBurst, 0), defaultRateBurst)),
		keys:         newKeyCache(),
		envViews:     newDecodeCache[envSpec, envStatus](),
		envJSON:      newEncodedCache(),
		regions:      cfg.Regions,
		now:          cfg.Now,
		metrics:      newMetrics(),
		families:     families,
		simClock:     cfg.SimClock,

		snapshots: cfg.Snapshots,
		workDir:   cfg.WorkDir,
		reapEvery: cfg.SnapshotReapInterval,

		draining: make(chan struct{}),
	}
	if s.now == nil && s.simClock != nil {
		s.now = s.simClock.Now
	}
	if s.reapEvery <= 0 {
		s.reapEvery = time.Minute
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.drainTimeout <= 0 {
		s.drainTimeout = defaultDrainTimeout
	}
	if s.regions == nil {
		s.regions = DefaultRegions
	}
	s.catalog = gpucatalog.Default()
	if cfg.GPUCatalog != nil {
		s.catalog = *cfg.GPUCatalog
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	s.engine = newEngine(s, newID("replica"), poll)
	s.registerEnvironmentSteps()
	s.registerGPUPoolSteps()
	s.registerPowerSteps()
	s.scheduler = newScheduler(s, poll)
	s.registerSnapshotSteps()
	s.handler = s.routes()
	return s, nil
}

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler { return s.handler }

// Start runs the operation engine and housekeeping until Close.
func (s *Server) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.wg.Add(6)
	go func() {
		defer s.wg.Done()
		s.engine.run(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.reconcileGateways(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.watchGateways(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.scheduler.run(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.reaper(ctx, s.reapEvery)
	}()
	go func() {
		defer s.wg.Done()
		s.housekeeping(ctx)
	}()
}

// Close stops background work and waits for it; the store stays open.
func (s *Server) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
}

// Drain makes requests that wait (operation long-polls) answer now with
// what they have; the HTTP server calls it when it starts shutting down.
func (s *Server) Drain() { s.drainOnce.Do(func() { close(s.draining) }) }

func (s *Server) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := s.store.PurgeIdempotency(ctx, s.now().Add(-idempotencyTTL)); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "purge idempotency keys", "err", err)
		} else if n > 0 {
			s.logger.InfoContext(ctx, "purged idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Bootstrap creates the first admin key when the database has none. It
// uses key when given (OPENCLAW_BOOTSTRAP_KEY) or generates one. It returns
// the key it created, or "" when keys already existed.
func (s *Server) Bootstrap(ctx context.Context, key string) (string, error) {
	n, err := s.store.CountAPIKeys(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	if key == "" {
		if key, err = keys.Generate(); err != nil {
			return "", err
		}
	} else if len(key) < keys.MinBootstrapLen || strings.ContainsAny(key, " \t\r\n") {
		return "", fmt.Errorf("OPENCLAW_BOOTSTRAP_KEY must be at least %d characters without spaces", keys.MinBootstrapLen)
	}
	now := s.now()
	err = s.store.CreateAPIKey(ctx, &store.APIKey{
		// A fixed ID: replicas bootstrapping at the same moment conflict on
		// it (key names are not unique).
		ID:          bootstrapKeyID,
		Name:        "bootstrap-admin",
		Description: "Created on first start. Create scoped keys with it, then revoke it.",
		Prefix:      keys.DisplayPrefix(key),
		SecretHash:  keys.Hash(key),
		Scopes:      []string{api.ScopeAdmin},
		Labels:      map[string]string{},
		CreatedAt:   now,
		UpdatedAt:   now,
	})
	if errors.Is(err, store.ErrConflict) {
		// Another replica bootstrapped at the same moment.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return key, nil
}

// Driver is the provisioning driver.
func (s *Server) Driver() driver.Driver { return s.drv }

// Ready reports whether the database answers.
func (s *Server) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// bootstrapKeyID is the ID of the first admin key (a valid ULID: time 0).
const bootstrapKeyID = "key_00000000000000000000000000"

func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.Make().String())
}
