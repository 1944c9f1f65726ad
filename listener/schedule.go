package listener

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/earshot/earshot/config"
)

// cronParser parses source schedules: five fields or a descriptor
// (@hourly, @every 10m), with an optional CRON_TZ= prefix.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// source is one configured source at run time.
type source struct {
	// polling is held while a poll runs; a poll that cannot take it is
	// skipped (skip-if-still-running).
	polling sync.Mutex

	mu       sync.Mutex
	cfg      config.Source
	url      string
	host     string
	interval time.Duration
	sched    cron.Schedule
	jitter   time.Duration
	backoff  time.Duration // cap of the failure backoff
	entry    cron.EntryID
	// pollers are the polls of the current schedule; nil while unscheduled.
	pollers *pollers
	st      feedState
	loaded  bool
	// recent holds the mention IDs of the last fetch, so that an unchanged
	// item costs no KV lookup.
	recent map[string]struct{}
}

// newSource validates sc and fills in its defaults from the listener settings.
func newSource(sc config.Source, lc config.Listener) (*source, error) {
	u, err := BuildURL(sc)
	if err != nil {
		return nil, err
	}
	if sc.Timeout <= 0 {
		sc.Timeout = lc.Timeout
	}
	if sc.MaxSize <= 0 {
		sc.MaxSize = lc.MaxSize
	}
	if sc.MaxItems <= 0 {
		sc.MaxItems = lc.MaxItems
	}
	if sc.UserAgent == "" {
		sc.UserAgent = lc.UserAgent
	}
	for k := range sc.Headers {
		if k == "" || strings.ContainsAny(k, " :\t\r\n") {
			return nil, config.Errorf("headers", "%q is not a header name", k)
		}
	}
	s := &source{cfg: sc, url: u}
	if pu, err := url.Parse(u); err == nil {
		s.host = pu.Host
	}
	switch {
	case sc.Every > 0 && sc.Schedule != "":
		return nil, config.Errorf("schedule", "give either every or schedule, not both")
	case sc.Schedule != "":
		spec := sc.Schedule
		if sc.TimeZone != "" {
			if _, err := time.LoadLocation(sc.TimeZone); err != nil {
				return nil, config.Errorf("time_zone", "unknown time zone %q, e.g. Europe/Berlin", sc.TimeZone)
			}
			spec = "CRON_TZ=" + sc.TimeZone + " " + spec
		}
		sched, err := cronParser.Parse(spec)
		if err != nil {
			return nil, config.Errorf("schedule", "%q is not a cron schedule, e.g. \"*/10 * * * *\": %v", sc.Schedule, err)
		}
		s.sched = sched
		s.interval = shortestGap(sched, time.Now())
	default:
		if sc.TimeZone != "" {
			return nil, config.Errorf("time_zone", "time_zone applies to a schedule only")
		}
		every := sc.Every.D()
		if every == 0 {
			every = config.DefaultEvery.D()
		}
		if every < time.Second {
			return nil, config.Errorf("every", "%s is too short (at least 1s)", every)
		}
		s.interval = every
		s.sched = cron.Every(every)
	}
	s.jitter = lc.JitterFor(s.interval)
	s.backoff = max(lc.MaxBackoff.D(), s.interval)
	return s, nil
}

// reconfigure takes the settings of ns (same name), keeping the state.
func (s *source) reconfigure(ns *source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.url != ns.url {
		// Another feed: its validators and remembered IDs do not apply.
		s.recent = nil
	}
	s.cfg, s.url, s.host, s.interval = ns.cfg, ns.url, ns.host, ns.interval
	s.sched, s.jitter, s.backoff = ns.sched, ns.jitter, ns.backoff
}

// snapshot returns the settings a poll works with.
func (s *source) snapshot() (config.Source, string, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg, s.url, s.interval
}

// pollers are the polls of one source under one schedule: the scheduled
// ones and those started at once by Run and Update. They run under ctx, a
// child of Run's. A reload that removes or changes the source stops them:
// stop cancels what they wait for or do (the jitter, a per-host slot, the
// fetch, a publish) and lets no new one start, and wait waits for the last
// to return. A poll whose context is done records nothing, so a stopped
// poll leaves no state, metrics or health event behind.
type pollers struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	running int
	wg      sync.WaitGroup
}

func newPollers(parent context.Context) *pollers {
	ctx, cancel := context.WithCancel(parent)
	return &pollers{ctx: ctx, cancel: cancel}
}

