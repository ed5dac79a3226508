// Package controlplane assembles the OpenClaw control plane from its parts:
// store, keyring, simulator and HTTP server. The binary (cmd/
// openclaw-controlplane) and the provider's acceptance tests both use it, so
// tests run the same control plane users do.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/process"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/secrets"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/server"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Options configure a control plane.
type Options struct {
	// DataDir holds the SQLite database (by default), the encryption key
	// file and the simulated gateways' state directories.
	DataDir string
	// Database is a SQLite path or a postgres:// URL; default DataDir/controlplane.db.
	Database string
	// EncryptionKey is base64 of 32 bytes; default a key file in DataDir.
	EncryptionKey string
	// BootstrapKey becomes the first admin key of an empty database;
	// generated when empty.
	BootstrapKey string
	// Driver provisions gateways; default the simulator (SimDelay,
	// SimFailRate). See NewDriver.
	Driver      driver.Driver
	SimDelay    time.Duration
	SimFailRate float64
	// DrainTimeout bounds a gateway's drain on stop (default 5m).
	DrainTimeout time.Duration
	RateLimit    float64
	RateBurst    int
	PollInterval time.Duration
	Logger       *slog.Logger
	// Now is the clock; default time.Now (tests move it).
	Now func() time.Time
	// GPUCatalogFile replaces the built-in GPU catalog (prices, capacity).
	GPUCatalogFile string
	// SimClock makes the clock movable through POST /v1/simulator/clock
	// (admin keys only); ignored when Now is set.
	SimClock bool
	// SnapshotStore is the blob store URL for snapshot archives
	// (file:///dir or s3://bucket?endpoint=...); default
	// file://<DataDir>/snapshots.
	SnapshotStore string
	// SnapshotReapInterval is how often expired snapshots are deleted.
	SnapshotReapInterval time.Duration
}

// App is an assembled control plane.
type App struct {
	Server *server.Server
	Store  store.Store
	// Snapshots is the snapshot blob store.
	Snapshots *snapshotblob.Bucket
	// BootstrapKey is set when this start created the first admin key.
	BootstrapKey string
	// KeyFileCreated reports that a new encryption key file was written.
	KeyFileCreated bool
}

// Open builds the control plane: it opens and migrates the database and
// bootstraps the first key. Call App.Server.Start to run background work.
func Open(ctx context.Context, o Options) (*App, error) {
	if o.DataDir == "" {
		o.DataDir = "data"
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", o.DataDir, err)
	}
	if o.Database == "" {
		o.Database = filepath.Join(o.DataDir, "controlplane.db")
	}
	keyring, created, err := secrets.Load(o.EncryptionKey, o.DataDir)
	if err != nil {
		return nil, err
	}
	var catalog *gpucatalog.Catalog
	if o.GPUCatalogFile != "" {
		c, err := gpucatalog.Load(o.GPUCatalogFile)
		if err != nil {
			return nil, err
		}
		catalog = &c
	}
	var simClock *server.SimClock
	if o.SimClock && o.Now == nil {
		simClock = server.NewSimClock()
	}
	drv := o.Driver
	if drv == nil {
		drv = simulator.New(simulator.Config{DataDir: o.DataDir, Delay: o.SimDelay, FailureRate: o.SimFailRate})
	}
	if o.SnapshotStore == "" {
		if o.SnapshotStore, err = snapshotblob.DefaultURL(o.DataDir); err != nil {
			return nil, err
		}
	}
	bucket, err := snapshotblob.Open(ctx, o.SnapshotStore)
	if err != nil {
		return nil, err
	}
	// What a snapshot or restore step left in the work directory when the
	// process died mid-step (a plaintext archive) goes now; this process is
	// the data directory's only user.
	workDir := filepath.Join(o.DataDir, "tmp")
	if err := errors.Join(os.RemoveAll(workDir), os.MkdirAll(workDir, 0o700)); err != nil {
		_ = bucket.Close()
		return nil, fmt.Errorf("empty the work directory %s: %w", workDir, err)
	}
	st, err := sqlstore.Open(ctx, o.Database)
	if err != nil {
		_ = bucket.Close()
		return nil, err
	}
	srv, err := server.New(server.Config{
		Store:        st,
		Keyring:      keyring,
		WorkDir:      workDir,
		Driver:       drv,
		DrainTimeout: o.DrainTimeout,
		Logger:       o.Logger,
		RateLimit:    o.RateLimit,
		RateBurst:    o.RateBurst,
		PollInterval: o.PollInterval,
		Now:          o.Now,
		GPUCatalog:   catalog,
		SimClock:     simClock,

		Snapshots:            bucket,
		SnapshotReapInterval: o.SnapshotReapInterval,
	})
	if err != nil {
		_ = st.Close() // the error that stopped us is the one to report
		_ = bucket.Close()
		return nil, err
	}
	key, err := srv.Bootstrap(ctx, o.BootstrapKey)
	if err != nil {
		_ = st.Close()
		_ = bucket.Close()
		return nil, fmt.Errorf("bootstrap admin key: %w", err)
	}
	return &App{Server: srv, Store: st, Snapshots: bucket, BootstrapKey: key, KeyFileCreated: created}, nil
}

// Close stops background work, the driver, the database and the snapshot
// store.
func (a *App) Close() error {
	a.Server.Close()
	derr := a.Server.Driver().Close()
	return errors.Join(a.Store.Close(), a.Snapshots.Close(), derr)
}

// DriverOptions choose and tune a provisioning driver.
type DriverOptions struct {
	// Name is "simulator" (default), "process" or "kubernetes".
	Name    string
	DataDir string
	// Simulator.
	SimDelay    time.Duration
	SimFailRate float64
	// Process driver; see process.Config.
	Process process.Config
	// Kubernetes driver; see kubernetes.Config.
	Kubernetes kubedriver.Config
}

// NewDriver builds the driver named in o.
func NewDriver(o DriverOptions) (driver.Driver, error) {
	switch o.Name {
	case "", "simulator":
		return simulator.New(simulator.Config{DataDir: o.DataDir, Delay: o.SimDelay, FailureRate: o.SimFailRate}), nil
	case "process":
		cfg := o.Process
		cfg.DataDir = o.DataDir
		return process.New(cfg)
	case "kubernetes":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return kubedriver.New(ctx, o.Kubernetes)
	}
	return nil, fmt.Errorf("unknown driver %q: use simulator, process or kubernetes", o.Name)
}
