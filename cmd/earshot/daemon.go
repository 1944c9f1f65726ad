package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/robfig/cron/v3"
	"golang.org/x/sync/errgroup"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/listener"
	"github.com/earshot/earshot/workflow"
	"github.com/earshot/earshot/workflow/report"
)

// The roles a process can take; `run` takes all by default.
const (
	roleListener   = "listener"
	roleClassifier = "classifier"
	roleWorkflow   = "workflow"
)

var allRoles = []string{roleListener, roleClassifier, roleWorkflow}

func parseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(allRoles, r) {
			return nil, fmt.Errorf("unknown role %q (roles: %s)", r, strings.Join(allRoles, ", "))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// build is everything a config implies that can fail to compile: the
// classifier and the router. A reload replaces the running build only when
// a new one was built completely.
type build struct {
	cfg    *config.Config
	cls    *classifier.Classifier
	router *workflow.Router
}

// compile builds and cross-checks a config: rules compiled, routes and
// guidelines resolved, presets expanded, route topics known to some rule.
// Every problem is reported, with its position in the file.
func compile(cfg *config.Config) (*build, error) {
	var errs []error
	b := &build{cfg: cfg}
	var err error
	if b.cls, err = classifier.New(cfg.Rules, cfg.Brand); err != nil {
		errs = append(errs, err)
	}
	if b.router, err = workflow.NewRouter(cfg); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, scheduleProblems(cfg)...)
	if b.cls != nil {
		topics := b.cls.Topics()
		unknown := func(path string, ts []string) {
			for j, t := range ts {
				if !slices.Contains(topics, t) {
					errs = append(errs, config.Errorf(fmt.Sprintf("%s[%d]", path, j),
						"no rule assigns topic %q (topics: %s)", t, strings.Join(topics, ", ")))
				}
			}
		}
		for i, r := range cfg.Routes {
			unknown(fmt.Sprintf("routes[%d].match.topic", i), r.Match.Topic)
		}
		for i, s := range cfg.Silences {
			unknown(fmt.Sprintf("silences[%d].match.topic", i), s.Match.Topic)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, cfg.Locate(err)
	}
	return b, nil
}

// scheduleProblems checks what Validate leaves to compile of the sources
// and reports: schedules parse, presets expand; of a config with problems
// (ParseAll), those of the sources and reports without problems.
func scheduleProblems(cfg *config.Config) []error {
	var errs []error
	for i, s := range cfg.Sources {
		path := fmt.Sprintf("sources[%d]", i)
		if !cfg.Intact(path) {
			continue
		}
		if s.Schedule != "" {
			if _, err := parseSchedule(s.Schedule, s.TimeZone); err != nil {
				errs = append(errs, config.Errorf(path+".schedule", "%q: %v", s.Schedule, err))
			}
		}
		if s.Preset == "" {
			continue
		}
		if _, err := listener.BuildURL(s); err != nil {
			if fe, ok := errors.AsType[*config.FieldError](err); ok {
				errs = append(errs, &config.FieldError{Path: path + "." + fe.Path, Err: fe.Err})
			} else {
				errs = append(errs, config.Errorf(path, "%v", err))
			}
		}
	}
	for i, r := range cfg.Reports {
		path := fmt.Sprintf("reports[%d]", i)
		if _, err := parseSchedule(r.Schedule, r.TimeZone); cfg.Intact(path) && r.Schedule != "" && err != nil {
			errs = append(errs, config.Errorf(path+".schedule", "%q: %v", r.Schedule, err))
		}
	}
	return errs
}

// parseSchedule parses a cron schedule (five fields or a descriptor such as
// @daily) in a time zone ("" = local).
func parseSchedule(spec, tz string) (cron.Schedule, error) {
	if tz != "" && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + tz + " " + spec
	}
	return cron.ParseStandard(spec)
}

