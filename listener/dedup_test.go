package listener

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// feedServer serves whatever body was set last, without validators, so
// every poll parses and dedups.
type feedServer struct {
	*httptest.Server
	body atomic.Value
	reqs atomic.Int32
}

func newFeedServer(t testing.TB, body string) *feedServer {
	fs := &feedServer{}
	fs.body.Store(body)
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.reqs.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, fs.body.Load().(string))
	}))
	t.Cleanup(fs.Close)
	return fs
}

// set changes the body; a comment keeps the body hash from matching, so the
// items go through dedup again.
func (fs *feedServer) set(items ...rssItem) {
	fs.body.Store(rssFeed(items...) + "<!-- " + time.Now().String() + " -->")
}

func titles(ms []mention.Mention) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Title)
	}
	return out
}

func TestMissingGUIDs(t *testing.T) {
	e := newEnv(t)
	its := items("", 3)
	for i := range its {
		its[i].GUID = ""
	}
	its[2].Link = "" // neither GUID nor URL: hash of title and content
	fs := newFeedServer(t, rssFeed(its...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	for range 3 {
		e.clock.Advance(10 * time.Minute)
		fs.set(its...)
		e.pollName(l, "a")
	}
	ms := e.mentions()
	if len(ms) != 3 {
		t.Fatalf("mentions = %q, want 3", titles(ms))
	}
	if ms[0].URL != "https://example.com/post/1" {
		t.Errorf("url = %q, want the canonical URL without utm_source", ms[0].URL)
	}
	ids := map[string]bool{}
	for _, m := range ms {
		if !strings.HasPrefix(m.ID, "a:") || ids[m.ID] {
			t.Errorf("id %q: want unique and source-prefixed", m.ID)
		}
		ids[m.ID] = true
	}
}

func TestRepeatedGUIDs(t *testing.T) {
	e := newEnv(t)
	its := items("g", 4)
	for i := range its {
		its[i].GUID = "same" // a broken feed: one GUID for all items
	}
	its[3].Link = its[2].Link // and two items share URL too: position decides
	its[3].Title = "Another post about ACME sharing a link"
	fs := newFeedServer(t, rssFeed(its...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	e.clock.Advance(10 * time.Minute)
	fs.set(its...)
	e.pollName(l, "a")
	ms := e.mentions()
	// Items 1-3 differ by URL; item 4 repeats item 3's URL in the same
	// source, which is churn by definition.
	if len(ms) != 3 {
		t.Fatalf("mentions = %q, want 3", titles(ms))
	}
}

func TestGUIDChurn(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("old-", 5)...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	// The feed re-issues the same items under new GUIDs (and new tracking
	// parameters), plus one really new item.
	churned := items("new-", 6)
	for i := range churned {
		churned[i].Link = strings.Replace(churned[i].Link, "utm_source=rss", "utm_source=feed&fbclid=x", 1)
	}
	churned[5].Title = "A really new post"
	churned[5].Link = "https://example.com/post/new"
	e.clock.Advance(10 * time.Minute)
	fs.set(churned...)
	e.pollName(l, "a")
	// And again with IDs and URLs changed, content the same.
	again := items("newer-", 5)
	for i := range again {
		again[i].Link = "https://example.com/p?id=" + again[i].GUID
	}
	e.clock.Advance(10 * time.Minute)
	fs.set(again...)
	e.pollName(l, "a")
	ms := e.mentions()
	if len(ms) != 6 {
		t.Fatalf("mentions = %q, want 5 + 1", titles(ms))
	}
	if ms[5].Title != "A really new post" || ms[5].Baseline {
		t.Errorf("last mention = %+v, want the new post, not baseline", ms[5])
	}
	if !strings.Contains(e.logs.String(), "feed guid churn detected") {
		t.Error("no churn warning logged")
	}
}

func TestDates(t *testing.T) {
	e := newEnv(t)
	its := items("g", 3)
	its[0].PubDate = ""                                // missing
	its[1].PubDate = "Mon, 01 Jan 2035 10:00:00 +0000" // future
	its[2].PubDate = "Tue, 17 Nov 2026 09:30:00 +0100"
	fs := newFeedServer(t, rssFeed(its...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	ms := e.mentions()
	now := e.clock.Now()
	if len(ms) != 3 {
		t.Fatalf("mentions = %d", len(ms))
	}
	if !ms[0].Published.Equal(now) {
		t.Errorf("missing date: published %v, want first seen %v", ms[0].Published, now)
	}
	if !ms[1].Published.Equal(now) {
		t.Errorf("future date: published %v, want clamped to %v", ms[1].Published, now)
	}
	if want := time.Date(2026, 11, 17, 8, 30, 0, 0, time.UTC); !ms[2].Published.Equal(want) {
		t.Errorf("published %v, want %v", ms[2].Published, want)
	}
	for _, m := range ms {
		if !m.FirstSeen.Equal(now) {
			t.Errorf("first seen %v, want %v", m.FirstSeen, now)
		}
	}
}

func TestBaseline(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("g", 4)...))
	backlog := src("backlog", fs.URL)
	alert := src("alert", fs.URL+"/?x=1")
	alert.AlertBacklog = true
	alert.BrandOnly = true
	l := e.listener(config.Listener{}, backlog, alert)
	e.pollName(l, "backlog")
	e.pollName(l, "alert")
	e.clock.Advance(10 * time.Minute)
	fs.set(append(items("g", 4), rssItem{GUID: "g5", Link: "https://example.com/post/5", Title: "Fresh complaint about ACME"})...)
	e.pollName(l, "backlog")
	var ms []mention.Mention
	for _, m := range e.mentions() {
		if !m.Update {
			ms = append(ms, m)
		}
	}
	// backlog: 4 baseline; alert: same URLs, so its 4 items join the
	// backlog's mentions (announced as updates); then one new item.
	if len(ms) != 5 {
		t.Fatalf("mentions = %q, want 5", titles(ms))
	}
	for _, m := range ms[:4] {
		if !m.Baseline || m.Source != "backlog" {
			t.Errorf("%q: baseline %v source %s, want baseline from backlog", m.Title, m.Baseline, m.Source)
		}
	}
	if ms[4].Baseline {
		t.Errorf("second fetch item marked baseline")
	}
	st, _ := l.state(t.Context(), mustSource(t, l, "backlog"))
	if st.BaselineItems != 4 {
		t.Errorf("baseline items counted = %d, want 4", st.BaselineItems)
	}
}

func TestAlertBacklog(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("g", 2)...))
	s := src("a", fs.URL)
	s.AlertBacklog, s.BrandOnly = true, true
	l := e.listener(config.Listener{}, s)
	e.pollName(l, "a")
	for _, m := range e.mentions() {
		if m.Baseline || !m.BrandOnly {
			t.Errorf("%q: baseline %v brand_only %v, want false, true", m.Title, m.Baseline, m.BrandOnly)
		}
	}
}

func TestCrossSource(t *testing.T) {
	e := newEnv(t)
	a := newFeedServer(t, rssFeed(items("a", 2)...))
	bItems := items("b", 3) // same URLs 1 and 2 under other GUIDs, plus 3
	b := newFeedServer(t, rssFeed(bItems...))
	l := e.listener(config.Listener{}, src("a", a.URL), src("b", b.URL))
	e.pollName(l, "a")
	e.pollName(l, "b")
	ms := e.mentions()
	// Three mentions; the two that b found again are announced once more
	// under the same mention ID, listing both sources.
	ids := map[string][]string{}
	for _, m := range ms {
		ids[m.ID] = m.Sources
	}
	if len(ids) != 3 || len(ms) != 5 {
		t.Fatalf("mentions = %q (%d distinct), want 3 distinct in 5 messages", titles(ms), len(ids))
	}
	announced := 0
	for _, m := range ms[2:] {
		if m.ID == ms[0].ID || m.ID == ms[1].ID {
			announced++
			if !m.Update {
				t.Errorf("re-announcement of %s not marked as an update", m.ID)
			}
			if !slices.Equal(m.Sources, []string{"a", "b"}) {
				t.Errorf("re-announcement of %s lists %v, want a and b", m.ID, m.Sources)
			}
		}
	}
	if announced != 2 {
		t.Errorf("%d re-announcements, want 2", announced)
	}
	u, _, err := l.lookupURL(t.Context(), urlKey(ms[0].URL))
	if err != nil || u == nil || len(u.Sources) != 2 || u.ID != ms[0].ID {
		t.Errorf("url entry = %+v, %v; want mention %s found by a and b", u, err, ms[0].ID)
	}
	// Polling again announces nothing more.
	e.clock.Advance(time.Hour)
	e.pollName(l, "b")
	if n := len(e.mentions()); n != 5 {
		t.Errorf("%d messages after another poll, want 5", n)
	}
}

func TestRestartSameStore(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("g", 5)...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	if n := len(e.mentions()); n != 5 {
		t.Fatalf("mentions = %d, want 5", n)
	}
	e.restart()
	fs.set(items("g", 5)...)
	l2 := e.listener(config.Listener{}, src("a", fs.URL))
	e.clock.Advance(time.Hour)
	e.pollName(l2, "a")
	e.restart()
	fs.set(items("g", 6)...)
	l3 := e.listener(config.Listener{}, src("a", fs.URL))
	e.clock.Advance(time.Hour)
	e.pollName(l3, "a")
	ms := e.mentions()
	if len(ms) != 6 {
		t.Fatalf("mentions after restarts = %q, want 6", titles(ms))
	}
	if ms[5].Baseline {
		t.Error("item after restart marked baseline: the source was re-baselined")
	}
}

func TestCrashBetweenPublishAndRecord(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("g", 2)...))
	l := e.listener(config.Listener{}, src("a", fs.URL))
	e.pollName(l, "a")
	// Simulate a crash after publishing, before the seen keys were written.
	keys, err := e.seen.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		if err := e.seen.Purge(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	l2 := e.listener(config.Listener{}, src("a", fs.URL))
	e.clock.Advance(time.Hour)
	fs.set(items("g", 2)...)
	e.pollName(l2, "a")
	if n := len(e.mentions()); n != 2 {
		t.Errorf("mentions = %d, want 2 (JetStream message-ID dedup)", n)
	}
}

func TestItemIDs(t *testing.T) {
	its := []rawItem{
		{guid: "x", link: "https://a/1"},
		{guid: "dup", link: "https://a/2"},
		{guid: "dup", link: "https://a/3"},
		{link: "https://a/4"},
		{title: "t", html: "c"},
	}
	canon := func(i int) string { return its[i].link }
	a := itemIDs("src", its, canon)
	b := itemIDs("src", its, canon)
	other := itemIDs("other", its, canon)
	seen := map[string]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("item %d: id not stable", i)
		}
		if seen[a[i]] {
			t.Errorf("item %d: id %s repeats", i, a[i])
		}
		seen[a[i]] = true
		if a[i] == other[i] {
			t.Errorf("item %d: same id in two sources", i)
		}
	}
	// Reordering must not change GUID-based IDs.
	rev := []rawItem{its[4], its[3], its[2], its[1], its[0]}
	r := itemIDs("src", rev, func(i int) string { return rev[i].link })
	if r[4] != a[0] || r[2] != a[2] {
		t.Error("ids depend on the item order")
	}
}

