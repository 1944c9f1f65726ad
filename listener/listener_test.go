package listener

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func TestNewValidates(t *testing.T) {
	e := newEnv(t)
	srcs := []config.Source{
		{Name: "ok", URL: "https://example.com/feed"},
		{Name: "", URL: "https://example.com/feed"},
		{Name: "ok", URL: "https://example.com/other"},
		{Name: "preset", Preset: "nope", Query: "x"},
		{Name: "noquery", Preset: PresetRedditSearch},
		{Name: "scheme", URL: "ftp://example.com/feed"},
		{Name: "both", URL: "https://example.com/feed", Every: config.Duration(time.Minute), Schedule: "* * * * *"},
		{Name: "cron", URL: "https://example.com/feed", Schedule: "every day"},
		{Name: "tz", URL: "https://example.com/feed", Schedule: "0 8 * * *", TimeZone: "Mars/Olympus"},
	}
	_, err := New(config.Listener{}, srcs, config.Store{}, e.deps(), nil)
	want := []string{"sources[1].name", "sources[2].name", "sources[3].preset", "sources[4].query",
		"sources[5].url", "sources[6].schedule", "sources[7].schedule", "sources[8].time_zone"}
	errs := config.Errors(err)
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", err, len(want))
	}
	for i, e := range errs {
		var fe *config.FieldError
		if !errors.As(e, &fe) || fe.Path != want[i] {
			t.Errorf("error %d = %v, want a FieldError at %s", i, e, want[i])
		}
	}
	l, err := New(config.Listener{}, []config.Source{{Name: "berlin", URL: "https://example.com/f", Schedule: "0 8 * * MON-FRI", TimeZone: "Europe/Berlin"}}, config.Store{}, e.deps(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := mustSource(t, l, "berlin"); s.interval != 24*time.Hour {
		t.Errorf("interval of a daily schedule = %s", s.interval)
	}
}

func TestRunAndUpdate(t *testing.T) {
	e := newEnv(t)
	a := newFeedServer(t, rssFeed(items("a", 2)...))
	b := newFeedServer(t, rssFeed(items("b", 1)...))
	for i, it := range items("b", 1) {
		_ = i
		it.Link = "https://other.example/b1"
		b.set(it)
	}
	e.clock = nil // real time: Run drives cron
	deps := e.deps()
	deps.Now = nil
	reg := metrics.NewSet()
	deps.Metrics = NewMetrics(reg)
	cfg := config.Listener{Jitter: config.Duration(time.Millisecond)}
	l, err := New(cfg, []config.Source{src("a", a.URL)}, config.Store{}, deps, slog.New(slog.NewTextHandler(e.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	published := e.published()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	awaitN(t, published, 2, "a's two mentions")
	if err := l.Update(cfg, []config.Source{src("a", a.URL), src("b", b.URL)}); err != nil {
		t.Fatal(err)
	}
	// A new source is polled at once, not at its first scheduled time.
	awaitN(t, published, 1, "b's mention")
	e.logs.await(t, `msg="feed polled" source=b`) // its poll is done
	if n := len(e.mentions()); n != 3 {
		t.Errorf("%d mentions in the stream, want 3", n)
	}
	if err := l.Update(cfg, []config.Source{{Name: "bad", Preset: "nope"}}); err == nil {
		t.Error("Update accepted an invalid source")
	}
	if _, ok := l.sourceByName("a"); !ok {
		t.Error("a failed Update changed the sources")
	}
	if err := l.Update(cfg, []config.Source{src("b", b.URL)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.sourceByName("a"); ok {
		t.Error("removed source still there")
	}
	if got := metricValue(t, reg, "earshot_mentions_published_total", "b"); got != 1 {
		t.Errorf("published{b} = %v, want 1", got)
	}
	if got := metricValue(t, reg, "earshot_source_up", "b"); got != 1 {
		t.Errorf("source_up{b} = %v, want 1", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// awaitN waits for n signals on ch (10 s at most).
func awaitN(t *testing.T, ch <-chan struct{}, n int, what string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for i := range n {
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%s: %d of %d in 10s", what, i, n)
		}
	}
}

func TestSkipIfStillRunning(t *testing.T) {
	e := newEnv(t)
	var reqs atomic.Int32
	arrived := make(chan struct{}, 2)
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		arrived <- struct{}{}
		<-release
		io.WriteString(w, rssFeed(items("g", 1)...))
	}))
	defer ts.Close()
	l := e.listener(config.Listener{}, src("a", ts.URL))
	done := make(chan struct{})
	go func() { e.pollName(l, "a"); close(done) }()
	awaitN(t, arrived, 1, "the first poll's request")
	e.pollName(l, "a") // returns at once: skipped
	close(release)
	<-done
	if got := reqs.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestPerHostLimit(t *testing.T) {
	e := newEnv(t)
	var cur, peak atomic.Int32
	arrived := make(chan struct{}, 4)
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		arrived <- struct{}{}
		<-release
		cur.Add(-1)
		io.WriteString(w, rssFeed())
	}))
	defer ts.Close()
	var srcs []config.Source
	for _, n := range []string{"a", "b", "c", "d"} {
		srcs = append(srcs, src(n, ts.URL+"/"+n))
	}
	l := e.listener(config.Listener{PerHost: 2}, srcs...)
	done := make(chan struct{}, 4)
	for _, n := range []string{"a", "b", "c", "d"} {
		go func() { e.pollName(l, n); done <- struct{}{} }()
	}
	awaitN(t, arrived, 2, "two requests to the host")
	close(release)
	for range 4 {
		<-done
	}
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrent requests to one host = %d, want 2", p)
	}
}

func TestBackoff(t *testing.T) {
	if got := backoffDelay(1, time.Minute, time.Hour); got != time.Minute {
		t.Errorf("after 1 failure: %s", got)
	}
	if got := backoffDelay(3, time.Minute, time.Hour); got != 4*time.Minute {
		t.Errorf("after 3 failures: %s", got)
	}
	if got := backoffDelay(30, time.Minute, time.Hour); got != time.Hour {
		t.Errorf("after 30 failures: %s, want capped at 1h", got)
	}
	e := newEnv(t)
	var fail atomic.Bool
	fail.Store(true)
	var reqs atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		io.WriteString(w, rssFeed(items("g", 1)...))
	}))
	defer ts.Close()
	s := src("a", ts.URL)
	s.Every = config.Duration(time.Minute)
	l := e.listener(config.Listener{MaxBackoff: config.Duration(8 * time.Minute)}, s)
	for range 60 { // an hour of polls every minute
		e.pollName(l, "a")
		e.clock.Advance(time.Minute)
	}
	// Failures at 0, 1, 3, 7, 15, 23, 31, ... minutes: 1, 2, 4, 8, 8, ...
	if got := reqs.Load(); got < 8 || got > 12 {
		t.Errorf("requests in an hour of failures = %d, want about 10 (capped backoff)", got)
	}
	fail.Store(false)
	e.clock.Advance(8 * time.Minute)
	e.pollName(l, "a")
	before := reqs.Load()
	e.clock.Advance(time.Minute)
	e.pollName(l, "a")
	if reqs.Load() != before+1 {
		t.Error("interval not back to normal after a success")
	}
	hs := e.health()
	if len(hs) != 2 || hs[0].State != mention.HealthFailing || !strings.Contains(hs[0].Error, "502") || hs[1].State != mention.HealthUp {
		t.Errorf("health events = %+v, want failing (502) then up, once each", hs)
	}
}