// daemon is `earshot run`: the roles, the broker, the HTTP endpoint and the
// reload machinery.
type daemon struct {
	path   string
	roles  []string
	log    *slog.Logger
	stdout io.Writer
	reg    *metrics.Set
	broker *broker

	current atomic.Pointer[build]
	// started is the config the process started with: data_dir, nats,
	// http and store keep its values until a restart.
	boot *config.Config
	mu   sync.Mutex // serialises reloads

	stage   *classifier.Stage
	lis     *listener.Listener
	wf      *workflow.Workflow
	reports *report.Scheduler

	reloadOK   *metrics.Gauge
	reloadTime *metrics.Gauge
	configHash *metrics.Gauge
	// started ends the start-up (see pauseGC).
	started func()
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", stdout, stderr)
	path := fs.requiredString("config", "config file")
	rolesFlag := fs.String("roles", strings.Join(allRoles, ","), "roles to run: "+strings.Join(allRoles, ","))
	if code, ok := fs.parse(args, false); !ok {
		return code
	}
	roles, err := parseRoles(*rolesFlag)
	if err != nil {
		fmt.Fprintln(stderr, "earshot run:", err)
		return exitUsage
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return exitConfig
	}
	log := newLogger(cfg.Log, stderr)
	for _, w := range cfg.Warnings {
		log.Warn("config warning", "problem", w)
	}
	resumeGC := pauseGC()
	defer resumeGC()
	// Compiling the rules and starting NATS (which may recover a large
	// store) are independent: do them at once.
	type opened struct {
		b   *broker
		err error
	}
	brokerc := make(chan opened, 1)
	go func() {
		b, err := openBroker(ctx, cfg, log)
		brokerc <- opened{b, err}
	}()
	b, err := compile(cfg)
	o := <-brokerc
	if err != nil {
		if o.b != nil {
			o.b.close()
		}
		printProblems(stderr, err)
		return exitConfig
	}
	if o.err != nil {
		if ctx.Err() != nil {
			// SIGTERM or SIGINT during the start: a stop as any other.
			log.Info("earshot stopped during start-up", "err", o.err)
			return exitOK
		}
		log.Error("earshot not started", "err", o.err)
		return exitFailed
	}
	d := &daemon{path: *path, roles: roles, log: log, stdout: stdout, broker: o.b, started: resumeGC}
	if err := d.run(ctx, b); err != nil {
		log.Error("earshot stopped", "err", err)
		return exitFailed
	}
	log.Info("earshot stopped")
	return exitOK
}

// startupMemoryLimit bounds the heap while garbage collection is paused
// at start-up (pauseGC): a start that allocates more than this, say while
// recovering a large store, is collected as usual.
const startupMemoryLimit = 256 << 20

// pauseGC pauses garbage collection while the daemon starts and returns
// the function that resumes it. Start-up allocates ~15 MB of short-lived
// garbage (compiling the classifier packs, recovering the store) while NATS
// and the compiler share two cores; collecting it as it came cost about a
// quarter of the start-up time (BenchmarkFootprint, docs/benchmarks.md).
// Resuming collects it and returns it to the system, so that the daemon
// does not carry it while idle; that runs beside the daemon's first
// moments (collecting ~25 MB on a loaded machine took 5 to 9 ms, as long as
// the rest of the start after NATS). A memory limit below
// startupMemoryLimit set by GOMEMLIMIT stays in force; GOGC=off stays off.
func pauseGC() (resume func()) {
	limit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(limit, startupMemoryLimit))
	percent := debug.SetGCPercent(-1)
	return sync.OnceFunc(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
		go debug.FreeOSMemory()
	})
}

func (d *daemon) has(role string) bool { return slices.Contains(d.roles, role) }

// metrics creates the daemon's metric set, which every stage adds to
// (metricsHelp lists them all). /metrics also serves the Go runtime's and the process's metrics (go_*,
// process_*).
func (d *daemon) metrics() {
	metrics.ExposeMetadata(true) // # TYPE lines, for Prometheus' metadata
	d.reg = metrics.NewSet()
	d.reloadOK = d.reg.GetOrCreateGauge("earshot_config_last_reload_successful", nil)
	d.reloadTime = d.reg.GetOrCreateGauge("earshot_config_last_reload_success_timestamp_seconds", nil)
	d.configHash = d.reg.GetOrCreateGauge("earshot_config_hash", nil)
}