func TestURLChangeBaselines(t *testing.T) {
	e := newEnv(t)
	a := newFeedServer(t, rssFeed(items("a", 2)...))
	other := items("o", 2)
	for i := range other {
		other[i].Link = "https://other.example/" + other[i].GUID
		other[i].Title = "Other feed item " + other[i].GUID
	}
	b := newFeedServer(t, rssFeed(other...))
	l := e.listener(config.Listener{}, src("a", a.URL))
	e.pollName(l, "a")
	if err := l.Update(config.Listener{}, []config.Source{src("a", b.URL)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	e.pollName(l, "a")
	ms := e.mentions()
	if len(ms) != 4 {
		t.Fatalf("mentions = %q, want 4", titles(ms))
	}
	for _, m := range ms {
		if !m.Baseline {
			t.Errorf("%q not baseline: a new URL's backlog must not alert", m.Title)
		}
	}
}

// TestMaxItems: a fetch keeps the newest max_items items (by date, undated
// ones last, then in document order), counts the others as dropped and
// warns naming the source.
func TestMaxItems(t *testing.T) {
	e := newEnv(t)
	its := items("g", 30)
	base := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	for i := range its {
		// Item i is i hours old, except that 0 and 1 swap places with 28
		// and 29 in the document, and 5 has no date.
		its[i].PubDate = base.Add(-time.Duration(i) * time.Hour).Format(time.RFC1123Z)
	}
	its[0], its[28] = its[28], its[0]
	its[1], its[29] = its[29], its[1]
	its[5].PubDate = ""
	fs := newFeedServer(t, rssFeed(its...))
	s := src("flood", fs.URL)
	s.MaxItems = 10
	set := metrics.NewSet()
	deps := e.deps()
	deps.Metrics = NewMetrics(set)
	l, err := New(config.Listener{}, []config.Source{s}, config.Store{}, deps, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.log = slog.New(slog.NewTextHandler(e.logs, nil))
	e.pollName(l, "flood")
	var got []string
	for _, m := range e.mentions() {
		got = append(got, strings.TrimSuffix(strings.TrimPrefix(m.Title, "Post number "), " about ACME delivery"))
	}
	// The newest by date are 1..11 but 6 (undated); kept in document
	// order, where 1 and 2 stand last.
	want := []string{"3", "4", "5", "7", "8", "9", "10", "11", "1", "2"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("published %q, want %q", got, want)
	}
	if got := metricValue(t, set, "earshot_listener_items_dropped_total", "flood"); got != 20 {
		t.Errorf("dropped = %v, want 20", got)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `msg="feed holds more items than max_items, the oldest dropped" source=flood items=30 max_items=10 dropped=20`) {
		t.Errorf("no warning in the log:\n%s", logs)
	}
}