func TestStale(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t, rssFeed(items("g", 2)...))
	s := src("a", fs.URL)
	s.StaleAfter = config.Duration(2 * time.Hour)
	l := e.listener(config.Listener{}, s)
	e.pollName(l, "a")
	e.clock.Advance(3 * time.Hour)
	fs.set(items("g", 2)...)
	e.pollName(l, "a")
	hs := e.health()
	if len(hs) != 1 || hs[0].State != mention.HealthStale {
		t.Fatalf("health events = %+v, want stale", hs)
	}
	e.clock.Advance(10 * time.Minute)
	fs.set(items("g", 3)...)
	e.pollName(l, "a")
	if hs := e.health(); len(hs) != 2 || hs[1].State != mention.HealthUp {
		t.Errorf("health events = %+v, want stale then up", hs)
	}
}

func TestStaleLearnt(t *testing.T) {
	if got := staleAfter(0, 0, time.Minute); got != 0 {
		t.Errorf("unknown gap: %s, want never stale", got)
	}
	if got := staleAfter(0, 12*time.Hour, 10*time.Minute); got != 48*time.Hour {
		t.Errorf("12h gap: %s, want 48h", got)
	}
	if got := staleAfter(0, time.Minute, 10*time.Minute); got != minStale {
		t.Errorf("1m gap: %s, want the floor %s", got, minStale)
	}
	its := []rawItem{{published: time.Unix(3000, 0)}, {published: time.Unix(1000, 0)}, {published: time.Unix(2000, 0)}, {}}
	if got := learnGap(its); got != 1000*time.Second {
		t.Errorf("learnGap = %s", got)
	}
}

