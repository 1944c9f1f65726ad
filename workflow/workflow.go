package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// Deps are the workflow's connections to the rest of the process.
type Deps struct {
	// JS reaches mention.VerdictsStream and mention.EventsStream, which the
	// wiring creates.
	JS jetstream.JetStream
	// Cases is the mention.CasesBucket KV bucket.
	Cases jetstream.KeyValue
	// Console receives alerts when no Slack bot token is configured.
	Console io.Writer
	Metrics *Metrics
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// HTTPClient talks to Slack (nil: a client with a 30s timeout).
	HTTPClient *http.Client
	// Instance names this process among the instances sharing the cases
	// bucket (empty: a random name). A name that stays the same across
	// restarts lets a restarted process resume its own waiting cases at
	// once instead of after its old heartbeat goes stale.
	Instance string
	// Alone says that no other instance can reach the cases bucket (an
	// embedded NATS server that listens for no one): no heartbeat is
	// written, nobody sweeps for stopped instances' cases, and at start
	// every waiting case is this run's to deliver. An instance that may
	// have company heartbeats every 2 s and sweeps every 5 s.
	Alone bool
}

// Consumer names on the streams, shared by every instance so that they
// split the work.
const (
	verdictsConsumer = "workflow"
	eventsConsumer   = "workflow_events"
)

// Workflow routes critical verdicts to their owners, keeps their cases and
// makes sure someone answers. Build it with New and start it with Run.
type Workflow struct {
	log      *slog.Logger
	js       jetstream.JetStream
	now      func() time.Time
	metrics  *Metrics
	store    *Store
	notifier notifier
	users    *userCache
	disp     *dispatcher
	esc      *escalator
	backoff  backoff

	router atomic.Pointer[Router]
	slack  atomic.Pointer[config.Slack]

	// ui opens modals and answers one person (nil without Slack).
	ui slackUI
	// jobs feeds the interaction workers Run starts.
	jobs chan func(ctx context.Context)
	// silences are the ones set from Slack, kept in the cases bucket.
	silences *silenceStore
	// socket builds the Socket Mode client when an app token is set.
	socket func() *slack.Client
	// inc groups bursts into incidents (nil for the console).
	inc *incidents
	// instance names this workflow in pending records and heartbeats
	// (instances.go).
	instance string
	alone    bool // Deps.Alone
	// retryKick asks runRetries to try every given-up alert again (a
	// reload may have fixed its cause).
	retryKick chan struct{}
	// replays are the signed Slack requests served lately (replay.go).
	replays *replays
}

// New builds a workflow from cfg. It fails with the router's field errors
// when routes, guidelines or policy are invalid.
func New(cfg *config.Config, deps Deps, log *slog.Logger) (*Workflow, error) {
	if deps.Cases == nil {
		return nil, errors.New("workflow: no cases bucket")
	}
	var n notifier
	var socket func() *slack.Client
	if cfg.Slack.BotToken.IsSet() {
		hc := deps.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 30 * time.Second}
		}
		sn := newSlackNotifier(cfg.Slack.BotToken.Value(), cfg.Slack.APIURL, hc)
		n = sn
		if cfg.Slack.AppToken.IsSet() {
			bot, app, api := cfg.Slack.BotToken.Value(), cfg.Slack.AppToken.Value(), cfg.Slack.APIURL
			socket = func() *slack.Client { return socketAPI(bot, app, api, hc) }
		}
	} else {
		n = newConsoleNotifier(deps.Console)
	}
	w, err := newWorkflow(cfg, jsKV{deps.Cases}, n, deps.Metrics, deps.Now, log)
	if err != nil {
		return nil, err
	}
	w.js = deps.JS
	if deps.Instance != "" {
		w.instance = deps.Instance
	}
	w.alone = deps.Alone
	if ui, ok := n.(slackUI); ok {
		w.ui = ui
	}
	w.socket = socket
	return w, nil
}

