package listener

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/earshot/earshot/config"
)

// hangServer serves a feed at /feed and holds every other request until
// the client gives up on it, like a feed that never answers.
type hangServer struct {
	*httptest.Server
	arrived chan string   // the path of each held request, as it arrives
	left    chan struct{} // one per held request that ended
	held    atomic.Int32  // held requests now
	feeds   atomic.Int32  // requests for /feed
}

func newHangServer(t *testing.T) *hangServer {
	hs := &hangServer{arrived: make(chan string, 256), left: make(chan struct{}, 256)}
	hs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			hs.feeds.Add(1)
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rssFeed(rssItem{GUID: "g1", Link: "https://example.com/g/1", Title: "ACME lost my parcel"}))
			return
		}
		hs.held.Add(1)
		hs.arrived <- r.URL.Path
		<-r.Context().Done()
		hs.held.Add(-1)
		hs.left <- struct{}{}
	}))
	t.Cleanup(hs.Close)
	return hs
}

// awaitReleased waits until no request is held (10 s at most).
func (hs *hangServer) awaitReleased(t *testing.T, why string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for hs.held.Load() > 0 {
		select {
		case <-hs.left:
		case <-timeout:
			t.Fatalf("%s: %d requests still held after 10s", why, hs.held.Load())
		}
	}
}

// hangSource is a source on hs that never answers within the test.
func hangSource(hs *hangServer, name string) config.Source {
	s := src(name, hs.URL+"/hang/"+name)
	s.Timeout = config.Duration(time.Minute)
	return s
}

// runListener runs a listener over srcs in real time (cron drives it) and
// returns it, its metrics and a func that stops it and waits for Run.
func runListener(t *testing.T, e *env, cfg config.Listener, srcs ...config.Source) (*Listener, *metrics.Set, func()) {
	t.Helper()
	e.clock = nil
	deps := e.deps()
	deps.Now = nil
	reg := metrics.NewSet()
	deps.Metrics = NewMetrics(reg)
	l, err := New(cfg, srcs, config.Store{}, deps, slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.closeIdle)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	stopped := false
	stop := func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
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
	t.Cleanup(stop)
	return l, reg, stop
}

// seriesOf returns the series in set that name source.
func seriesOf(set *metrics.Set, source string) []string {
	var out bytes.Buffer
	set.WritePrometheus(&out)
	var series []string
	for line := range strings.Lines(out.String()) {
		if strings.Contains(line, `source="`+source+`"`) {
			series = append(series, strings.TrimSpace(line))
		}
	}
	return series
}

// TestQuickReloadsLeaveOneConfigsPollers swaps the only other source 20
// times in quick succession while each one's fetch hangs (the audit's
// rename-saves), then replaces it by a good feed on the same host: the
// removed sources' fetches are cancelled at once and free the per-host
// slots, the new source is fetched, the source that stayed is neither
// polled again nor republished, and nothing of the removed ones is left.
func TestQuickReloadsLeaveOneConfigsPollers(t *testing.T) {
	e := newEnv(t)
	hs := newHangServer(t)
	stable := newFeedServer(t, rssFeed(items("s", 2)...))
	cfg := config.Listener{Jitter: config.Duration(time.Millisecond)} // per_host: 2
	published := e.published()
	l, reg, stop := runListener(t, e, cfg, src("stable", stable.URL), hangSource(hs, "hang0"))
	awaitN(t, published, 2, "the stable source's mentions")
	e.logs.await(t, `msg="feed polled" source=stable`)
	<-hs.arrived // hang0's fetch hangs

	for i := 1; i <= 20; i++ {
		if err := l.Update(cfg, []config.Source{src("stable", stable.URL), hangSource(hs, fmt.Sprint("hang", i%2))}); err != nil {
			t.Fatal(err)
		}
	}
	g := src("g", hs.URL+"/feed")
	if err := l.Update(cfg, []config.Source{src("stable", stable.URL), g}); err != nil {
		t.Fatal(err)
	}
	awaitN(t, published, 1, "the new source's mention (the removed sources' fetches hold the host's slots)")
	e.logs.await(t, `msg="feed polled" source=g`)
	hs.awaitReleased(t, "the removed sources' fetches were not cancelled")

	if n := len(l.cron.Entries()); n != 2 {
		t.Errorf("%d scheduled sources, want 2", n)
	}
	if n := stable.reqs.Load(); n != 1 {
		t.Errorf("the stable source was fetched %d times, want 1", n)
	}
	if n := hs.feeds.Load(); n != 1 {
		t.Errorf("the new source was fetched %d times, want 1", n)
	}
	stop()
	if n := len(hs.arrived); n > 20 {
		t.Errorf("%d fetches of removed sources for 20 additions", n)
	}
	if n := len(e.mentions()); n != 3 {
		t.Errorf("%d mentions in the stream, want 3", n)
	}
	for _, name := range []string{"hang0", "hang1"} {
		if s := seriesOf(reg, name); len(s) > 0 {
			t.Errorf("series of the removed source %s: %q", name, s)
		}
	}
	for _, h := range e.health() {
		t.Errorf("health event for %s: %+v", h.Source, h)
	}
}

