package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
	"github.com/earshot/earshot/workflow"
)

// Thresholds of the hints and the lengths of the top lists.
const (
	// topN is how many topics, sources and authors the summary lists; the
	// CSV files hold all of them.
	topN = 5
	// fpHintRate and fpHintMin: a rule gets an exclusion hint when at least
	// fpHintMin of its cases were judged and fpHintRate of them were false
	// positives.
	fpHintRate = 0.3
	fpHintMin  = 3
)

// Report holds every figure of one report. Compute fills it; Markdown,
// WriteDir, ChartPNG and Post render it. Text fields that came from the
// web (authors, titles, sources' names) are stored as they are and escaped
// by each renderer.
type Report struct {
	// Name is the configured report's name; Compute leaves it empty and the
	// Scheduler (or the command line) sets it.
	Name string
	// From and To are the period [From, To); Location is the time zone of
	// the day buckets and of the times shown.
	From, To time.Time
	Location *time.Location

	// Current and Previous summarise this period and the one before it.
	Current, Previous Totals
	// Days has one entry per calendar day of the period in Location.
	Days []Day
	// Topics (primary topic), Sources and Authors, most mentions first.
	Topics, Sources, Authors []Count

	// Response holds the response times of all cases opened in the period;
	// ByOwner and ByTopic break them down.
	Response         Times
	ByOwner, ByTopic []Times

	// Cases lists the cases opened in the period, oldest first; Open the
	// cases still open at To (whenever opened), of which Overdue those past
	// their deadline without an answer.
	Cases, Open, Overdue []CaseRow

	// Rules lists every rule that fired in the period, most hits first.
	Rules []RuleStat
	// Health is the latest known state of every source.
	Health []HealthRow
	// Mentions are the rows behind the figures: every verdict of the period.
	Mentions []MentionRow

	// Wins are small successes worth telling; Hints are suggestions to act on.
	Wins, Hints []string
}

// Totals summarises one period.
type Totals struct {
	Mentions int
	Critical int
	// CriticalShare is Critical/Mentions (0 without mentions).
	CriticalShare float64
	// MeanScore is the mean classifier score: the tonality, higher is more critical.
	MeanScore float64
	// Cases is the number of cases opened; Answered how many of those that
	// were due were answered within their route's respond_within.
	Cases    int
	Due      int
	Answered int
	// ReplyMedian is the median time to first reply (0 without replies).
	ReplyMedian time.Duration
}

// Day is one calendar day of the period.
type Day struct {
	Date      string // 2006-01-02 in the report's time zone
	Mentions  int
	Critical  int
	MeanScore float64
}

// CriticalShare is Critical/Mentions, 0 on a day without mentions.
func (d Day) CriticalShare() float64 { return share(d.Critical, d.Mentions) }

// Count is one line of a top list.
type Count struct {
	Name     string
	Mentions int
	Critical int
}

// Stat is the median and 90th percentile (nearest rank) of a set of
// durations; N is the size of the set.
type Stat struct {
	N           int
	Median, P90 time.Duration
}

// Times are the response times of a group of cases (all, one owner, one
// topic). False positives are left out.
type Times struct {
	// Group is "" for all cases, else the owner or the topic.
	Group string
	Cases int
	// Ack is the time from opening to the first reaction (acknowledge,
	// take, reply or resolve); Reply to the first reply; Resolve to resolving.
	Ack, Reply, Resolve Stat
	// Due counts the cases that were answered or whose deadline passed;
	// Within those answered (replied or resolved) by the deadline.
	Due, Within int
}

// WithinShare is Within/Due (0 when nothing was due).
func (t Times) WithinShare() float64 { return share(t.Within, t.Due) }

// CaseRow is one case as it stood at the end of the period.
type CaseRow struct {
	ID      string
	Created time.Time
	Route   string
	Owner   string
	Topic   string
	Source  string
	Author  string
	Title   string
	URL     string
	// Rules are the distinct rules of the case's verdict.
	Rules []string
	// State is the case's state at the report's To.
	State workflow.State
	// Ack, Reply and Resolve are the times to each step; 0 when not (yet) taken.
	Ack, Reply, Resolve time.Duration
	// Due is the answer deadline: the one stored with the case (business
	// hours counted) or Created plus the route's respond_within.
	Due time.Time
	// Answered: replied or resolved by To; Within: by the deadline.
	Answered, Within, Overdue bool
}

