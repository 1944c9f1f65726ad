package listener

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is an injected clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes; wrote is signalled
// after every write.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{wrote: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		select {
		case s.wrote <- struct{}{}:
		default:
		}
	}()
	return s.b.Write(p)
}

// await waits until the log contains substr (10 s at most).
func (s *syncBuffer) await(t *testing.T, substr string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for !strings.Contains(s.String(), substr) {
		select {
		case <-s.wrote:
		case <-timeout:
			t.Fatalf("no %q in the log in 10s:\n%s", substr, s.String())
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a real embedded NATS server with JetStream, the streams and
// buckets the wiring creates, and a fake clock.
type env struct {
	t     testing.TB
	dir   string
	ns    *server.Server
	nc    *nats.Conn
	js    jetstream.JetStream
	seen  jetstream.KeyValue
	feeds jetstream.KeyValue
	clock *fakeClock
	logs  *syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: newClock(), logs: newSyncBuffer()}
	e.start()
	return e
}

// start (re)starts the server on e.dir.
func (e *env) start() {
	t := e.t
	t.Helper()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: e.dir, DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL(), nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: mention.MentionsStream, Subjects: []string{mention.MentionsPrefix + ">"}, Duplicates: time.Hour,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: mention.EventsStream, Subjects: []string{mention.EventsPrefix + ">"},
	}); err != nil {
		t.Fatal(err)
	}
	seen, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: mention.SeenBucket, TTL: config.DefaultSeenTTL.D()})
	if err != nil {
		t.Fatal(err)
	}
	feeds, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: mention.FeedsBucket})
	if err != nil {
		t.Fatal(err)
	}
	e.ns, e.nc, e.js, e.seen, e.feeds = ns, nc, js, seen, feeds
	t.Cleanup(e.stop)
}

// stop shuts the server down (idempotent).
func (e *env) stop() {
	if e.ns == nil {
		return
	}
	e.nc.Close()
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
	e.ns = nil
}

// restart stops and starts the server on the same store directory.
func (e *env) restart() {
	e.stop()
	e.start()
}

func (e *env) deps() Deps {
	return Deps{JS: e.js, Seen: e.seen, Feeds: e.feeds, Metrics: NewMetrics(nil), Now: e.clock.Now}
}

// listener returns a Listener over srcs with test-friendly defaults.
func (e *env) listener(cfg config.Listener, srcs ...config.Source) *Listener {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l, err := New(cfg, srcs, config.Store{SeenTTL: config.DefaultSeenTTL}, e.deps(), log)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(l.closeIdle)
	return l
}

// pollName polls the source called name once.
func (e *env) pollName(l *Listener, name string) {
	e.t.Helper()
	s, ok := l.sourceByName(name)
	if !ok {
		e.t.Fatalf("no source %q", name)
	}
	l.poll(context.Background(), s)
}

// mentions returns every mention in the stream.
func (e *env) mentions() []mention.Mention {
	e.t.Helper()
	var out []mention.Mention
	for _, raw := range e.msgs(mention.MentionsStream) {
		m, err := mention.DecodeMention(raw)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// published signals every mention the stream stores from now on (an
// ordered consumer sees only stored messages).
func (e *env) published() <-chan struct{} {
	e.t.Helper()
	ch := make(chan struct{}, 64)
	c, err := e.js.OrderedConsumer(e.t.Context(), mention.MentionsStream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		e.t.Fatal(err)
	}
	cc, err := c.Consume(func(jetstream.Msg) { ch <- struct{}{} })
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cc.Stop)
	return ch
}

// health returns every health event in the stream.
func (e *env) health() []mention.SourceHealth {
	e.t.Helper()
	var out []mention.SourceHealth
	for _, raw := range e.msgs(mention.EventsStream) {
		h, err := mention.DecodeSourceHealth(raw)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

func (e *env) msgs(stream string) [][]byte {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out [][]byte
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		out = append(out, m.Data)
	}
	return out
}

// rssItem is an item of a generated RSS feed.
type rssItem struct {
	GUID, Link, Title, Desc, PubDate string
}

// rssFeed renders an RSS 2.0 feed.
func rssFeed(items ...rssItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<rss version="2.0"><channel><title>t</title><link>https://example.com/</link>`)
	for _, it := range items {
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, "<guid>%s</guid>", it.GUID)
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", it.Link)
		}
		fmt.Fprintf(&b, "<title>%s</title><description>%s</description>", it.Title, it.Desc)
		if it.PubDate != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.PubDate)
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// items returns n simple items with GUIDs prefix1..prefixN.
func items(prefix string, n int) []rssItem {
	out := make([]rssItem, n)
	for i := range out {
		out[i] = rssItem{
			GUID:    fmt.Sprintf("%s%d", prefix, i+1),
			Link:    fmt.Sprintf("https://example.com/post/%d?utm_source=rss", i+1),
			Title:   fmt.Sprintf("Post number %d about ACME delivery", i+1),
			Desc:    fmt.Sprintf("&lt;p&gt;The parcel from ACME did not arrive, story %d.&lt;/p&gt;", i+1),
			PubDate: "Wed, 18 Nov 2026 10:00:00 +0000",
		}
	}
	return out
}

func src(name, url string) config.Source {
	return config.Source{Name: name, URL: url, Every: config.Duration(10 * time.Minute)}
}

func mustSource(t testing.TB, l *Listener, name string) *source {
	t.Helper()
	s, ok := l.sourceByName(name)
	if !ok {
		t.Fatalf("no source %q", name)
	}
	return s
}

func t0ctx() context.Context { return context.Background() }

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testMaxSize is the max_size tests parse under: the default.
const testMaxSize = int64(config.DefaultMaxSize)