func (d *daemon) setLoaded(cfg *config.Config) {
	d.reloadOK.Set(1)
	d.reloadTime.Set(float64(time.Now().UnixNano()) / 1e9)
	if sum, err := hex.DecodeString(cfg.Hash); err == nil && len(sum) >= 8 {
		d.configHash.Set(float64(binary.BigEndian.Uint64(sum[:8]) >> 16))
	}
}

// run runs the daemon on the open broker until ctx is done. Shutdown has
// one order: the roles stop (the listener's cron waits for running polls),
// the HTTP server, then NATS is drained and the embedded server shut down.
func (d *daemon) run(ctx context.Context, b *build) error {
	cfg := b.cfg
	d.metrics()
	d.reg.RegisterMetricsWriter(d.broker.writeStoreMetrics)
	var err error
	defer d.broker.close()

	if d.has(roleClassifier) {
		d.stage = classifier.NewStage(d.broker.js, b.cls, classifier.NewStageMetrics(d.reg), d.log.With("role", roleClassifier))
	}
	if d.has(roleListener) {
		d.lis, err = listener.New(cfg.Listener, cfg.Sources, cfg.Store, listener.Deps{
			JS: d.broker.js, Seen: d.broker.seen, Feeds: d.broker.feeds, Metrics: listener.NewMetrics(d.reg),
		}, d.log.With("role", roleListener))
		if err != nil {
			return cfg.Locate(err)
		}
	}
	if d.has(roleWorkflow) {
		d.wf, err = workflow.New(cfg, workflow.Deps{
			JS: d.broker.js, Cases: d.broker.cases, Console: d.stdout, Metrics: workflow.NewMetrics(d.reg),
			HTTPClient: newSlackHTTPClient(d.reg), Instance: d.broker.instance(), Alone: d.broker.sole,
		}, d.log.With("role", roleWorkflow))
		if err != nil {
			return cfg.Locate(err)
		}
		d.reports = report.NewScheduler(cfg.Reports, report.Store{JS: d.broker.js, Cases: d.broker.cases},
			cfg, slackClient(cfg.Slack), d.log.With("role", roleWorkflow, "component", "reports"))
	}
	d.current.Store(b)
	d.boot = cfg
	d.setLoaded(cfg)

	var ln net.Listener
	if cfg.HTTP.Listen != "off" {
		ln, err = net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			return fmt.Errorf("http.listen: %w", err)
		}
	}
	watcher, err := config.NewWatcher(d.path, 250*time.Millisecond)
	if err != nil {
		d.log.Warn("config file not watched; reload with SIGHUP or POST /-/reload", "err", err)
	}

	httpAddr := "off"
	if ln != nil {
		httpAddr = ln.Addr().String()
	}
	d.started()
	d.log.Info("earshot running", "version", buildVersion(), "roles", strings.Join(d.roles, ","),
		"config", d.path, "http", httpAddr, "shadow", cfg.Shadow)

	g, gctx := errgroup.WithContext(ctx)
	if d.lis != nil {
		g.Go(func() error { return d.lis.Run(gctx) })
	}
	if d.stage != nil {
		g.Go(func() error { return d.stage.Run(gctx) })
	}
	if d.wf != nil {
		g.Go(func() error { return d.wf.Run(gctx) })
		g.Go(func() error { return d.reports.Run(gctx) })
	}
	if ln != nil {
		g.Go(func() error { return d.serveHTTP(gctx, ln) })
	}
	if watcher != nil {
		g.Go(func() error {
			return watcher.Run(gctx, func() { _ = d.reload("file change") })
		})
	}
	g.Go(func() error { d.onSIGHUP(gctx); return nil })
	g.Go(func() error { return d.broker.watchStore(gctx, 2*time.Second) })
	return g.Wait()
}

func (d *daemon) onSIGHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = d.reload("SIGHUP")
		}
	}
}