// RuleStat is how one rule fared in the period.
type RuleStat struct {
	Rule     string
	Hits     int // verdicts the rule fired on
	Critical int // of which critical
	// Cases opened with the rule among the verdict's rules, and how many of
	// them were marked false_positive.
	Cases, FalsePositives int
}

// FPRate is FalsePositives/Cases (0 without cases).
func (r RuleStat) FPRate() float64 { return share(r.FalsePositives, r.Cases) }

// HealthRow is the latest known health of one source.
type HealthRow struct {
	Source string
	// State is "" when no health change was recorded for a configured source.
	State mention.HealthState
	Since time.Time
	Error string
}

// MentionRow is one verdict of the period.
type MentionRow struct {
	At        time.Time
	Source    string
	Author    string
	Topic     string
	Criticism bool
	Score     float64
	Severity  mention.Severity
	Rules     []string
	Title     string
	URL       string
}

// Compute builds every figure of the report for the period [from, to) from
// d; loc sets the day boundaries (UTC when nil). It is pure: the same
// inputs give the same report.
func Compute(d *Data, cfg *config.Config, from, to time.Time, loc *time.Location) *Report {
	if loc == nil {
		loc = time.UTC
	}
	if cfg == nil {
		cfg = &config.Config{}
	}
	prevFrom := from.Add(-to.Sub(from))
	r := &Report{From: from, To: to, Location: loc}

	var cur, prev []*StoredVerdict
	for i := range d.Verdicts {
		v := &d.Verdicts[i]
		switch {
		case !v.At.Before(from) && v.At.Before(to):
			cur = append(cur, v)
		case !v.At.Before(prevFrom) && v.At.Before(from):
			prev = append(prev, v)
		}
	}
	slices.SortStableFunc(cur, func(a, b *StoredVerdict) int { return a.At.Compare(b.At) })

	routes := map[string]*config.Route{}
	for i := range cfg.Routes {
		routes[cfg.Routes[i].ID(i)] = &cfg.Routes[i]
	}
	var curCases, prevCases []CaseRow
	for i := range d.Cases {
		c := &d.Cases[i]
		if !c.Created.Before(to) {
			continue
		}
		row := caseRow(c, routes, to)
		switch {
		case !c.Created.Before(from):
			curCases = append(curCases, row)
		case !c.Created.Before(prevFrom):
			// The previous period is judged as it stood at its own end.
			prevCases = append(prevCases, caseRow(c, routes, from))
		}
		if !row.State.Final() {
			r.Open = append(r.Open, row)
			if row.Overdue {
				r.Overdue = append(r.Overdue, row)
			}
		}
	}
	byCreated := func(a, b CaseRow) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	}
	slices.SortFunc(curCases, byCreated)
	slices.SortFunc(r.Open, byCreated)
	slices.SortFunc(r.Overdue, byCreated)
	r.Cases = curCases

	r.Current = totals(cur, curCases)
	r.Previous = totals(prev, prevCases)
	r.Days = days(cur, from, to, loc)
	r.Topics, r.Sources, r.Authors = tops(cur)
	r.Mentions = mentionRows(cur)

	r.Response = times("", curCases)
	r.ByOwner = groupTimes(curCases, func(c CaseRow) string { return c.Owner })
	r.ByTopic = groupTimes(curCases, func(c CaseRow) string { return c.Topic })

	r.Rules = ruleStats(cur, curCases)
	r.Health = health(d.Health, cfg, to)
	r.Wins = wins(r)
	r.Hints = hints(r)
	return r
}

