// Package listener collects mentions from feeds: it polls the configured
// sources on their schedules, fetches politely and defensively (conditional
// GET, Retry-After, size and time limits), parses RSS, Atom and JSON Feed,
// normalises each item into a mention.Mention, publishes every item exactly
// once to JetStream, and reports each source's health.
//
// Exactly once rests on three things: a dedup key per item (Miniflux's order:
// GUID, GUID plus URL or position when GUIDs repeat, URL, hash of title and
// content), that key used as the JetStream message ID, and the key recorded
// in the seen KV bucket after the publish succeeded. Fetch state (ETag,
// Last-Modified, health, backoff) lives in the feeds KV bucket, so a restart
// continues where the last run stopped.
package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/robfig/cron/v3"

	"github.com/earshot/earshot/config"
)

// Deps are the listener's connections. Streams and buckets are created by the
// wiring (stream mention.MentionsStream with subjects mention.MentionsPrefix+">",
// KV buckets mention.SeenBucket and mention.FeedsBucket, health events on
// mention.HealthSubject in stream mention.EventsStream).
type Deps struct {
	JS    jetstream.JetStream
	Seen  jetstream.KeyValue
	Feeds jetstream.KeyValue
	// Metrics come from NewMetrics; nil creates unregistered ones.
	Metrics *Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient replaces the listener's own hardened client (tests,
	// proxies). nil: the listener's client.
	HTTPClient *http.Client
}

// options are knobs that are not (yet) in the config file.
type options struct {
	// announceCrossSource republishes a mention (same Mention.ID, message ID
	// ID+"/"+source) when a second source finds the same canonical URL, so
	// that downstream sees Sources list both: the classifier publishes its
	// verdict again, the workflow adds the source to the open case (no
	// second alert), reports count the mention once.
	announceCrossSource bool
	// maxConcurrent bounds fetches across all hosts.
	maxConcurrent int
	// failAfter is how many consecutive failures make a source failing.
	failAfter int
}

// Listener polls sources and publishes their new items. Create it with New,
// start it with Run; Update swaps the source list while it runs.
type Listener struct {
	log     *slog.Logger
	deps    Deps
	metrics *Metrics
	now     func() time.Time
	client  *http.Client
	ownTr   *guardTransport // our transports, closed when Run returns
	store   config.Store
	opts    options
	bufs    sync.Pool
	// instance names this process in poll claims.
	instance string

	global chan struct{}

	// updating serializes Update, which waits for stopped polls outside mu.
	updating sync.Mutex

	mu      sync.Mutex
	cfg     config.Listener
	sources map[string]*source
	order   []string
	hosts   map[string]chan struct{}
	cron    *cron.Cron
	runCtx  context.Context
	stopped bool // Run is returning: start no more polls
	wg      sync.WaitGroup
}

