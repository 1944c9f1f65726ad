package listener

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot/earshot/mention"
)

// Test fetches the source called name once, unconditionally, and writes to
// w what a poll would publish, what it would skip as a duplicate or churn,
// and the health the source would have. It publishes and records nothing.
// The error is the fetch or parse error, if any, after it was printed.
func (l *Listener) Test(ctx context.Context, name string, w io.Writer) error {
	s, ok := l.sourceByName(name)
	if !ok {
		return fmt.Errorf("unknown source %q", name)
	}
	cfg, u, interval := s.snapshot()
	st, err := l.state(ctx, s)
	if err != nil {
		return err // the caller names the source
	}
	when := "every " + interval.String()
	if cfg.Schedule != "" {
		when = fmt.Sprintf("schedule %q", cfg.Schedule)
		if cfg.TimeZone != "" {
			when += " in " + cfg.TimeZone
		}
	}
	fmt.Fprintf(w, "source %s: %s (%s)\n", name, showURL(u), when)
	if st.Health != "" {
		fmt.Fprintf(w, "stored health: %s", st.Health)
		if st.LastError != "" {
			fmt.Fprintf(w, " (%s)", st.LastError)
		}
		if !st.LastSuccess.IsZero() {
			fmt.Fprintf(w, ", last success %s", st.LastSuccess.UTC().Format(time.RFC3339))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "stored health: none (new source: its first fetch is a baseline)")
	}
	start := time.Now()
	res, err := l.fetch(ctx, fetchRequest{
		source: name, url: u, timeout: cfg.Timeout.D(), maxSize: int64(cfg.MaxSize), userAgent: cfg.UserAgent, headers: cfg.Headers,
	})
	now := l.now()
	if err != nil {
		l.failed(ctx, s, &st, err, now, true)
		fmt.Fprintf(w, "fetch failed: %v\nhealth would be: %s\n", err, healthAfterFailure(err))
		return err
	}
	defer res.release()
	size := res.body.Len()
	f, err := parseSafely(res.body.Bytes(), res.contentType, int64(cfg.MaxSize))
	if err != nil {
		fmt.Fprintf(w, "fetched %d bytes in %s\nparse failed: %v\nhealth would be: failing\n", size, time.Since(start).Round(time.Millisecond), err)
		return err // the caller names the source
	}
	fmt.Fprintf(w, "fetched %d bytes, %d items in %s", size, len(f.items), time.Since(start).Round(time.Millisecond))
	if res.etag != "" || res.lastModified != "" {
		fmt.Fprint(w, " (conditional GET supported)")
	}
	fmt.Fprintln(w)
	if dropped := newestItems(f, cfg.MaxItems); dropped > 0 {
		fmt.Fprintf(w, "more than max_items: kept the newest %d items, would drop %d\n", len(f.items), dropped)
	}
	stats, err := l.process(ctx, s, cfg, &st, f, now, func(r itemReport) {
		m := r.m
		fmt.Fprintf(w, "%-12s %s %-5s %s", strings.ToUpper(r.outcome), m.Published.UTC().Format("2006-01-02 15:04"), orDash(m.Lang), clip(m.Title, 80))
		if m.URL != "" {
			fmt.Fprintf(w, "  %s", m.URL)
		}
		if m.Author != "" {
			fmt.Fprintf(w, "  by %s", m.Author)
		}
		if e := m.Engagement; e != (mention.Engagement{}) {
			fmt.Fprintf(w, "  %+v", e)
		}
		fmt.Fprintln(w)
	})
	if err != nil {
		return err // the caller names the source
	}
	l.succeeded(ctx, s, &st, f, stats.new+stats.baseline, now, true)
	fmt.Fprintf(w, "would publish %d (%d as baseline, not alerted), duplicates %d, churn %d, other sources %d\n",
		stats.new+stats.baseline, stats.baseline, stats.duplicate, stats.churn, stats.crossSource)
	fmt.Fprintf(w, "health would be: %s\n", st.Health)
	return nil
}

// healthAfterFailure names the state a fetch error leads to.
func healthAfterFailure(err error) mention.HealthState {
	var rl *RateLimitedError
	if asRateLimited(err, &rl) {
		return mention.HealthRateLimited
	}
	return mention.HealthFailing
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