// caseRow describes c as it stood at t: only history before t counts.
func caseRow(c *workflow.Case, routes map[string]*config.Route, t time.Time) CaseRow {
	v := &c.Verdict
	row := CaseRow{
		ID: c.ID, Created: c.Created, Route: c.Route, Owner: c.Owner, Topic: v.Topic(),
		Source: v.Mention.Source, Author: v.Mention.Author, Title: v.Mention.Title, URL: v.Mention.URL,
		Rules: ruleNames(v), State: c.State,
	}
	if len(c.History) > 0 {
		row.State = workflow.StateNew
	}
	var answered time.Time
	for _, ev := range c.History {
		if !ev.At.Before(t) {
			break
		}
		if ev.To == "" {
			continue
		}
		row.State = ev.To
		since := ev.At.Sub(c.Created)
		switch ev.To {
		case workflow.StateAcknowledged, workflow.StateReplied, workflow.StateResolved:
			if row.Ack == 0 {
				row.Ack = max(since, time.Nanosecond)
			}
		}
		switch ev.To {
		case workflow.StateReplied:
			if row.Reply == 0 {
				row.Reply = max(since, time.Nanosecond)
			}
		case workflow.StateResolved:
			if row.Resolve == 0 {
				row.Resolve = max(since, time.Nanosecond)
			}
		}
		if answered.IsZero() && (ev.To == workflow.StateReplied || ev.To == workflow.StateResolved) {
			answered = ev.At
		}
	}
	row.Due = c.Escalation.DueAt
	if row.Due.IsZero() {
		within := config.DefaultRespondWithin.D()
		if rt, ok := routes[c.Route]; ok && rt.RespondWithin > 0 {
			within = rt.RespondWithin.D()
		}
		row.Due = c.Created.Add(within)
	}
	row.Answered = !answered.IsZero()
	row.Within = row.Answered && !answered.After(row.Due)
	row.Overdue = !row.Answered && !row.State.Final() && row.Due.Before(t)
	return row
}

func totals(vs []*StoredVerdict, cases []CaseRow) Totals {
	t := Totals{Mentions: len(vs)}
	var sum float64
	for _, v := range vs {
		if v.Verdict.Criticism {
			t.Critical++
		}
		sum += v.Verdict.Score
	}
	t.CriticalShare = share(t.Critical, t.Mentions)
	if t.Mentions > 0 {
		t.MeanScore = round2(sum / float64(t.Mentions))
	}
	all := times("", cases)
	t.Cases = len(cases)
	t.Due, t.Answered = all.Due, all.Within
	t.ReplyMedian = all.Reply.Median
	return t
}

func days(vs []*StoredVerdict, from, to time.Time, loc *time.Location) []Day {
	var out []Day
	index := map[string]int{}
	first := from.In(loc)
	last := to.Add(-time.Nanosecond).In(loc)
	day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	end := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)
	for !day.After(end) {
		key := day.Format(time.DateOnly)
		index[key] = len(out)
		out = append(out, Day{Date: key})
		day = day.AddDate(0, 0, 1)
	}
	sums := make([]float64, len(out))
	for _, v := range vs {
		i, ok := index[v.At.In(loc).Format(time.DateOnly)]
		if !ok {
			continue
		}
		out[i].Mentions++
		if v.Verdict.Criticism {
			out[i].Critical++
		}
		sums[i] += v.Verdict.Score
	}
	for i := range out {
		if out[i].Mentions > 0 {
			out[i].MeanScore = round2(sums[i] / float64(out[i].Mentions))
		}
	}
	return out
}

func tops(vs []*StoredVerdict) (topics, sources, authors []Count) {
	count := func(key func(*mention.Verdict) string) []Count {
		m := map[string]*Count{}
		for _, v := range vs {
			k := key(&v.Verdict)
			if k == "" {
				continue
			}
			c, ok := m[k]
			if !ok {
				c = &Count{Name: k}
				m[k] = c
			}
			c.Mentions++
			if v.Verdict.Criticism {
				c.Critical++
			}
		}
		out := make([]Count, 0, len(m))
		for _, c := range m {
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b Count) int {
			return cmp.Or(cmp.Compare(b.Mentions, a.Mentions), cmp.Compare(b.Critical, a.Critical), cmp.Compare(a.Name, b.Name))
		})
		return out
	}
	topics = count(func(v *mention.Verdict) string { return v.Topic() })
	sources = count(func(v *mention.Verdict) string { return v.Mention.Source })
	authors = count(func(v *mention.Verdict) string { return v.Mention.Author })
	return topics, sources, authors
}