// New validates the listener settings and the sources (presets, URLs,
// schedules, time zones) and returns a Listener. Every problem is returned,
// joined, each as a *config.FieldError with a path like "sources[2].query".
func New(cfg config.Listener, sources []config.Source, store config.Store, deps Deps, log *slog.Logger) (*Listener, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if deps.JS == nil || deps.Seen == nil || deps.Feeds == nil {
		return nil, errors.New("listener: JetStream, seen and feeds buckets are required")
	}
	l := &Listener{
		log:      log,
		instance: newInstanceID(),
		deps:     deps,
		metrics:  deps.Metrics,
		now:      deps.Now,
		store:    store,
		opts:     options{maxConcurrent: 64, failAfter: 1, announceCrossSource: true},
		sources:  map[string]*source{},
		hosts:    map[string]chan struct{}{},
	}
	l.bufs.New = func() any { return new(bytes.Buffer) }
	if l.metrics == nil {
		l.metrics = NewMetrics(nil)
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.cfg = listenerDefaults(cfg)
	if deps.HTTPClient != nil {
		l.client = deps.HTTPClient
	} else {
		l.client, l.ownTr = newHTTPClient(l.cfg.DenyPrivate, privateAddr)
	}
	l.global = make(chan struct{}, l.opts.maxConcurrent)
	built, err := l.build(sources)
	if err != nil {
		return nil, err
	}
	for _, s := range built {
		l.sources[s.cfg.Name] = s
		l.order = append(l.order, s.cfg.Name)
		l.metrics.init(s.cfg.Name)
	}
	return l, nil
}

// listenerDefaults fills in what the config left empty, with the config
// package's defaults.
func listenerDefaults(c config.Listener) config.Listener {
	if c.UserAgent == "" {
		c.UserAgent = config.DefaultUserAgent
	}
	if c.Timeout <= 0 {
		c.Timeout = config.DefaultFetchTimeout
	}
	if c.MaxSize <= 0 {
		c.MaxSize = config.DefaultMaxSize
	}
	if c.PerHost <= 0 {
		c.PerHost = config.DefaultPerHost
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = config.DefaultMaxBackoff
	}
	if c.MaxItems <= 0 {
		c.MaxItems = config.DefaultMaxItems
	}
	return c
}

// build validates sources and turns them into runtime sources.
func (l *Listener) build(sources []config.Source) ([]*source, error) {
	var errs []error
	seen := map[string]bool{}
	var out []*source
	for i, sc := range sources {
		path := fmt.Sprintf("sources[%d]", i)
		if sc.Name == "" {
			errs = append(errs, config.Errorf(path+".name", "a source needs a name"))
			continue
		}
		if seen[sc.Name] {
			errs = append(errs, config.Errorf(path+".name", "source %q is defined twice", sc.Name))
			continue
		}
		seen[sc.Name] = true
		s, err := newSource(sc, l.cfg)
		if err != nil {
			var fe *config.FieldError
			if errors.As(err, &fe) {
				fe.Path = path + "." + fe.Path
				errs = append(errs, fe)
			} else {
				errs = append(errs, config.Errorf(path, "%v", err))
			}
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Update replaces the listener settings and the source list without a
// restart: new sources are scheduled, removed ones stopped, changed ones
// rescheduled; unchanged sources keep their in-memory state and schedule.
// The polls of a removed or changed source are cancelled, in flight or
// waiting, and Update returns after they have; their outcome is not
// recorded, and a removed source's series are dropped after them. A changed
// source whose poll was cancelled is polled again at once with its new
// settings. Stored state (ETag, seen keys, health) survives in every case.
// On a validation error nothing changes.
func (l *Listener) Update(cfg config.Listener, sources []config.Source) error {
	l.updating.Lock()
	defer l.updating.Unlock()
	cfg = listenerDefaults(cfg)
	l.mu.Lock()
	oldCfg := l.cfg
	l.cfg = cfg
	built, err := l.build(sources)
	if err != nil {
		l.cfg = oldCfg
		l.mu.Unlock()
		return err
	}
	if cfg.DenyPrivate != oldCfg.DenyPrivate && l.ownTr != nil {
		l.log.Warn("deny_private changed; restart to apply it")
	}
	next := map[string]*source{}
	var order []string
	var added, changed, removed int
	var (
		stopped []*pollers // polls to wait for
		gone    []string   // removed sources, whose series go after their polls
		again   []*source  // changed sources whose poll was cancelled
	)
	globalChanged := !reflect.DeepEqual(cfg, oldCfg)
	for _, ns := range built {
		name := ns.cfg.Name
		order = append(order, name)
		old, ok := l.sources[name]
		if ok && !globalChanged && reflect.DeepEqual(old.cfg, ns.cfg) {
			next[name] = old
			continue
		}
		if ok {
			changed++
			if p, busy := l.unschedule(old); p != nil {
				stopped = append(stopped, p)
				if busy {
					again = append(again, old)
				}
			}
			old.reconfigure(ns)
			next[name] = old
			l.schedule(old)
			continue
		}
		added++
		next[name] = ns
		l.metrics.init(name)
		l.schedule(ns)
		l.pollSoon(ns, true)
	}
	for name, old := range l.sources {
		if _, ok := next[name]; !ok {
			removed++
			if p, _ := l.unschedule(old); p != nil {
				stopped = append(stopped, p)
			}
			gone = append(gone, name)
		}
	}
	l.sources, l.order = next, order
	l.mu.Unlock()
	for _, p := range stopped {
		p.wait()
	}
	for _, name := range gone {
		l.metrics.forget(name)
	}
	if len(again) > 0 {
		l.mu.Lock()
		for _, s := range again {
			l.pollSoon(s, false)
		}
		l.mu.Unlock()
	}
	l.log.Info("listener sources updated", "added", added, "changed", changed, "removed", removed, "sources", len(order))
	return nil
}

// Run polls the sources until ctx is done: sources that are overdue (or new)
// are polled at once, with jitter, then each on its schedule. On ctx done it
// stops the scheduler, waits for running polls and returns nil.
func (l *Listener) Run(ctx context.Context) error {
	cl := cronLogger{l.log}
	c := cron.New(cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)), cron.WithLogger(cl), cron.WithParser(cronParser))
	l.mu.Lock()
	if l.cron != nil {
		l.mu.Unlock()
		return errors.New("listener: Run called twice")
	}
	l.cron, l.runCtx = c, ctx
	for _, name := range l.order {
		l.schedule(l.sources[name])
	}
	initial := make([]*source, 0, len(l.order))
	for _, name := range l.order {
		initial = append(initial, l.sources[name])
	}
	l.mu.Unlock()

	c.Start()
	l.log.Info("listener started", "sources", len(initial))
	if st, err := l.deps.Seen.Status(ctx); err == nil && l.store.SeenTTL > 0 && st.TTL() != l.store.SeenTTL.D() {
		l.log.Warn("seen bucket ttl differs from store.seen_ttl", "bucket_ttl", st.TTL(), "seen_ttl", l.store.SeenTTL.D())
	}
	l.mu.Lock()
	for _, s := range initial {
		l.pollSoon(s, true) // a source a reload removed meanwhile is not polled
	}
	l.mu.Unlock()
	<-ctx.Done()
	<-c.Stop().Done()
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.wg.Wait()
	if l.ownTr != nil {
		l.ownTr.CloseIdleConnections()
	}
	l.log.Info("listener stopped")
	return nil
}

// sourceByName returns the source called name.
func (l *Listener) sourceByName(name string) (*source, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.sources[name]
	return s, ok
}

// closeIdle closes the idle connections of the listener's own client.
func (l *Listener) closeIdle() {
	if l.ownTr != nil {
		l.ownTr.CloseIdleConnections()
	}
}