// newWorkflow builds a workflow on any case store and notifier: New uses
// JetStream and Slack, tests use memory and fakes.
func newWorkflow(cfg *config.Config, kv caseKV, n notifier, m *Metrics, now func() time.Time, log *slog.Logger) (*Workflow, error) {
	r, err := NewRouter(cfg)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	w := &Workflow{
		log: log, now: now, metrics: m, notifier: n, users: newUserCache(n, now),
		store: newStore(kv, now, m), backoff: defaultBackoff, instance: newInstanceID(),
		jobs: make(chan func(ctx context.Context), interactionQueue), silences: newSilenceStore(kv, now),
		retryKick: make(chan struct{}, 1), replays: newReplays(maxReplays),
	}
	w.router.Store(r)
	s := cfg.Slack
	w.slack.Store(&s)
	w.disp = newDispatcher(w, cfg.Slack.PerChannelRate, defaultBurst)
	w.esc = newEscalator(now)
	if n.kind() != "console" {
		w.inc = newIncidents(defaultIncidentSettings)
	}
	return w, nil
}

// Update applies a reloaded config: routes, guidelines, policy, shadow
// mode, the admin channel and the per-channel rate change atomically; an
// invalid config is refused and the running one stays. Open cases keep the
// owner and channel they were opened with. The Slack token is read only by
// New (a new token needs a restart).
func (w *Workflow) Update(cfg *config.Config) error {
	r, err := NewRouter(cfg)
	if err != nil {
		return err
	}
	s := cfg.Slack
	w.router.Store(r)
	w.slack.Store(&s)
	w.disp.setRate(cfg.Slack.PerChannelRate)
	// A reload may fix what made alerts fail for good (a channel's name,
	// an owner's address, a token): try them again.
	select {
	case w.retryKick <- struct{}{}:
	default:
	}
	return nil
}

// Router returns the router in use, for `earshot routes test` and reports.
func (w *Workflow) Router() *Router { return w.router.Load() }

// Cases returns the case store, for Slack interactions and reports.
func (w *Workflow) Cases() *Store { return w.store }