func mentionRows(vs []*StoredVerdict) []MentionRow {
	out := make([]MentionRow, 0, len(vs))
	for _, sv := range vs {
		v := &sv.Verdict
		row := MentionRow{
			At: sv.At, Source: v.Mention.Source, Author: v.Mention.Author, Topic: v.Topic(),
			Criticism: v.Criticism, Score: v.Score, Severity: v.Severity,
			Title: v.Mention.Title, URL: v.Mention.URL, Rules: ruleNames(v),
		}
		out = append(out, row)
	}
	return out
}

// times computes the response times of cases, false positives left out.
func times(group string, cases []CaseRow) Times {
	t := Times{Group: group}
	var ack, reply, resolve []time.Duration
	for _, c := range cases {
		if c.State == workflow.StateFalsePositive {
			continue
		}
		t.Cases++
		if c.Ack > 0 {
			ack = append(ack, c.Ack)
		}
		if c.Reply > 0 {
			reply = append(reply, c.Reply)
		}
		if c.Resolve > 0 {
			resolve = append(resolve, c.Resolve)
		}
		if c.Answered || c.Overdue {
			t.Due++
			if c.Within {
				t.Within++
			}
		}
	}
	t.Ack, t.Reply, t.Resolve = stat(ack), stat(reply), stat(resolve)
	return t
}

func groupTimes(cases []CaseRow, key func(CaseRow) string) []Times {
	groups := map[string][]CaseRow{}
	for _, c := range cases {
		k := key(c)
		if k == "" {
			k = "(none)"
		}
		groups[k] = append(groups[k], c)
	}
	out := make([]Times, 0, len(groups))
	for k, cs := range groups {
		if t := times(k, cs); t.Cases > 0 {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b Times) int { return cmp.Or(cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Group, b.Group)) })
	return out
}

func ruleStats(vs []*StoredVerdict, cases []CaseRow) []RuleStat {
	m := map[string]*RuleStat{}
	get := func(name string) *RuleStat {
		s, ok := m[name]
		if !ok {
			s = &RuleStat{Rule: name}
			m[name] = s
		}
		return s
	}
	for _, v := range vs {
		for _, name := range ruleNames(&v.Verdict) {
			s := get(name)
			s.Hits++
			if v.Verdict.Criticism {
				s.Critical++
			}
		}
	}
	for _, c := range cases {
		for _, name := range c.Rules {
			s := get(name)
			s.Cases++
			if c.State == workflow.StateFalsePositive {
				s.FalsePositives++
			}
		}
	}
	out := make([]RuleStat, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b RuleStat) int { return cmp.Or(cmp.Compare(b.Hits, a.Hits), cmp.Compare(a.Rule, b.Rule)) })
	return out
}

// ruleNames lists the distinct rules of a verdict.
func ruleNames(v *mention.Verdict) []string {
	var out []string
	for _, m := range v.Rules {
		if m.Rule != "" && !slices.Contains(out, m.Rule) {
			out = append(out, m.Rule)
		}
	}
	return out
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// stat returns the median and 90th percentile by nearest rank.
func stat(ds []time.Duration) Stat {
	if len(ds) == 0 {
		return Stat{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Stat{N: len(s), Median: rank(s, 0.5), P90: rank(s, 0.9)}
}

func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func health(events []mention.SourceHealth, cfg *config.Config, to time.Time) []HealthRow {
	latest := map[string]HealthRow{}
	for _, h := range events {
		if h.Changed.After(to) {
			continue
		}
		if old, ok := latest[h.Source]; ok && h.Changed.Before(old.Since) {
			continue
		}
		latest[h.Source] = HealthRow{Source: h.Source, State: h.State, Since: h.Changed, Error: h.Error}
	}
	for _, s := range cfg.Sources {
		if _, ok := latest[s.Name]; !ok {
			latest[s.Name] = HealthRow{Source: s.Name}
		}
	}
	out := make([]HealthRow, 0, len(latest))
	for _, h := range latest {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b HealthRow) int { return cmp.Compare(a.Source, b.Source) })
	return out
}

// pct formats a share as a whole percentage.
func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
