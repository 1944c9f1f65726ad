package listener

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// Bounds of the learnt stale period.
const (
	minStale = 24 * time.Hour
	maxStale = 30 * 24 * time.Hour
)

// learnGap returns the average gap between the (up to 20) newest dated
// items, 0 when fewer than two are dated.
func learnGap(items []rawItem) time.Duration {
	ts := make([]time.Time, 0, len(items))
	for i := range items {
		if !items[i].published.IsZero() {
			ts = append(ts, items[i].published)
		}
	}
	if len(ts) < 2 {
		return 0
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return b.Compare(a) })
	ts = ts[:min(len(ts), 20)]
	return ts[0].Sub(ts[len(ts)-1]) / time.Duration(len(ts)-1)
}

// staleAfter is how long a source may go without a new item before it is
// stale: configured, else four learnt gaps, at least four intervals and a
// day, at most 30 days. 0: unknown, never stale.
func staleAfter(configured, gap, interval time.Duration) time.Duration {
	if configured > 0 {
		return configured
	}
	if gap <= 0 {
		return 0
	}
	return min(max(4*gap, 4*interval, minStale), maxStale)
}

// setHealth moves st to state and, on a change, logs it, updates the
// metric and publishes a mention.SourceHealth event (unless dry). A new
// source coming up is not an event.
func (l *Listener) setHealth(ctx context.Context, name string, st *feedState, state mention.HealthState, until, now time.Time, dry bool) {
	prev := st.Health
	if !dry {
		up := 0.0
		if state == mention.HealthUp || state == mention.HealthStale {
			up = 1
		}
		l.metrics.up(name).Set(up)
	}
	if prev == state {
		return
	}
	st.Health, st.HealthChanged = state, now
	if dry || (prev == "" && state == mention.HealthUp) {
		return
	}
	h := mention.SourceHealth{Source: name, State: state, Previous: prev, Changed: now, Until: until}
	if state == mention.HealthFailing {
		h.Error = st.LastError
	}
	attrs := []any{"source", name, "state", state, "previous", prev}
	if h.Error != "" {
		attrs = append(attrs, "err", h.Error)
	}
	if !until.IsZero() {
		attrs = append(attrs, "until", until)
	}
	if state == mention.HealthUp {
		l.log.Info("source health changed", attrs...)
	} else {
		l.log.Warn("source health changed", attrs...)
	}
	b, err := h.Encode()
	if err != nil {
		return
	}
	id := mention.SubjectToken(name) + "/" + string(state) + "/" + strconv.FormatInt(now.UnixNano(), 10)
	if _, err := l.deps.JS.Publish(ctx, mention.HealthSubject, b, jetstream.WithMsgID(id)); err != nil {
		l.logError(ctx, "publish source health failed", "source", name, "err", err)
	}
}

// failed records a failed fetch: rate limited (until the server's time or
// the backoff) or failing (with the error), and the backoff.
func (l *Listener) failed(ctx context.Context, s *source, st *feedState, err error, now time.Time, dry bool) {
	cfg, _, interval := s.snapshot()
	name := cfg.Name
	st.Failures++
	delay := backoffDelay(st.Failures, interval, s.backoffCap())
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		until := rl.Until
		if until.IsZero() {
			until = now.Add(delay)
		}
		st.RateLimitedUntil = until
		if !dry {
			l.metrics.fetches(name, "rate_limited").Inc()
			l.log.Warn("feed rate limited", "source", name, "retry_after", until.Sub(now), "until", until)
		}
		l.setHealth(ctx, name, st, mention.HealthRateLimited, until, now, dry)
		return
	}
	st.LastError = err.Error()
	st.BackoffUntil = now.Add(delay)
	if dry {
		return
	}
	l.metrics.fetches(name, "error").Inc()
	l.log.Warn("fetch failed", "source", name, "err", err, "failures", st.Failures, "retry_in", delay)
	if st.Failures >= l.opts.failAfter {
		l.setHealth(ctx, name, st, mention.HealthFailing, time.Time{}, now, dry)
	}
}

// succeeded records a successful fetch with newItems new items and decides
// between up and stale.
func (l *Listener) succeeded(ctx context.Context, s *source, st *feedState, f *feed, newItems int, now time.Time, dry bool) {
	cfg, _, interval := s.snapshot()
	st.Failures, st.LastError = 0, ""
	st.BackoffUntil, st.RateLimitedUntil = time.Time{}, time.Time{}
	st.LastSuccess = now
	if newItems > 0 || !st.Initialized || st.LastNewItem.IsZero() {
		st.LastNewItem = now
	}
	if f != nil {
		if g := learnGap(f.items); g > 0 {
			st.Gap = g
		}
	}
	st.Initialized = true
	state := mention.HealthUp
	if sa := staleAfter(cfg.StaleAfter.D(), st.Gap, interval); sa > 0 && now.Sub(st.LastNewItem) > sa {
		state = mention.HealthStale
	}
	if !dry {
		l.metrics.lastSuccess(cfg.Name).Set(float64(now.Unix()))
	}
	l.setHealth(ctx, cfg.Name, st, state, time.Time{}, now, dry)
}

// backoffCap is the longest backoff of s.
func (s *source) backoffCap() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backoff
}