// Run consumes verdicts and health events, delivers alerts and runs the
// escalation timers until ctx is done; then it stops consuming, lets the
// stages finish and returns nil. Cases left undelivered by a previous run
// are delivered first.
func (w *Workflow) Run(ctx context.Context) error {
	if w.js == nil {
		return errors.New("workflow: no JetStream")
	}
	if ctx.Err() != nil {
		return nil
	}
	if w.notifier.kind() == "console" {
		w.log.Info("slack not configured, printing alerts to the console")
	}
	if s := w.slack.Load(); s.AppToken.IsSet() && w.socket == nil {
		w.log.Warn("slack app token set without a bot token, socket mode off")
	}
	verdicts, err := w.consumer(ctx, mention.VerdictsStream, jetstream.ConsumerConfig{
		Durable:       verdictsConsumer,
		FilterSubject: mention.VerdictsPrefix + ">",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 256,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("workflow: verdicts consumer: %w", err)
	}
	events, err := w.consumer(ctx, mention.EventsStream, w.eventsConfig(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("workflow: events consumer: %w", err)
	}

	stages, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { w.disp.run(stages) })
	wg.Go(func() { w.esc.run(stages, w.escalateGuarded) })
	for range interactionWorkers {
		wg.Go(func() { w.runJobs(stages) })
	}
	if w.inc != nil {
		wg.Go(func() { w.runIncidents(stages) })
	}
	if w.socket != nil {
		wg.Go(func() { w.runSocketMode(stages) })
	}
	if !w.alone {
		wg.Go(func() { w.runInstance(stages) })
	}
	wg.Go(func() { w.runRetries(stages) })
	// The open-case count's watcher reads the stored cases for resume
	// too (the in-memory store of tests has none: resume reads them).
	var resumed error
	if _, ok := w.store.kv.(jsKV); ok {
		first := newFirstPass(w.track)
		wg.Go(func() { w.followCases(stages, w.metrics.Open, first) })
		resumed = w.resumeFrom(ctx, first)
	} else {
		resumed = w.resume(ctx)
	}
	if resumed != nil {
		w.logError(ctx, "resume cases", "err", resumed)
	}

	// Short pulls, so that a lost server or a JetStream restart (after a
	// full disk) is noticed in seconds, not half a minute.
	vc, err := verdicts.Consume(func(msg jetstream.Msg) { w.onVerdict(ctx, msg) }, jetstream.PullExpiry(5*time.Second))
	if err != nil {
		stop()
		wg.Wait()
		return fmt.Errorf("workflow: consume verdicts: %w", err)
	}
	ec, err := events.Consume(func(msg jetstream.Msg) { w.onEvent(ctx, msg) }, jetstream.PullExpiry(5*time.Second))
	if err != nil {
		vc.Stop()
		stop()
		wg.Wait()
		return fmt.Errorf("workflow: consume events: %w", err)
	}
	<-ctx.Done()
	// Stop taking work, then stop the stages. Undelivered cases stay in
	// the store as new and are picked up by the next run.
	vc.Stop()
	ec.Stop()
	<-vc.Closed()
	<-ec.Closed()
	stop()
	wg.Wait()
	return nil
}

// resume queues the cases a previous run left undelivered and schedules
// the escalations of open cases, reading the stored cases itself.
func (w *Workflow) resume(ctx context.Context) error {
	var waiting []*Case
	err := w.store.Each(ctx, func(c *Case) error {
		if waitsForDelivery(c) || gaveUp(c) {
			waiting = append(waiting, c)
			return nil
		}
		w.track(c)
		return nil
	}, func(id string, err error) {
		w.log.Warn("resume case", "case", id, "err", err)
	})
	if err != nil {
		return err
	}
	w.queueWaiting(ctx, waiting)
	return nil
}

// resumeFrom does what resume does with the cases of first, once they are
// in (the watcher that counts the open cases reads them).
func (w *Workflow) resumeFrom(ctx context.Context, first *firstPass) error {
	select {
	case <-ctx.Done():
		return nil
	case <-first.done:
	}
	if first.err != nil {
		return fmt.Errorf("read cases: %w", first.err)
	}
	w.queueWaiting(ctx, first.waiting)
	return nil
}

// queueWaiting queues the stored cases waiting for delivery, and those
// given up on before (each start tries them again), in the order they were
// opened.
func (w *Workflow) queueWaiting(ctx context.Context, waiting []*Case) {
	slices.SortStableFunc(waiting, func(a, b *Case) int { return a.Created.Compare(b.Created) })
	for _, c := range waiting {
		// A case waiting for delivery is this instance's only if no live
		// instance delivers it; the sweep takes it over later otherwise.
		if w.claim(ctx, c.ID, true) {
			w.requeue(ctx, c)
		}
	}
}

// track queues an undelivered case for delivery, or schedules the next
// escalation step of a delivered one.
func (w *Workflow) track(c *Case) {
	if c.Delivery.Channel != "" {
		w.disp.alias(c.Delivery.Channel, w.dest(c))
	}
	switch {
	case c.State == StateNew && c.Delivery.TS == "" && c.Delivery.Failed == "":
		w.disp.enqueue(w.dest(c), c.ID)
	case c.State == StateSnoozed && c.Delivery.TS != "":
		w.esc.schedule(c.ID, c.SnoozedUntil)
	case c.State.Escalating() && c.Delivery.TS != "":
		if _, at, ok := c.Escalation.next(c.EscalateTo != ""); ok {
			w.esc.schedule(c.ID, at)
		}
	}
}

// dest is where a case's alert goes: its channel, or the owner for a
// direct message.
func (w *Workflow) dest(c *Case) string {
	if c.Channel != "" {
		return c.Channel
	}
	return "@" + c.Owner
}

func (w *Workflow) onVerdict(ctx context.Context, msg jetstream.Msg) {
	var err error
	// A verdict that makes handling panic (a bug that its text found)
	// would do it again on every redelivery, and after a crash on every
	// restart: it is refused like one that cannot be read.
	if perr := catch(func() { err = w.handleVerdict(ctx, msg.Data()) }); perr != nil {
		w.log.Error("verdict not handled, not redelivered", "subject", msg.Subject(), "err", perr)
		_ = msg.Term()
		return
	}
	var bad *badMessage
	switch {
	case errors.As(err, &bad):
		w.log.Warn("verdict refused", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
	case err != nil:
		w.logError(ctx, "verdict not handled", "subject", msg.Subject(), "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
	default:
		_ = msg.Ack()
	}
}

// badMessage marks a message that can never be handled.
type badMessage struct{ err error }

func (b *badMessage) Error() string { return b.err.Error() }
func (b *badMessage) Unwrap() error { return b.err }

// handleVerdict is the route and dedup stages: it opens one case per route
// a critical verdict takes, unless the case exists already, and queues it
// for delivery. In shadow mode it only counts.
func (w *Workflow) handleVerdict(ctx context.Context, data []byte) error {
	v, err := mention.DecodeVerdict(data)
	if err != nil {
		w.metrics.Verdicts.WithLabelValues("invalid").Inc()
		return &badMessage{err}
	}
	switch {
	case v.Mention.Update:
		w.metrics.Verdicts.WithLabelValues("update").Inc()
		return w.mergeSources(ctx, &v)
	case !v.Criticism:
		w.metrics.Verdicts.WithLabelValues("not_critical").Inc()
		return nil
	case v.Mention.Baseline:
		w.metrics.Verdicts.WithLabelValues("baseline").Inc()
		return nil
	}
	r := w.router.Load()
	matches := r.Route(&v)
	w.watchSpike(ctx, &v, matches)
	if len(matches) == 0 {
		w.metrics.Verdicts.WithLabelValues("unrouted").Inc()
		w.log.Info("critical mention matches no route", "mention", v.Mention.ID, "topic", v.Topic())
		return nil
	}
	if s, ok := r.Silenced(&v, w.now()); ok {
		w.metrics.Verdicts.WithLabelValues("silenced").Inc()
		w.metrics.Silenced.WithLabelValues("config").Inc()
		w.log.Info("critical mention silenced", "mention", v.Mention.ID, "reason", s.Reason, "until", s.Until)
		return nil
	}
	switch s, ok, err := w.silences.match(ctx, &v); {
	case err != nil:
		// Fail open: an alert too many is better than a lost one.
		w.log.Warn("slack silences not checked", "err", err)
	case ok:
		w.metrics.Verdicts.WithLabelValues("silenced").Inc()
		w.metrics.Silenced.WithLabelValues("slack").Inc()
		w.log.Info("critical mention silenced", "mention", v.Mention.ID, "silence", s.ID, "author", s.Author, "until", s.Until)
		return nil
	}
	for _, m := range matches {
		if r.shadow || m.Route.Shadow {
			w.metrics.Verdicts.WithLabelValues("shadowed").Inc()
			w.metrics.Shadowed.WithLabelValues(m.ID).Inc()
			w.log.Debug("alert held back by shadow mode", "mention", v.Mention.ID, "route", m.ID)
			continue
		}
		if err := w.open(ctx, r, &v, m); err != nil {
			return err
		}
	}
	return nil
}

// mergeSources adds the sources of an update (another source found the
// same mention) to the mention's open cases. It never opens a case or
// alerts: the mention is not news.
func (w *Workflow) mergeSources(ctx context.Context, v *mention.Verdict) error {
	r := w.router.Load()
	for i := range r.routes {
		id := CaseID(v.Mention.ID, r.routes[i].id)
		_, err := w.store.Modify(ctx, id, func(c *Case) error {
			m := &c.Verdict.Mention
			added := false
			for _, s := range v.Mention.Sources {
				if s != m.Source && !slices.Contains(m.Sources, s) {
					m.Sources, added = append(m.Sources, s), true
				}
			}
			if !added {
				return errUnchanged
			}
			c.record(w.now(), "earshot", "also_found", "", "also found by "+strings.Join(m.Sources, ", "))
			return nil
		})
		switch {
		case err == nil:
			w.log.Info("case mention also found by another source", "case", id, "sources", strings.Join(v.Mention.Sources, ","))
		case errors.Is(err, ErrCaseNotFound), errors.Is(err, errUnchanged):
		default:
			return err
		}
	}
	return nil
}

// errUnchanged stops a Modify that has nothing to change.
var errUnchanged = errors.New("unchanged")

// open creates the case of v on route m and queues it; a case that exists
// already (the verdict came again) is queued again only if it was never
// delivered.
func (w *Workflow) open(ctx context.Context, r *Router, v *mention.Verdict, m RouteMatch) error {
	now := w.now()
	c := &Case{
		ID: CaseID(v.Mention.ID, m.ID), State: StateNew, Route: m.ID, Guideline: m.Route.Guideline,
		Owner: m.Route.Owner, Deputy: m.Route.Deputy, EscalateTo: m.Route.EscalateTo, Team: m.Route.Team,
		Channel: m.Route.Channel, Verdict: *v, Created: now, Updated: now,
		History: []Event{{At: now, Actor: "earshot", Action: "opened", To: StateNew, Note: "route " + m.ID}},
	}
	if cr := r.route(m.ID); cr != nil {
		c.Escalation = cr.deadlines(now)
	}
	// The pending record first: a case without one is found only by a
	// restart, one with it by any live instance (instances.go).
	if err := w.markPending(ctx, c.ID); err != nil {
		return err
	}
	err := w.store.create(ctx, c)
	if errors.Is(err, errKeyExists) {
		w.metrics.Verdicts.WithLabelValues("duplicate").Inc()
		old, _, gerr := w.store.Get(ctx, c.ID)
		if gerr != nil {
			return gerr
		}
		w.track(old)
		return nil
	}
	if err != nil {
		return err
	}
	w.metrics.Verdicts.WithLabelValues("opened").Inc()
	w.log.Info("case opened", "case", c.ID, "route", m.ID, "mention", v.Mention.ID, "severity", string(v.Severity))
	if w.inc != nil {
		if key := w.holdIncident(ctx, c, now); key != "" {
			// Delivered in the incident's thread (incidents.go).
			if _, err := w.store.Modify(ctx, c.ID, func(c *Case) error { c.Incident = key; return nil }); err != nil {
				w.log.Warn("incident not recorded on case", "case", c.ID, "err", err)
			}
			return nil
		}
	}
	w.track(c)
	return nil
}

// consumer creates or updates the durable consumer cfg on stream. A
// server that does not answer in time (a cluster electing its leaders, a
// JetStream restarting) is asked again with backoff until ctx is done; only
// a config the server refuses is an error.
// eventsBacklog is how old the source health events are that the events
// consumer reads when it is first made.
const eventsBacklog = time.Hour

// eventsConfig is the events consumer's config. Made for the first time,
// it starts with the events of the last eventsBacklog: on a fresh install
// the listener publishes before the consumer exists, and the first
// failing sources would go unreported (their state stays failing, so they
// are not published again), as in a cluster whose workflow instance
// starts after a listener; older events are history, which the stream
// keeps for the reports. A consumer that exists keeps its start (NATS
// does not change a consumer's deliver policy).
func (w *Workflow) eventsConfig(ctx context.Context) jetstream.ConsumerConfig {
	start := w.now().Add(-eventsBacklog)
	cfg := jetstream.ConsumerConfig{
		Durable:       eventsConsumer,
		FilterSubject: mention.HealthSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime:  &start,
		AckWait:       time.Minute,
	}
	if c, err := w.js.Consumer(ctx, mention.EventsStream, eventsConsumer); err == nil {
		prev := c.CachedInfo().Config
		cfg.DeliverPolicy, cfg.OptStartTime = prev.DeliverPolicy, prev.OptStartTime
	}
	return cfg
}

func (w *Workflow) consumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for attempt := 0; ; attempt++ {
		c, err := w.js.CreateOrUpdateConsumer(ctx, stream, cfg)
		var apiErr *jetstream.APIError
		if err == nil || ctx.Err() != nil || errors.As(err, &apiErr) && apiErr.Code == 400 {
			return c, err
		}
		wait := w.backoff.delay(attempt)
		w.log.Warn("consumer not created, retrying", "stream", stream, "consumer", cfg.Durable, "retry_in", wait, "err", err)
		if !pause(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}

// logError logs a failure at error level, unless ctx is done: then the
// failure is the shutdown's doing (the work stays in the store for the next
// run) and is logged at debug level.
func (w *Workflow) logError(ctx context.Context, msg string, args ...any) {
	if ctx.Err() != nil {
		w.log.Debug(msg, append(args, "stopping", true)...)
		return
	}
	w.log.Error(msg, args...)
}
