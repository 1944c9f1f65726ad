package listener

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// itemReport is one item's outcome, for `earshot sources test`.
type itemReport struct {
	outcome string
	m       mention.Mention
}

// pollStats counts a poll's items by outcome.
type pollStats struct {
	items, new, baseline, duplicate, churn, crossSource int
}

// poll fetches s once and publishes its new items. A poll that finds the
// previous one of the same source still running is skipped; one inside a
// rate limit, backoff or Cache-Control max-age is skipped too. When ctx is
// done (shutdown, or a reload stopped the source's polls) the poll returns
// without recording the fetch's outcome.
func (l *Listener) poll(ctx context.Context, s *source) {
	if !s.polling.TryLock() {
		cfg, _, _ := s.snapshot()
		l.metrics.fetches(cfg.Name, "skipped").Inc()
		l.log.Debug("poll skipped, previous still running", "source", cfg.Name)
		return
	}
	defer s.polling.Unlock()
	cfg, u, interval := s.snapshot()
	name := cfg.Name
	claimed := l.claim(ctx, s, name, interval)
	if ctx.Err() != nil {
		return // stopped (see below)
	}
	if !claimed {
		l.metrics.fetches(name, "other_instance").Inc()
		l.log.Debug("poll skipped, another instance has it", "source", name)
		return
	}
	st, err := l.state(ctx, s)
	if err != nil {
		l.logError(ctx, "load feed state failed", "source", name, "err", err)
		return
	}
	now := l.now()
	s.mu.Lock()
	slack, host := s.jitter+time.Second, s.host
	s.mu.Unlock()
	switch {
	case now.Before(st.RateLimitedUntil):
		l.metrics.fetches(name, "skipped").Inc()
		l.log.Debug("poll skipped, rate limited", "source", name, "until", st.RateLimitedUntil)
		return
	case now.Add(slack).Before(st.BackoffUntil), now.Add(slack).Before(st.FreshUntil):
		l.metrics.fetches(name, "skipped").Inc()
		l.log.Debug("poll skipped, backing off", "source", name, "backoff_until", st.BackoffUntil, "fresh_until", st.FreshUntil)
		return
	}
	if h := hashHex(u); st.URLHash != h {
		if st.URLHash != "" && st.Initialized {
			// Another feed behind the same name: its backlog is a backlog.
			st.Initialized = false
			l.log.Info("feed url changed, baselining again", "source", name)
		}
		st.URLHash, st.ETag, st.LastModified, st.BodyHash = h, "", "", ""
	}
	release, err := l.acquire(ctx, host)
	if err != nil {
		return
	}
	start := time.Now()
	res, err := l.fetch(ctx, fetchRequest{
		source: name, url: u, timeout: cfg.Timeout.D(), maxSize: int64(cfg.MaxSize), userAgent: cfg.UserAgent,
		headers: cfg.Headers, etag: st.ETag, lastModified: st.LastModified,
	})
	release()
	if ctx.Err() != nil {
		// Stopped by the shutdown, or by a reload that removed or changed
		// the source: the outcome is not the source's, and a removed
		// source must not come back in the metrics or the health events.
		if err == nil {
			res.release()
		}
		return
	}
	now = l.now()
	st.LastFetch = now
	if err != nil {
		l.metrics.fetchSeconds("error").Update(time.Since(start).Seconds())
		l.failed(ctx, s, &st, err, now, false)
		l.saveState(ctx, s, st, true)
		return
	}
	defer res.release()
	wasFailing := st.Failures > 0 || st.Health != mention.HealthUp
	persist := wasFailing || !st.Initialized
	var f *feed
	var stats pollStats
	result := "ok"
	switch {
	case res.notModified:
		result = "not_modified"
	case st.Initialized && st.BodyHash != "" && st.BodyHash == hashBytes(res.body.Bytes()):
		result = "unchanged"
	default:
		l.metrics.bytes.Add(res.body.Len())
		f, err = parseSafely(res.body.Bytes(), res.contentType, int64(cfg.MaxSize))
		if err != nil {
			if pp, ok := errors.AsType[*ParserPanicError](err); ok {
				l.log.Error("feed parser panicked; the feed fails until its body changes", "source", name, "panic", pp.Value, "stack", string(pp.Stack))
			}
			l.metrics.parseErrors(name).Inc()
			l.metrics.fetchSeconds("error").Update(time.Since(start).Seconds())
			l.failed(ctx, s, &st, err, now, false)
			l.saveState(ctx, s, st, true)
			return
		}
		if dropped := newestItems(f, cfg.MaxItems); dropped > 0 {
			l.metrics.dropped(name).Add(dropped)
			l.log.Warn("feed holds more items than max_items, the oldest dropped", "source", name,
				"items", len(f.items)+dropped, "max_items", cfg.MaxItems, "dropped", dropped)
		}
		stats, err = l.process(ctx, s, cfg, &st, f, now, nil)
		if err != nil && ctx.Err() != nil {
			return // shutting down: the next run fetches the same items again
		}
		if err != nil {
			// The store failed: keep the old validators so that the next
			// poll fetches the same items again.
			l.log.Error("publish failed", "source", name, "err", err)
			l.metrics.fetchSeconds("error").Update(time.Since(start).Seconds())
			return
		}
		st.BodyHash = hashBytes(res.body.Bytes())
		persist = true
	}
	l.metrics.fetchSeconds(result).Update(time.Since(start).Seconds())
	l.metrics.fetches(name, result).Inc()
	if res.etag != "" && res.etag != st.ETag {
		st.ETag, persist = res.etag, true
	}
	if res.lastModified != "" && res.lastModified != st.LastModified {
		st.LastModified, persist = res.lastModified, true
	}
	st.FreshUntil = time.Time{}
	if res.maxAge > interval {
		st.FreshUntil = now.Add(min(res.maxAge, s.backoffCap()))
		persist = true
	}
	prevHealth := st.Health
	l.succeeded(ctx, s, &st, f, stats.new+stats.baseline, now, false)
	if st.Health != prevHealth {
		persist = true
	}
	l.saveState(ctx, s, st, persist)
	if stats.new+stats.baseline > 0 {
		l.log.Info("feed polled", "source", name, "items", stats.items, "new", stats.new,
			"baseline", stats.baseline, "duplicates", stats.duplicate, "churn", stats.churn)
	}
}