// TestRemovedSourceFetchCancelled: a reload that removes a source while its
// fetch is in flight cancels the fetch, and its outcome is neither
// recorded, nor published, nor turned into metrics.
func TestRemovedSourceFetchCancelled(t *testing.T) {
	e := newEnv(t)
	hs := newHangServer(t)
	cfg := config.Listener{Jitter: config.Duration(time.Millisecond)}
	l, reg, stop := runListener(t, e, cfg, hangSource(hs, "gone"))
	<-hs.arrived
	if err := l.Update(cfg, []config.Source{src("g", hs.URL+"/feed")}); err != nil {
		t.Fatal(err)
	}
	if s := seriesOf(reg, "gone"); len(s) > 0 {
		t.Errorf("series of the removed source after the reload: %q", s)
	}
	hs.awaitReleased(t, "the removed source's fetch was not cancelled")
	e.logs.await(t, `msg="feed polled" source=g`)
	stop()
	if s := seriesOf(reg, "gone"); len(s) > 0 {
		t.Errorf("series of the removed source: %q", s)
	}
	for _, h := range e.health() {
		t.Errorf("health event: %+v", h)
	}
	if logs := e.logs.String(); strings.Contains(logs, "source=gone") && strings.Contains(logs, `msg="fetch failed"`) {
		t.Errorf("the removed source's fetch was recorded:\n%s", logs)
	}
	if _, err := e.feeds.Get(t.Context(), feedsKey("gone")); err == nil {
		t.Error("the removed source's cancelled fetch stored a state")
	}
}

// TestChangedSourceRepolled: a reload that changes a source while its
// fetch hangs cancels that fetch and polls the source again at once with
// its new settings; it keeps one schedule.
func TestChangedSourceRepolled(t *testing.T) {
	e := newEnv(t)
	hs := newHangServer(t)
	cfg := config.Listener{Jitter: config.Duration(time.Millisecond)}
	published := e.published()
	l, _, stop := runListener(t, e, cfg, hangSource(hs, "a"))
	<-hs.arrived
	if err := l.Update(cfg, []config.Source{src("a", hs.URL+"/feed")}); err != nil {
		t.Fatal(err)
	}
	hs.awaitReleased(t, "the changed source's old fetch was not cancelled")
	awaitN(t, published, 1, "the changed source's mention")
	e.logs.await(t, `msg="feed polled" source=a`)
	if n := len(l.cron.Entries()); n != 1 {
		t.Errorf("%d scheduled sources, want 1", n)
	}
	stop()
	if n := hs.feeds.Load(); n != 1 {
		t.Errorf("the changed source was fetched %d times, want 1", n)
	}
	for _, h := range e.health() {
		t.Errorf("health event: %+v", h)
	}
}
