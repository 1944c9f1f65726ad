package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxOpenRows caps the open cases listed in the summary; the CSV has all.
const maxOpenRows = 20

// Markdown renders the report as a Markdown summary with tables. Text from
// the web is escaped so that it shows as written and never becomes a link,
// an image or markup.
func (r *Report) Markdown() string {
	var b strings.Builder
	title := "earshot report"
	if r.Name != "" {
		title += ": " + md(r.Name)
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "Period: %s to %s (%s). Previous period for comparison: the %s before.\n\n",
		fmtTime(r.From, r.Location), fmtTime(r.To, r.Location), r.Location, fmtPeriod(r.To.Sub(r.From)))

	if len(r.Wins) > 0 {
		b.WriteString("## Wins\n\n")
		for _, w := range r.Wins {
			fmt.Fprintf(&b, "- %s\n", md(w))
		}
		b.WriteString("\n")
	}

	cur, prev := r.Current, r.Previous
	b.WriteString("## Summary\n\n")
	b.WriteString("| Figure | This period | Previous period | Change |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| Mentions | %d | %d | %s |\n", cur.Mentions, prev.Mentions, change(cur.Mentions, prev.Mentions))
	fmt.Fprintf(&b, "| Critical mentions | %d | %d | %s |\n", cur.Critical, prev.Critical, change(cur.Critical, prev.Critical))
	fmt.Fprintf(&b, "| Criticism share | %s | %s | %s |\n", pct(cur.CriticalShare), pct(prev.CriticalShare), points(cur.CriticalShare, prev.CriticalShare))
	fmt.Fprintf(&b, "| Tonality (mean score, higher is more critical) | %.2f | %.2f | %+.2f |\n", cur.MeanScore, prev.MeanScore, cur.MeanScore-prev.MeanScore)
	fmt.Fprintf(&b, "| Cases opened | %d | %d | %s |\n", cur.Cases, prev.Cases, change(cur.Cases, prev.Cases))
	fmt.Fprintf(&b, "| Answered within the agreed time | %s | %s | %s |\n", ofDue(cur), ofDue(prev), points(share(cur.Answered, cur.Due), share(prev.Answered, prev.Due)))
	fmt.Fprintf(&b, "| Median time to first reply | %s | %s | |\n", fmtDur(cur.ReplyMedian), fmtDur(prev.ReplyMedian))
	b.WriteString("\n")

	b.WriteString("## Per day\n\n")
	b.WriteString("| Day | Mentions | Critical | Criticism share | Tonality |\n|---|---:|---:|---:|---:|\n")
	for _, d := range r.Days {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %.2f |\n", d.Date, d.Mentions, d.Critical, pct(d.CriticalShare()), d.MeanScore)
	}
	b.WriteString("\n")

	for _, top := range []struct {
		title string
		rows  []Count
	}{{"Top topics", r.Topics}, {"Top sources", r.Sources}, {"Top authors", r.Authors}} {
		fmt.Fprintf(&b, "## %s\n\n", top.title)
		if len(top.rows) == 0 {
			b.WriteString("None in this period.\n\n")
			continue
		}
		b.WriteString("| Name | Mentions | Critical |\n|---|---:|---:|\n")
		for _, c := range top.rows[:min(len(top.rows), topN)] {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", md(c.Name), c.Mentions, c.Critical)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Response times\n\n")
	b.WriteString("Cases opened in the period, false positives left out. Median and 90th percentile; " +
		"\"answered\" means replied or resolved, within the route's respond_within.\n\n")
	timesTable(&b, "All cases", []Times{r.Response})
	timesTable(&b, "By owner", r.ByOwner)
	timesTable(&b, "By topic", r.ByTopic)

	fmt.Fprintf(&b, "## Open cases\n\n%d open at the end of the period, %d of them overdue.\n\n", len(r.Open), len(r.Overdue))
	if len(r.Open) > 0 {
		b.WriteString("| Opened | Route | Owner | Topic | State | Due | Overdue | Title |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range r.Open[:min(len(r.Open), maxOpenRows)] {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", fmtTime(c.Created, r.Location), md(c.Route), md(orNone(c.Owner)),
				md(orNone(c.Topic)), c.State, fmtTime(c.Due, r.Location), yes(c.Overdue), md(clipRunes(c.Title, 80)))
		}
		if n := len(r.Open) - maxOpenRows; n > 0 {
			fmt.Fprintf(&b, "\nand %d more (see open_cases.csv).\n", n)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Rules\n\n")
	if len(r.Rules) == 0 {
		b.WriteString("No rule fired in this period.\n\n")
	} else {
		b.WriteString("| Rule | Hits | Critical | Cases | False positives | FP rate |\n|---|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Rules {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s |\n", md(s.Rule), s.Hits, s.Critical, s.Cases, s.FalsePositives, pct(s.FPRate()))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Source health\n\n")
	if len(r.Health) == 0 {
		b.WriteString("No sources known.\n\n")
	} else {
		b.WriteString("| Source | State | Since | Error |\n|---|---|---|---|\n")
		for _, h := range r.Health {
			state, since := string(h.State), fmtTime(h.Since, r.Location)
			if h.State == "" {
				state, since = "no change recorded", "–"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", md(h.Source), md(state), since, md(clipRunes(h.Error, 120)))
		}
		b.WriteString("\n")
	}

	if len(r.Hints) > 0 {
		b.WriteString("## Hints\n\n")
		for _, h := range r.Hints {
			fmt.Fprintf(&b, "- %s\n", md(h))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func timesTable(b *strings.Builder, title string, rows []Times) {
	fmt.Fprintf(b, "### %s\n\n", title)
	if len(rows) == 0 || (len(rows) == 1 && rows[0].Cases == 0) {
		b.WriteString("No cases.\n\n")
		return
	}
	b.WriteString("| Group | Cases | Ack median | Ack p90 | Reply median | Reply p90 | Resolve median | Resolve p90 | Answered in time |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range rows {
		g := t.Group
		if g == "" {
			g = "all"
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", md(g), t.Cases,
			fmtDur(t.Ack.Median), fmtDur(t.Ack.P90), fmtDur(t.Reply.Median), fmtDur(t.Reply.P90),
			fmtDur(t.Resolve.Median), fmtDur(t.Resolve.P90), withinText(t.Within, t.Due))
	}
	b.WriteString("\n")
}

func ofDue(t Totals) string { return withinText(t.Answered, t.Due) }

func withinText(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%d of %d (%s)", n, of, pct(share(n, of)))
}

// change formats the relative change from prev to cur.
func change(cur, prev int) string {
	switch {
	case prev == 0 && cur == 0:
		return "±0"
	case prev == 0:
		return "new"
	}
	return fmt.Sprintf("%+.0f%%", (float64(cur)-float64(prev))/float64(prev)*100)
}

// points formats the change of a share in percentage points.
func points(cur, prev float64) string {
	return fmt.Sprintf("%+.0f pp", (cur-prev)*100)
}

func fmtPeriod(d time.Duration) string {
	h := d.Hours()
	if h >= 24 && h == float64(int(h/24))*24 {
		return strconv.Itoa(int(h/24)) + " days"
	}
	return strconv.FormatFloat(h, 'f', -1, 64) + " hours"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// md escapes text for Markdown: characters with a meaning become
// backslash escapes, HTML cannot start, line breaks become spaces and
// control characters are dropped, so the text stays inside its table cell
// or list item.
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		case strings.ContainsRune("\\`*_[]<>|~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clipRunes shortens s to at most n runes, ending in "…" when cut.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
