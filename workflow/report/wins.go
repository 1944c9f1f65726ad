package report

import (
	"fmt"
	"time"

	"github.com/earshot/earshot/mention"
)

// wins lists the small successes of the period, the ones worth telling
// early on: answers within the agreed time, faster replies, less criticism,
// nothing overdue.
func wins(r *Report) []string {
	var out []string
	cur, prev := r.Current, r.Previous
	switch {
	case cur.Due > 0 && cur.Answered == cur.Due:
		out = append(out, fmt.Sprintf("All %d critical %s due in this period answered within the agreed time.", cur.Due, plural(cur.Due, "mention", "mentions")))
	case cur.Due > 0 && prev.Due > 0 && share(cur.Answered, cur.Due) > share(prev.Answered, prev.Due):
		out = append(out, fmt.Sprintf("%s of critical mentions answered within the agreed time, up from %s.", pct(share(cur.Answered, cur.Due)), pct(share(prev.Answered, prev.Due))))
	}
	if cur.ReplyMedian > 0 && prev.ReplyMedian > 0 && cur.ReplyMedian < prev.ReplyMedian {
		out = append(out, fmt.Sprintf("Median time to first reply down from %s to %s.", fmtDur(prev.ReplyMedian), fmtDur(cur.ReplyMedian)))
	}
	if cur.Mentions > 0 && prev.Mentions > 0 && cur.CriticalShare < prev.CriticalShare {
		out = append(out, fmt.Sprintf("Criticism share down from %s to %s.", pct(prev.CriticalShare), pct(cur.CriticalShare)))
	}
	if cur.Cases > 0 && len(r.Overdue) == 0 {
		out = append(out, "No case is overdue.")
	}
	return out
}

// hints lists what someone should act on: rules with many false positives,
// overdue cases, sources that are not up, a period without mentions.
func hints(r *Report) []string {
	var out []string
	if r.Current.Mentions == 0 {
		out = append(out, "No mentions in this period: check that the sources are up and the brand terms match.")
	}
	for _, s := range r.Rules {
		if s.Cases >= fpHintMin && s.FPRate() >= fpHintRate {
			out = append(out, fmt.Sprintf("Rule %s: %d of %d cases were false positives (%s); add an exclusion (brand.exclude, or a rule with criticism: false) for what it catches by mistake.",
				s.Rule, s.FalsePositives, s.Cases, pct(s.FPRate())))
		}
	}
	if n := len(r.Overdue); n > 0 {
		o := r.Overdue[0]
		out = append(out, fmt.Sprintf("%d %s overdue; the oldest was due %s (owner %s).", n, plural(n, "case is", "cases are"), fmtTime(o.Due, r.Location), orNone(o.Owner)))
	}
	for _, h := range r.Health {
		if h.State == "" || h.State == mention.HealthUp {
			continue
		}
		msg := fmt.Sprintf("Source %s is %s since %s", h.Source, h.State, fmtTime(h.Since, r.Location))
		if h.Error != "" {
			msg += ": " + h.Error
		}
		out = append(out, msg+".")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// fmtDur formats a response time to the minute: 45m, 2h05m, 3d4h.
func fmtDur(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	d = d.Round(time.Minute)
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// fmtTime formats a time in loc to the minute.
func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}