// reload loads and compiles the config file and, only if all of it is
// valid, swaps it into every running role. A refused config leaves the
// running one in place.
func (d *daemon) reload(trigger string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.tryReload()
	if err != nil {
		d.reloadOK.Set(0)
		d.log.Error("config reload refused; the running config stays", "trigger", trigger, "config", d.path,
			"problems", len(config.Errors(err)), "err", err)
		return err
	}
	d.log.Info("config reloaded", "trigger", trigger, "config", d.path, "hash", d.current.Load().cfg.Hash[:12])
	return nil
}

func (d *daemon) tryReload() error {
	cfg, err := config.Load(d.path)
	if err != nil {
		return err
	}
	b, err := compile(cfg)
	if err != nil {
		return err
	}
	// Against the values running since the start, not the last reload's:
	// a reload that puts them back needs no restart.
	if run := d.boot; run != nil {
		var later []string
		for _, f := range []struct {
			name string
			same bool
		}{{"data_dir", cfg.DataDir == run.DataDir}, {"nats", cfg.NATS == run.NATS}, {"http", cfg.HTTP == run.HTTP}, {"store", cfg.Store == run.Store}} {
			if !f.same {
				later = append(later, f.name)
			}
		}
		if len(later) > 0 {
			d.log.Warn("changes take effect at the next restart", "fields", strings.Join(later, ", "))
		}
	}
	// Everything that can fail was checked by compile; apply in data-flow order.
	if d.lis != nil {
		if err := d.lis.Update(cfg.Listener, cfg.Sources); err != nil {
			return cfg.Locate(err)
		}
	}
	if d.stage != nil {
		d.stage.Swap(b.cls)
	}
	if d.wf != nil {
		if err := d.wf.Update(cfg); err != nil {
			return cfg.Locate(err)
		}
		d.reports.Update(cfg.Reports, cfg)
	}
	for _, w := range cfg.Warnings {
		d.log.Warn("config warning", "problem", w)
	}
	d.current.Store(b)
	d.setLoaded(cfg)
	return nil
}

// loopbackHosts refuses (421) requests to a server listening on a
// loopback address whose Host header names something other than a
// loopback address or "localhost": a web page whose name an attacker
// rebinds to 127.0.0.1 (DNS rebinding) reads /metrics or posts to
// /-/reload as its own origin otherwise. /slack/interactions is exempt:
// it is signed, and a TLS proxy in front of it may pass the public name.
// A server on any other address (a container's 0.0.0.0) is reached by
// names earshot cannot know and is left as it is.
func loopbackHosts(addr net.Addr, h http.Handler) http.Handler {
	ta, ok := addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsLoopback() {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slack/interactions" && !loopbackHost(r.Host) {
			http.Error(w, "earshot answers on this address to localhost only", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names this machine's
// loopback: "localhost" (or a name under it), or a loopback IP, with or
// without a port; or is missing (an HTTP/1.0 probe: browsers send one).
func loopbackHost(host string) bool {
	if host == "" {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// serveHTTP serves /metrics, /healthz, /readyz, /-/reload and
// /slack/interactions until ctx is done, then shuts down within a bound.
func (d *daemon) serveHTTP(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		var b bytes.Buffer
		d.reg.WritePrometheus(&b)
		metrics.WriteProcessMetrics(&b)
		_, _ = w.Write(withHelp(b.Bytes()))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if d.current.Load() == nil {
			http.Error(w, "config not loaded", http.StatusServiceUnavailable)
			return
		}
		if err := d.broker.ready(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	if d.wf != nil {
		// Slack's interactive payloads and slash commands (HTTP mode;
		// Socket Mode runs inside the workflow).
		mux.Handle("POST /slack/interactions", d.wf.InteractionHandler())
	}
	// A web page the operator visits must not reload the config: the
	// browser's cross-site POST is refused (403).
	mux.Handle("POST /-/reload", http.NewCrossOriginProtection().Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := d.reload("http"); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			printProblems(w, err)
			return
		}
		fmt.Fprintln(w, "reloaded")
	})))
	srv := &http.Server{
		Handler:           loopbackHosts(ln.Addr(), mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		d.log.Warn("http shutdown", "err", err)
	}
	<-errc
	return nil
}