// newestItems keeps the newest max items of f and returns how many it
// dropped: by published (else updated) date, items without a date after
// the dated ones, ties in document order (feeds list their newest first).
// The items kept stay in document order.
func newestItems(f *feed, max int) int {
	n := len(f.items)
	if max <= 0 || n <= max {
		return 0
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ta, tb := f.items[a].published, f.items[b].published
		switch {
		case ta.IsZero() || tb.IsZero():
			return cmp.Compare(boolInt(ta.IsZero()), boolInt(tb.IsZero()))
		}
		return tb.Compare(ta)
	})
	keep := idx[:max]
	slices.Sort(keep)
	kept := make([]rawItem, 0, max)
	for _, i := range keep {
		kept = append(kept, f.items[i])
	}
	f.items = kept
	return n - max
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// process decides every item's outcome and, unless report is set (a dry
// run), publishes the new ones and records their keys. A store error stops
// it; items published before the error are recorded, so nothing repeats.
func (l *Listener) process(ctx context.Context, s *source, cfg config.Source, st *feedState, f *feed, now time.Time, report func(itemReport)) (pollStats, error) {
	dry := report != nil
	name := cfg.Name
	stats := pollStats{items: len(f.items)}
	canon := make([]string, len(f.items))
	done := make([]bool, len(f.items))
	canonAt := func(i int) string {
		if !done[i] {
			canon[i], done[i] = canonicalURL(f.items[i].link, f.link), true
		}
		return canon[i]
	}
	ids := itemIDs(name, f.items, canonAt)
	baseline := !st.Initialized && !cfg.AlertBacklog
	s.mu.Lock()
	recent := s.recent
	s.mu.Unlock()
	next := make(map[string]struct{}, len(ids))
	count := func(outcome string, m *mention.Mention) {
		switch outcome {
		case outcomeNew:
			stats.new++
		case outcomeBaseline:
			stats.baseline++
		case outcomeDuplicate:
			stats.duplicate++
		case outcomeChurn:
			stats.churn++
		case outcomeCrossSource:
			stats.crossSource++
		}
		if dry {
			var mm mention.Mention
			if m != nil {
				mm = *m
			}
			report(itemReport{outcome: outcome, m: mm})
		} else {
			l.metrics.items(name, outcome).Inc()
		}
	}
	for i := range f.items {
		id := ids[i]
		_, inPoll := next[id]
		next[id] = struct{}{}
		if _, ok := recent[id]; ok || inPoll {
			if dry {
				m := l.mentionFor(&f.items[i], f, cfg, id, now)
				count(outcomeDuplicate, &m)
			} else {
				count(outcomeDuplicate, nil)
			}
			continue
		}
		key := seenKey(id)
		known, err := l.seen(ctx, key)
		if err != nil {
			return stats, err
		}
		m := l.mentionFor(&f.items[i], f, cfg, id, now)
		if known {
			count(outcomeDuplicate, &m)
			continue
		}
		var uKey string
		var entry *urlEntry
		if m.URL != "" {
			uKey = urlKey(m.URL)
			if entry, _, err = l.lookupURL(ctx, uKey); err != nil {
				return stats, err
			}
		}
		cKey := contentKey(name, m.Title, m.Text)
		outcome := outcomeNew
		switch {
		case entry != nil && containsString(entry.Sources, name):
			outcome = outcomeChurn
		case entry != nil:
			outcome = outcomeCrossSource
		default:
			dup, err := l.seen(ctx, cKey)
			if err != nil {
				return stats, err
			}
			if dup {
				outcome = outcomeChurn
			}
		}
		if outcome == outcomeNew && baseline {
			outcome = outcomeBaseline
		}
		if dry {
			if outcome == outcomeCrossSource {
				m.ID, m.Sources = entry.ID, append(entry.Sources, name)
			}
			count(outcome, &m)
			continue
		}
		switch outcome {
		case outcomeChurn:
			if err := l.remember(ctx, id, key, cKey); err != nil {
				return stats, err
			}
		case outcomeCrossSource:
			sources, err := l.addURLSource(ctx, uKey, id, name, false)
			if err != nil {
				return stats, err
			}
			if l.opts.announceCrossSource && entry.ID != "" {
				m.ID, m.Sources, m.Update = entry.ID, sources, true
				if err := l.publish(ctx, m, entry.ID+"/"+mention.SubjectToken(name)); err != nil {
					return stats, err
				}
			}
			if err := l.remember(ctx, id, key, cKey); err != nil {
				return stats, err
			}
		default:
			m.Baseline = outcome == outcomeBaseline
			if err := l.publish(ctx, m, id); err != nil {
				return stats, err
			}
			if err := l.remember(ctx, id, key, cKey); err != nil {
				return stats, err
			}
			if uKey != "" {
				if _, err := l.addURLSource(ctx, uKey, id, name, entry == nil); err != nil {
					return stats, err
				}
			}
		}
		count(outcome, &m)
	}
	if !dry {
		s.mu.Lock()
		s.recent = next
		s.mu.Unlock()
		if stats.churn > 0 {
			l.metrics.churn(name).Inc()
			l.log.Warn("feed guid churn detected, items suppressed", "source", name,
				"churned", stats.churn, "items", stats.items)
		}
		if stats.baseline > 0 {
			st.BaselineItems += stats.baseline
			l.log.Info("new source baselined", "source", name, "backlog", stats.baseline)
		}
	}
	return stats, nil
}

// mentionFor normalises item i into the mention with ID id.
func (l *Listener) mentionFor(it *rawItem, f *feed, cfg config.Source, id string, now time.Time) mention.Mention {
	m := normalize(it, f, cfg.Lang, now)
	m.ID, m.Source, m.Sources, m.BrandOnly = id, cfg.Name, []string{cfg.Name}, cfg.BrandOnly
	return m
}

// publish sends m with JetStream message ID msgID. A duplicate ack (the
// message was published before a crash) counts as success.
func (l *Listener) publish(ctx context.Context, m mention.Mention, msgID string) error {
	b, err := m.Encode()
	if err != nil {
		return err
	}
	ack, err := l.deps.JS.Publish(ctx, mention.MentionSubject(m.Source), b, jetstream.WithMsgID(msgID))
	if err != nil {
		return fmt.Errorf("publish mention %s: %w", m.ID, err)
	}
	if ack.Duplicate {
		l.log.Debug("mention already in stream", "source", m.Source, "id", m.ID)
		return nil
	}
	l.metrics.published(m.Source).Inc()
	return nil
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
