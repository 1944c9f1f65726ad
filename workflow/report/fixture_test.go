package report

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests need Europe/Berlin wherever they run

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
	"github.com/earshot/earshot/workflow"
)

// berlin is the fixture's time zone.
func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load time zone: %v", err)
	}
	return loc
}

// fixtureConfig has two routes (delivery within 2h, general within 4h)
// and three sources.
func fixtureConfig() *config.Config {
	return &config.Config{
		Sources: []config.Source{{Name: "google-news"}, {Name: "reddit"}, {Name: "trustpilot"}},
		Routes: []config.Route{
			{Name: "delivery", Match: config.Match{Topic: config.StringList{"delivery"}}, Owner: "anna@acme.de", RespondWithin: config.Duration(2 * time.Hour)},
			{Guideline: "general", Owner: "ben@acme.de", RespondWithin: config.Duration(4 * time.Hour)},
		},
	}
}

// fixturePeriod is the week of Monday 16 November 2026 in Berlin.
func fixturePeriod(t testing.TB) (from, to time.Time, loc *time.Location) {
	loc = berlin(t)
	return time.Date(2026, 11, 16, 0, 0, 0, 0, loc), time.Date(2026, 11, 23, 0, 0, 0, 0, loc), loc
}

type vspec struct {
	at       time.Time
	source   string
	author   string
	title    string
	topic    string
	critical bool
	score    float64
	rules    []string
}

func verdict(s vspec) mention.Verdict {
	v := mention.Verdict{
		V: mention.Version,
		Mention: mention.Mention{
			V: mention.Version, ID: s.source + ":" + s.at.UTC().Format(time.RFC3339) + ":" + s.title,
			Source: s.source, Author: s.author, Title: s.title, URL: "https://example.com/" + s.source,
			Published: s.at, FirstSeen: s.at,
		},
		Criticism: s.critical, Score: s.score, Classified: s.at,
	}
	if s.topic != "" {
		v.Topics = []string{s.topic}
	}
	if s.critical {
		v.Severity = mention.SeverityMedium
	}
	for _, r := range s.rules {
		v.Rules = append(v.Rules, mention.Match{Rule: r, Topic: s.topic, Criticism: s.critical, Weight: 1})
	}
	return v
}

type cspec struct {
	id      string
	route   string
	owner   string
	created time.Time
	due     time.Time
	v       vspec
	// events: state and time, in order
	events []ev
}

type ev struct {
	to workflow.State
	at time.Time
}

func kase(s cspec) workflow.Case {
	c := workflow.Case{
		V: 1, ID: s.id, State: workflow.StateAlerted, Route: s.route, Owner: s.owner,
		Verdict: verdict(s.v), Created: s.created, Updated: s.created,
	}
	c.Escalation.DueAt = s.due
	c.History = append(c.History, workflow.Event{At: s.created, Actor: "earshot", Action: "alerted", From: workflow.StateNew, To: workflow.StateAlerted})
	for _, e := range s.events {
		action := map[workflow.State]string{
			workflow.StateAcknowledged: "ack", workflow.StateReplied: "replied",
			workflow.StateResolved: "resolve", workflow.StateFalsePositive: "false_positive",
		}[e.to]
		c.History = append(c.History, workflow.Event{At: e.at, Actor: s.owner, Action: action, From: c.State, To: e.to})
		c.State, c.Updated = e.to, e.at
	}
	// An event without a state change, as escalation writes: ignored.
	c.History = append(c.History, workflow.Event{At: s.created.Add(time.Minute), Actor: "earshot", Action: "reminder"})
	return c
}

