package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The files WriteDir writes.
const (
	SummaryFile  = "summary.md"
	ChartFile    = "mentions.png"
	TonalityFile = "tonality.png"
)

// CSVFiles returns the report's rows as CSV files, by file name: one line
// per mention, day, case, open case, top-list entry, response-time group,
// rule and source. Durations are in minutes and times in RFC 3339, so a
// spreadsheet reads them as numbers and dates.
func (r *Report) CSVFiles() map[string][]byte {
	out := map[string][]byte{}
	add := func(name string, header []string, rows [][]string) {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(header)
		for _, row := range rows {
			for i := range row {
				row[i] = cell(row[i])
			}
			_ = w.Write(row)
		}
		w.Flush()
		out[name] = b.Bytes()
	}

	var rows [][]string
	for _, m := range r.Mentions {
		rows = append(rows, []string{r.ts(m.At), m.At.In(r.Location).Format(time.DateOnly), m.Source, m.Author, m.Topic,
			strconv.FormatBool(m.Criticism), num(m.Score), string(m.Severity), strings.Join(m.Rules, " "), m.Title, m.URL})
	}
	add("mentions.csv", []string{"at", "day", "source", "author", "topic", "criticism", "score", "severity", "rules", "title", "url"}, rows)

	rows = nil
	for _, d := range r.Days {
		rows = append(rows, []string{d.Date, itoa(d.Mentions), itoa(d.Critical), num(d.CriticalShare()), num(d.MeanScore)})
	}
	add("days.csv", []string{"day", "mentions", "critical", "critical_share", "mean_score"}, rows)

	caseHeader := []string{"id", "created", "route", "owner", "topic", "source", "author", "state", "ack_minutes", "reply_minutes", "resolve_minutes", "due", "answered", "within", "overdue", "rules", "title", "url"}
	caseRows := func(cs []CaseRow) [][]string {
		var rows [][]string
		for _, c := range cs {
			rows = append(rows, []string{c.ID, r.ts(c.Created), c.Route, c.Owner, c.Topic, c.Source, c.Author, string(c.State),
				minutes(c.Ack), minutes(c.Reply), minutes(c.Resolve), r.ts(c.Due),
				strconv.FormatBool(c.Answered), strconv.FormatBool(c.Within), strconv.FormatBool(c.Overdue),
				strings.Join(c.Rules, " "), c.Title, c.URL})
		}
		return rows
	}
	add("cases.csv", caseHeader, caseRows(r.Cases))
	add("open_cases.csv", caseHeader, caseRows(r.Open))

	rows = nil
	for _, top := range []struct {
		kind string
		rows []Count
	}{{"topic", r.Topics}, {"source", r.Sources}, {"author", r.Authors}} {
		for _, c := range top.rows {
			rows = append(rows, []string{top.kind, c.Name, itoa(c.Mentions), itoa(c.Critical)})
		}
	}
	add("top.csv", []string{"kind", "name", "mentions", "critical"}, rows)

	rows = nil
	timeRow := func(kind string, t Times) []string {
		return []string{kind, t.Group, itoa(t.Cases),
			minutes(t.Ack.Median), minutes(t.Ack.P90), minutes(t.Reply.Median), minutes(t.Reply.P90),
			minutes(t.Resolve.Median), minutes(t.Resolve.P90), itoa(t.Due), itoa(t.Within), num(t.WithinShare())}
	}
	rows = append(rows, timeRow("all", r.Response))
	for _, t := range r.ByOwner {
		rows = append(rows, timeRow("owner", t))
	}
	for _, t := range r.ByTopic {
		rows = append(rows, timeRow("topic", t))
	}
	add("response_times.csv", []string{"kind", "group", "cases", "ack_median_minutes", "ack_p90_minutes", "reply_median_minutes", "reply_p90_minutes",
		"resolve_median_minutes", "resolve_p90_minutes", "due", "within", "within_share"}, rows)

	rows = nil
	for _, s := range r.Rules {
		rows = append(rows, []string{s.Rule, itoa(s.Hits), itoa(s.Critical), itoa(s.Cases), itoa(s.FalsePositives), num(s.FPRate())})
	}
	add("rules.csv", []string{"rule", "hits", "critical", "cases", "false_positives", "fp_rate"}, rows)

	rows = nil
	for _, h := range r.Health {
		rows = append(rows, []string{h.Source, string(h.State), r.ts(h.Since), h.Error})
	}
	add("health.csv", []string{"source", "state", "since", "error"}, rows)
	return out
}

// WriteDir writes the report into dir (created if missing): summary.md,
// the charts as PNG, and the CSV files of CSVFiles.
func (r *Report) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	files := r.CSVFiles()
	files[SummaryFile] = []byte(r.Markdown())
	png, err := r.ChartPNG()
	if err != nil {
		return err
	}
	files[ChartFile] = png
	if png, err = r.TonalityPNG(); err != nil {
		return err
	}
	files[TonalityFile] = png
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

func (r *Report) ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.Location).Format(time.RFC3339)
}

func itoa(n int) string { return strconv.Itoa(n) }

// num formats a number rounded to four decimals.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64) }

// minutes formats a duration as minutes with one decimal; "" for none.
func minutes(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatFloat(d.Minutes(), 'f', 1, 64)
}

// cell guards a spreadsheet against formula injection: a cell from the
// web that starts with = + - @ (or a tab or carriage return) gets a
// leading apostrophe, so it is shown as text and never evaluated.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}
