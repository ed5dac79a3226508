// Command openclaw-controlplane runs the reference OpenClaw control plane.
//
//	openclaw-controlplane serve [--listen 127.0.0.1:8080] [--data-dir ./data] [--database URL]
//	                            [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
//
// Provisioning is done by a driver: --driver simulator (default: nothing
// runs), --driver process (real `openclaw gateway` processes) or --driver
// kubernetes (a StatefulSet per environment; see docs/guides/drivers.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/klog/v2"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/certs"
	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/process"
)

// version is set by the release build.
var version = "dev"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "openclaw-controlplane:", err)
		os.Exit(1)
	}
}

const usage = `usage: openclaw-controlplane <command> [flags]

commands:
  serve     run the control plane API and its operation engine
  version   print the version

Run 'openclaw-controlplane serve -h' for the flags of serve.
`

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "version", "--version", "-v":
		fmt.Println(version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", env("OPENCLAW_LISTEN", "127.0.0.1:8080"), "address to listen on (env OPENCLAW_LISTEN)")
	dataDir := fs.String("data-dir", env("OPENCLAW_DATA_DIR", "./data"), "data directory: SQLite database, encryption key file, gateway state directories (env OPENCLAW_DATA_DIR)")
	database := fs.String("database", env("OPENCLAW_DATABASE_URL", ""), "SQLite file path or postgres:// URL; default <data-dir>/controlplane.db (env OPENCLAW_DATABASE_URL)")
	driverName := fs.String("driver", env("OPENCLAW_DRIVER", "simulator"), "provisioning driver: simulator (nothing runs), process (real openclaw gateway processes) or kubernetes (a StatefulSet per environment) (env OPENCLAW_DRIVER)")
	kubeconfig := fs.String("kubeconfig", env("KUBECONFIG", ""), "kubernetes driver: kubeconfig file; default in-cluster credentials (env KUBECONFIG)")
	kubeNamespace := fs.String("kube-namespace", env("OPENCLAW_KUBE_NAMESPACE", kubedriver.DefaultNamespace), "kubernetes driver: namespace of the environments' objects (env OPENCLAW_KUBE_NAMESPACE)")
	kubeImage := fs.String("kube-image", env("OPENCLAW_KUBE_IMAGE", kubeobjects.DefaultImageRepository), "kubernetes driver: gateway image repository; the tag is the OpenClaw version (env OPENCLAW_KUBE_IMAGE)")
	kubeStorageClass := fs.String("kube-storage-class", env("OPENCLAW_KUBE_STORAGE_CLASS", ""), "kubernetes driver: storage class of the state volumes; default the cluster's default class (env OPENCLAW_KUBE_STORAGE_CLASS)")
	openclawBin := fs.String("openclaw-bin", env("OPENCLAW_BIN", ""), "process driver: the openclaw executable; default the installs of tools/openclaw.sh, else PATH (env OPENCLAW_BIN)")
	gatewayPorts := fs.String("gateway-ports", env("OPENCLAW_GATEWAY_PORTS", "18800-18999"), "process driver: port range of gateways and simulated GPU nodes (env OPENCLAW_GATEWAY_PORTS)")
	gatewayBind := fs.String("gateway-bind", env("OPENCLAW_GATEWAY_BIND", "loopback"), "process driver: gateway bind mode, loopback or lan (env OPENCLAW_GATEWAY_BIND)")
	drainTimeout := fs.Duration("drain-timeout", 5*time.Minute, "how long a stopping gateway may drain before it is killed")
	stopGateways := fs.Bool("stop-gateways-on-exit", false, "process driver: stop every gateway when the control plane exits (default: they keep running and are adopted by the next start)")
	simDelay := fs.String("sim-delay", env("OPENCLAW_SIM_DELAY", "2s"), "simulator: duration of each provisioning transition (env OPENCLAW_SIM_DELAY)")
	simFail := fs.Float64("sim-failure-rate", 0, "simulator: probability (0..1) that a transition fails")
	rateLimit := fs.Float64("rate-limit", 50, "default requests per second per API key (0: unlimited)")
	rateBurst := fs.Int("rate-burst", 100, "default burst per API key")
	gpuCatalog := fs.String("gpu-catalog", env("OPENCLAW_GPU_CATALOG", ""), "JSON file replacing the built-in GPU catalog: types, regional prices, simulator capacity (env OPENCLAW_GPU_CATALOG)")
	simClock := fs.Bool("sim-clock", env("OPENCLAW_SIM_CLOCK", "") == "1", "simulator: accept POST /v1/simulator/clock (admin keys) to move the control plane's clock, for tests (env OPENCLAW_SIM_CLOCK=1)")
	snapshotStore := fs.String("snapshot-store", env("OPENCLAW_SNAPSHOT_STORE", ""), "blob store for snapshot archives (encrypted): file:///dir or s3://bucket?endpoint=https://...; default file://<data-dir>/snapshots (env OPENCLAW_SNAPSHOT_STORE)")
	addrFile := fs.String("addr-file", "", "write the listening address to this file once ready (for scripts using port 0)")
	logLevel := fs.String("log-level", env("OPENCLAW_LOG_LEVEL", "info"), "debug, info, warn or error (env OPENCLAW_LOG_LEVEL)")
	tlsCert := fs.String("tls-cert", env("OPENCLAW_TLS_CERT", ""), "serve HTTPS with this PEM certificate (chain) file, re-read when it changes (env OPENCLAW_TLS_CERT)")
	tlsKey := fs.String("tls-key", env("OPENCLAW_TLS_KEY", ""), "PEM private key file of --tls-cert (env OPENCLAW_TLS_KEY)")
	tlsClientCA := fs.String("tls-client-ca", env("OPENCLAW_TLS_CLIENT_CA", ""), "require client certificates issued by these PEM CAs (mutual TLS, in addition to API keys) (env OPENCLAW_TLS_CLIENT_CA)")
	pprofListen := fs.String("pprof-listen", env("OPENCLAW_PPROF_LISTEN", ""), "serve Go's net/http/pprof profiles on this loopback address, for profiling under load (env OPENCLAW_PPROF_LISTEN; default off)")
	shutdownTimeout := fs.String("shutdown-timeout", env("OPENCLAW_SHUTDOWN_TIMEOUT", controlplane.DefaultShutdownTimeout.String()), "on SIGTERM, how long in-flight requests get to finish (env OPENCLAW_SHUTDOWN_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", strings.Join(fs.Args(), " "))
	}
	delay, err := time.ParseDuration(*simDelay)
	if err != nil || delay < 0 {
		return fmt.Errorf("--sim-delay / OPENCLAW_SIM_DELAY: %q is not a duration such as 2s or 150ms", *simDelay)
	}
	if *simFail < 0 || *simFail > 1 {
		return fmt.Errorf("--sim-failure-rate must be between 0 and 1, got %v", *simFail)
	}
	shutdown, err := time.ParseDuration(*shutdownTimeout)
	if err != nil || shutdown <= 0 {
		return fmt.Errorf("--shutdown-timeout / OPENCLAW_SHUTDOWN_TIMEOUT: %q is not a positive duration such as 20s", *shutdownTimeout)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key (OPENCLAW_TLS_CERT, OPENCLAW_TLS_KEY) go together: set both or neither")
	}
	if *tlsClientCA != "" && *tlsCert == "" {
		return errors.New("--tls-client-ca (OPENCLAW_TLS_CLIENT_CA) needs TLS: set --tls-cert and --tls-key too")
	}
	if *pprofListen != "" && !controlplane.IsLoopback(*pprofListen) {
		return fmt.Errorf("--pprof-listen / OPENCLAW_PPROF_LISTEN: %q is not a loopback address; profiles show the process's memory, so they are served on 127.0.0.1 or ::1 only", *pprofListen)
	}
	portMin, portMax, err := parsePortRange(*gatewayPorts)
	if err != nil {
		return fmt.Errorf("--gateway-ports / OPENCLAW_GATEWAY_PORTS: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	var reloader *certs.Reloader
	if *tlsCert != "" {
		if reloader, err = certs.New(certs.Config{CertFile: *tlsCert, KeyFile: *tlsKey, ClientCAFile: *tlsClientCA, Logger: logger}); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	drv, err := controlplane.NewDriver(controlplane.DriverOptions{
		Name:        *driverName,
		DataDir:     *dataDir,
		SimDelay:    delay,
		SimFailRate: *simFail,
		Process: process.Config{
			Bin: *openclawBin, PortMin: portMin, PortMax: portMax, Bind: *gatewayBind,
			StopOnClose: *stopGateways, Logger: logger,
		},
		Kubernetes: kubedriver.Config{
			Kubeconfig: *kubeconfig, Namespace: *kubeNamespace, ImageRepository: *kubeImage,
			StorageClass: *kubeStorageClass, Logger: logger,
		},
	})
	if err != nil {
		return err
	}
	if kd, ok := drv.(*kubedriver.Driver); ok {
		// client-go logs (a lost watch, say) through klog: as JSON, here.
		klog.SetSlogLogger(logger)
		logger.Info("kubernetes driver: a StatefulSet per environment", "namespace", kd.Namespace(), "image", *kubeImage, "storage_class", *kubeStorageClass)
	}
	if vs := drv.Gateways().Versions(); vs != nil {
		logger.Info("process driver: real OpenClaw gateways", "installed_versions", strings.Join(vs, ", "), "gateway_ports", *gatewayPorts, "bind", *gatewayBind)
	}
	app, err := controlplane.Open(ctx, controlplane.Options{
		Driver:        drv,
		DrainTimeout:  *drainTimeout,
		DataDir:       *dataDir,
		Database:      *database,
		EncryptionKey: os.Getenv("OPENCLAW_ENCRYPTION_KEY"),
		BootstrapKey:  os.Getenv("OPENCLAW_BOOTSTRAP_KEY"),
		SimDelay:      delay,
		SimFailRate:   *simFail,
		RateLimit:     *rateLimit,
		RateBurst:     *rateBurst,
		Logger:        logger,

		GPUCatalogFile: *gpuCatalog,
		SimClock:       *simClock,
		SnapshotStore:  *snapshotStore,
	})
	if err != nil {
		_ = drv.Close() // the error that stopped us is the one to report
		return err
	}
	defer func() {
		if err := app.Close(); err != nil {
			logger.Error("close the control plane", "err", err)
		}
	}()
	if app.KeyFileCreated {
		logger.Warn("created a new encryption key file in the data directory; replicas sharing this database need the same key (set OPENCLAW_ENCRYPTION_KEY)", "data_dir", *dataDir)
	}
	if app.BootstrapKey != "" && os.Getenv("OPENCLAW_BOOTSTRAP_KEY") == "" {
		// Printed once, to the terminal only: it is never stored in plaintext.
		fmt.Fprintf(stderr, "\nCreated the first admin API key (shown once, store it now):\n\n  %s\n\n", app.BootstrapKey)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	if *pprofListen != "" {
		stopPprof, err := servePprof(*pprofListen, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	app.Server.Start(ctx)
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
			return fmt.Errorf("write --addr-file: %w", err)
		}
	}
	scheme := "http"
	if reloader != nil {
		scheme = "https"
	}
	logger.Info("control plane listening", "addr", ln.Addr().String(), "scheme", scheme, "mutual_tls", reloader != nil && reloader.MutualTLS(),
		"database", redactDSN(*database), "data_dir", *dataDir, "driver", drv.Name(), "sim_delay", delay.String(), "sim_clock", *simClock, "version", version)
	if reloader == nil && !controlplane.IsLoopback(*listen) {
		logger.Warn("serving plain HTTP on a non-loopback address: API keys cross the network unencrypted; set --tls-cert and --tls-key (or terminate TLS in a proxy in front)", "addr", *listen)
	}
	return app.Serve(ctx, ln, controlplane.ServeOptions{TLS: reloader, ShutdownTimeout: shutdown, Logger: logger})
}

// parsePortRange reads "MIN-MAX".
func parsePortRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		lo, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			hi, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("%q is not a port range such as 18800-18999", s)
	}
	return lo, hi, nil
}

// redactDSN hides a password in a postgres URL for logs.
func redactDSN(dsn string) string {
	if dsn == "" {
		return "(sqlite in data dir)"
	}
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			creds := dsn[i+3 : at]
			if user, _, ok := strings.Cut(creds, ":"); ok {
				return dsn[:i+3] + user + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