// fixtureData is a fixed store: 14 verdicts in the period and 6 in the one
// before, 13 cases, and health events of two sources.
func fixtureData(t testing.TB) *Data {
	from, to, loc := fixturePeriod(t)
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, loc) }
	const (
		lp  = "lieferprobleme"
		gen = "de.criticism.generic"
		pr  = "de.praise"
	)
	cur := []vspec{
		{day(16, 9, 0), "google-news", "Zeitung A", "ACME liefert nicht", "delivery", true, 2.5, []string{lp, gen}},
		{day(16, 11, 0), "reddit", "u/kim", "ACME ist super", "", false, -1, []string{pr}},
		{day(17, 8, 30), "reddit", "u/kim", "Paket nie angekommen", "delivery", true, 3, []string{lp}},
		{day(17, 14, 0), "trustpilot", "<!channel> Eve", "<https://evil.example|click> me", "service", true, 1.5, []string{gen}},
		{day(18, 13, 0), "google-news", "Zeitung B", "ACME eröffnet Lager", "", false, 0, nil},
		{day(18, 13, 30), "reddit", "u/max", "Versand verspätet", "delivery", true, 1.25, []string{lp}},
		{day(18, 16, 0), "reddit", "=HYPERLINK(\"x\")", "Lieferung | Tabelle *fett*", "delivery", false, 0.5, []string{lp}},
		{day(19, 10, 0), "google-news", "Zeitung A", "ACME wächst", "", false, -0.5, []string{pr}},
		{day(20, 19, 0), "reddit", "u/kim", "Wieder kein Paket", "delivery", true, 2, []string{lp, gen}},
		{day(20, 21, 0), "trustpilot", "Otto", "Service langsam", "service", true, 1, []string{gen}},
		{day(21, 12, 0), "reddit", "u/max", "Lieferung falsch", "delivery", true, 1, []string{lp}},
		{day(22, 9, 0), "google-news", "Zeitung B", "ACME im Test", "", false, 0, nil},
		{day(22, 22, 0), "reddit", "u/lea", "Paket beschädigt", "delivery", true, 2, []string{lp}},
		{day(22, 23, 30), "trustpilot", "Otto", "Kein Rückruf", "service", true, 1.5, []string{gen}},
	}
	prev := []vspec{
		{day(9, 10, 0), "reddit", "u/kim", "Paket weg", "delivery", true, 2, []string{lp}},
		{day(10, 10, 0), "google-news", "Zeitung A", "ACME Bericht", "", false, 0, nil},
		{day(11, 10, 0), "reddit", "u/max", "Versand schlecht", "delivery", true, 2, []string{lp}},
		{day(12, 10, 0), "trustpilot", "Otto", "Hotline", "service", true, 1, []string{gen}},
		{day(13, 10, 0), "google-news", "Zeitung B", "ACME lobt", "", false, -1, []string{pr}},
		{day(15, 23, 59), "reddit", "u/lea", "Sonntag", "delivery", true, 1, []string{lp}},
	}
	d := &Data{From: from, To: to, PrevFrom: from.Add(-to.Sub(from))}
	var seq uint64
	for _, s := range append(prev, cur...) {
		seq++
		d.Verdicts = append(d.Verdicts, StoredVerdict{Seq: seq, At: s.at, Verdict: verdict(s)})
	}
	// Outside both periods: ignored.
	d.Verdicts = append(d.Verdicts, StoredVerdict{Seq: 99, At: day(23, 0, 0), Verdict: verdict(cur[0])})

	cases := []cspec{
		// Answered in time: ack 15m, reply 45m, resolve 2h.
		{"c01", "delivery", "U1", day(16, 9, 0), time.Time{}, cur[0],
			[]ev{{workflow.StateAcknowledged, day(16, 9, 15)}, {workflow.StateReplied, day(16, 9, 45)}, {workflow.StateResolved, day(16, 11, 0)}}},
		// Answered late: reply after 3h30m, deadline 2h.
		{"c02", "delivery", "U1", day(17, 8, 30), time.Time{}, cur[2],
			[]ev{{workflow.StateAcknowledged, day(17, 9, 0)}, {workflow.StateReplied, day(17, 12, 0)}}},
		// Stored deadline (business hours) honoured: due 18:00, replied 17:00.
		{"c03", "general", "U2", day(17, 14, 0), day(17, 18, 0), cur[3],
			[]ev{{workflow.StateReplied, day(17, 17, 0)}, {workflow.StateResolved, day(18, 9, 0)}}},
		// False positives of lieferprobleme.
		{"c04", "delivery", "U1", day(18, 13, 30), time.Time{}, cur[5],
			[]ev{{workflow.StateFalsePositive, day(18, 14, 0)}}},
		{"c05", "delivery", "U1", day(18, 16, 0), time.Time{}, cur[6],
			[]ev{{workflow.StateFalsePositive, day(18, 16, 30)}}},
		// The same mention on a second route (continue: true), false positive too.
		{"c11", "general", "U2", day(18, 13, 30), time.Time{}, cur[5],
			[]ev{{workflow.StateFalsePositive, day(18, 14, 5)}}},
		// Resolved without a reply: answered by resolving, in time.
		{"c06", "delivery", "U3", day(20, 19, 0), time.Time{}, cur[8],
			[]ev{{workflow.StateAcknowledged, day(20, 19, 10)}, {workflow.StateResolved, day(20, 20, 0)}}},
		// No reaction at all: overdue.
		{"c07", "general", "U2", day(20, 21, 0), time.Time{}, cur[9], nil},
		// Replied in time, resolved only after the period: replied at To.
		{"c08", "delivery", "U3", day(21, 12, 0), time.Time{}, cur[10],
			[]ev{{workflow.StateReplied, day(21, 13, 0)}, {workflow.StateResolved, day(23, 10, 0)}}},
		// Opened late on Sunday, deadline after the period: open, not yet due.
		{"c09", "delivery", "U1", day(22, 22, 0), time.Time{}, cur[12], nil},
		// Unknown route: the default 4h deadline; false positive.
		{"c10", "gone", "U2", day(22, 23, 30), time.Time{}, cur[13],
			[]ev{{workflow.StateFalsePositive, day(22, 23, 45)}}},
		// Previous period: replied after 3h, late; and one still open
		// (acknowledged, never answered: overdue).
		{"p01", "delivery", "U1", day(9, 10, 0), time.Time{}, prev[0],
			[]ev{{workflow.StateReplied, day(9, 13, 0)}, {workflow.StateResolved, day(9, 15, 0)}}},
		{"p02", "delivery", "U1", day(11, 10, 0), time.Time{}, prev[2],
			[]ev{{workflow.StateAcknowledged, day(11, 10, 30)}}},
	}
	for _, c := range cases {
		d.Cases = append(d.Cases, kase(c))
	}
	d.Health = []mention.SourceHealth{
		{V: 1, Source: "reddit", State: mention.HealthFailing, Previous: mention.HealthUp, Error: "HTTP 503 <b>", Changed: day(20, 10, 0)},
		{V: 1, Source: "google-news", State: mention.HealthRateLimited, Changed: day(10, 10, 0)},
		{V: 1, Source: "google-news", State: mention.HealthUp, Previous: mention.HealthRateLimited, Changed: day(10, 12, 0)},
		// After the period: not yet known at To.
		{V: 1, Source: "reddit", State: mention.HealthUp, Previous: mention.HealthFailing, Changed: day(23, 10, 0)},
	}
	return d
}