func TestSourcesTest(t *testing.T) {
	e := newEnv(t)
	its := items("g", 3)
	fs := newFeedServer(t, rssFeed(its[:2]...))
	l := e.listener(config.Listener{}, src("a", fs.URL+"/feed?token=secret"))
	e.pollName(l, "a")
	fs.set(its...)
	var out bytes.Buffer
	if err := l.Test(t.Context(), "a", &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"DUPLICATE", "NEW", "Post number 3", "would publish 1", "health would be: up"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret") {
		t.Errorf("output shows the token:\n%s", got)
	}
	if n := len(e.mentions()); n != 2 {
		t.Errorf("Test published: %d mentions, want 2", n)
	}
	if err := l.Test(t.Context(), "nope", &out); err == nil {
		t.Error("Test of an unknown source: no error")
	}
}

func TestNeverLogsTokenURL(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer ts.Close()
	l := e.listener(config.Listener{}, src("a", ts.URL+"/alerts/feeds/123/secret-token"))
	e.pollName(l, "a")
	if strings.Contains(e.logs.String(), "secret-token") {
		t.Errorf("log shows the token:\n%s", e.logs.String())
	}
	for _, h := range e.health() {
		if strings.Contains(h.Error, "secret-token") {
			t.Errorf("health event shows the token: %s", h.Error)
		}
	}
}