// do runs poll with p's context, unless p is stopped.
func (p *pollers) do(poll func(ctx context.Context)) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.running++
	p.wg.Add(1) // never after stop, so never beside wait
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.running--
		p.mu.Unlock()
		p.wg.Done()
	}()
	poll(p.ctx)
}

// stop cancels p's polls and lets no new one start. It reports whether a
// poll was running.
func (p *pollers) stop() (busy bool) {
	p.mu.Lock()
	p.stopped = true
	busy = p.running > 0
	p.mu.Unlock()
	p.cancel()
	return busy
}

// wait waits until the polls stop interrupted have returned.
func (p *pollers) wait() { p.wg.Wait() }

// schedule adds s to the running scheduler, with pollers of its own.
// Callers hold l.mu.
func (l *Listener) schedule(s *source) {
	if l.cron == nil {
		return
	}
	p := newPollers(l.runCtx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entry = l.cron.Schedule(s.sched, cron.FuncJob(func() {
		p.do(func(ctx context.Context) { l.jitteredPoll(ctx, s) })
	}))
	s.pollers = p
}

// unschedule removes s from the running scheduler and stops its polls. It
// returns their pollers (nil if s was not scheduled), for the caller to
// wait for outside l.mu (a stopping poll may still take it), and whether a
// poll was running. Callers hold l.mu.
func (l *Listener) unschedule(s *source) (*pollers, bool) {
	s.mu.Lock()
	p := s.pollers
	if p == nil {
		s.mu.Unlock()
		return nil, false
	}
	l.cron.Remove(s.entry)
	s.pollers = nil
	s.mu.Unlock()
	return p, p.stop()
}

// pollSoon polls s in the background under its pollers: at once, or when
// ifOverdue is set only if s is overdue. Callers hold l.mu, which orders
// it before Run's wait for l.wg.
func (l *Listener) pollSoon(s *source, ifOverdue bool) {
	s.mu.Lock()
	p := s.pollers
	s.mu.Unlock()
	if p == nil || l.stopped {
		return
	}
	l.wg.Go(func() {
		p.do(func(ctx context.Context) {
			if !ifOverdue || l.overdue(ctx, s) {
				l.jitteredPoll(ctx, s)
			}
		})
	})
}

// jitteredPoll waits a random part of the source's jitter, then polls.
func (l *Listener) jitteredPoll(ctx context.Context, s *source) {
	s.mu.Lock()
	j := s.jitter
	s.mu.Unlock()
	if j > 0 {
		t := time.NewTimer(rand.N(j))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	l.poll(ctx, s)
}

// overdue reports whether s has not been fetched for a whole interval (or
// never), so Run polls it at start instead of waiting for the schedule.
func (l *Listener) overdue(ctx context.Context, s *source) bool {
	st, err := l.state(ctx, s)
	if err != nil {
		return true
	}
	_, _, interval := s.snapshot()
	return st.LastFetch.IsZero() || !l.now().Before(st.LastFetch.Add(interval))
}

// acquire waits for a fetch slot for host, bounded per host and overall.
// The returned func releases it.
func (l *Listener) acquire(ctx context.Context, host string) (func(), error) {
	l.mu.Lock()
	sem, ok := l.hosts[host]
	if !ok {
		sem = make(chan struct{}, l.cfg.PerHost)
		l.hosts[host] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case l.global <- struct{}{}:
	case <-ctx.Done():
		<-sem
		return nil, ctx.Err()
	}
	return func() { <-l.global; <-sem }, nil
}

// backoffDelay is the wait after the n-th consecutive failure: the interval
// for the first, doubling after that, capped at limit (which is at least
// the interval).
func backoffDelay(n int, interval, limit time.Duration) time.Duration {
	if n <= 1 {
		return interval
	}
	d := interval
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	c.log.Debug("cron "+msg, kv...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.log.Error("cron "+msg, append([]any{"err", fmt.Sprint(err)}, kv...)...)
}

// shortestGap returns the shortest time between two of the next runs of
// sched after now: a schedule's interval, whatever day it is looked at (a
// weekday schedule looked at on a Friday has a 72 h gap next, but runs
// daily).
func shortestGap(sched cron.Schedule, now time.Time) time.Duration {
	t := sched.Next(now)
	var gap time.Duration
	for range 16 {
		n := sched.Next(t)
		if n.IsZero() {
			break
		}
		if d := n.Sub(t); gap == 0 || d < gap {
			gap = d
		}
		t = n
	}
	return gap
}