func TestEngagement(t *testing.T) {
	hn := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>HN</title><link>https://news.ycombinator.com/</link>
<item><title>ACME raises prices again</title><description><![CDATA[<p>Article URL: <a href="https://acme.example/prices">https://acme.example/prices</a></p><p>Comments URL: <a href="https://news.ycombinator.com/item?id=1">https://news.ycombinator.com/item?id=1</a></p><p>Points: 142</p><p># Comments: 57</p>]]></description><pubDate>Wed, 18 Nov 2026 10:00:00 +0000</pubDate><link>https://acme.example/prices</link><dc:creator>pg</dc:creator><comments>https://news.ycombinator.com/item?id=1</comments><guid isPermaLink="false">https://news.ycombinator.com/item?id=1</guid></item></channel></rss>`
	f, err := parseFeed([]byte(hn), "", testMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	m := normalize(&f.items[0], f, "", time.Now())
	if m.Engagement.Points != 142 || m.Engagement.Comments != 57 || m.Author != "pg" {
		t.Errorf("hnrss: %+v by %q", m.Engagement, m.Author)
	}
	yt := `<?xml version="1.0" encoding="UTF-8"?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
<title>ACME</title><entry><id>yt:video:abc</id><yt:videoId>abc</yt:videoId><title>ACME unboxing fail</title><link rel="alternate" href="https://www.youtube.com/watch?v=abc"/><author><name>Reviewer</name></author><published>2026-11-18T10:00:00+00:00</published>
<media:group><media:title>ACME unboxing fail</media:title><media:description>The box arrived broken.</media:description><media:community><media:starRating count="321" average="4.5" min="1" max="5"/><media:statistics views="98765"/></media:community></media:group></entry></feed>`
	f, err = parseFeed([]byte(yt), "", testMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	m = normalize(&f.items[0], f, "", time.Now())
	if m.Engagement.Views != 98765 || m.Engagement.Likes != 321 || m.Author != "Reviewer" || m.Text != "The box arrived broken." {
		t.Errorf("youtube: %+v by %q, text %q", m.Engagement, m.Author, m.Text)
	}
}

// metricValue returns the value of the series of name with source=source
// as the set exposes it, or -1 when there is none.
func metricValue(t *testing.T, set *metrics.Set, name, source string) float64 {
	t.Helper()
	var out bytes.Buffer
	set.WritePrometheus(&out)
	for line := range strings.Lines(out.String()) {
		series, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && series == name+`{source="`+source+`"}` {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return -1
}

func TestBrokenSourceDoesNotBlockOthers(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	good := newFeedServer(t, rssFeed(items("g", 2)...))
	bad := src("bad", hang.URL)
	bad.Timeout = config.Duration(time.Minute)
	l := e.listener(config.Listener{}, bad, src("good", good.URL))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { l.poll(ctx, mustSource(t, l, "bad")); close(done) }()
	e.pollName(l, "good")
	if n := len(e.mentions()); n != 2 {
		t.Errorf("good source published %d mentions while another hangs, want 2", n)
	}
	cancel()
	<-done
}

// TestOnePollPerTickAcrossInstances runs two listeners (two earshot
// instances) on one store: in each period only one of them fetches the
// feed, and each item is published once.
func TestOnePollPerTickAcrossInstances(t *testing.T) {
	e := newEnv(t)
	var reqs atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		io.WriteString(w, rssFeed(items("g", 3)...))
	}))
	defer ts.Close()
	s := src("a", ts.URL)
	s.Every = config.Duration(time.Minute)
	a, b := e.listener(config.Listener{}, s), e.listener(config.Listener{}, s)
	for tick := range 3 {
		e.pollName(a, "a")
		e.pollName(b, "a")
		if got, want := reqs.Load(), int32(tick+1); got != want {
			t.Fatalf("tick %d: %d fetches, want %d", tick, got, want)
		}
		e.clock.Advance(time.Minute)
	}
	if got, want := len(e.mentions()), 3; got != want {
		t.Errorf("%d mentions published, want %d", got, want)
	}
}

// TestMetricsEscapeSourceNames: a source name with quotes, backslashes or a
// line break is escaped in its series, which stay readable and removable.
func TestMetricsEscapeSourceNames(t *testing.T) {
	set := metrics.NewSet()
	m := NewMetrics(set)
	name := "say \"hi\" \\ to\nall"
	m.init(name)
	m.published(name).Inc()
	m.fetches(name, "ok").Inc()
	m.items(name, outcomeNew).Inc()
	m.up(name).Set(1)
	var out bytes.Buffer
	set.WritePrometheus(&out)
	want := `earshot_mentions_published_total{source="say \"hi\" \\ to\nall"} 1`
	if !strings.Contains(out.String(), want+"\n") {
		t.Errorf("no %s in\n%s", want, out.String())
	}
	m.forget(name)
	out.Reset()
	set.WritePrometheus(&out)
	if strings.Contains(out.String(), "say") {
		t.Errorf("series left after forget:\n%s", out.String())
	}
	// A source added again under the name starts from zero: its cached
	// counters went with it.
	m.init(name)
	m.items(name, outcomeNew).Inc()
	out.Reset()
	set.WritePrometheus(&out)
	for _, want := range []string{
		`earshot_mentions_published_total{source="say \"hi\" \\ to\nall"} 0`,
		`earshot_listener_items_total{source="say \"hi\" \\ to\nall",outcome="new"} 1`,
	} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("no %s in\n%s", want, out.String())
		}
	}
}

// TestShortestGap: a schedule's interval is the same whatever day it is
// computed on (a weekday schedule on a Friday has a weekend next).
func TestShortestGap(t *testing.T) {
	sched, err := cronParser.Parse("CRON_TZ=Europe/Berlin 0 8 * * MON-FRI")
	if err != nil {
		t.Fatal(err)
	}
	for d := range 7 {
		now := time.Date(2026, 11, 23+d, 9, 0, 0, 0, time.UTC) // Monday to Sunday
		if got := shortestGap(sched, now); got != 24*time.Hour {
			t.Errorf("%s: interval %s, want 24h", now.Weekday(), got)
		}
	}
	twice, err := cronParser.Parse("0 8,18 * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got := shortestGap(twice, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)); got != 10*time.Hour {
		t.Errorf("twice a day: interval %s, want 10h", got)
	}
}
