package listener

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func TestNotModified(t *testing.T) {
	e := newEnv(t)
	var full, cond atomic.Int32
	body := rssFeed(items("g", 3)...)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			cond.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body)
	}))
	defer ts.Close()
	l := e.listener(config.Listener{}, src("a", ts.URL))
	e.pollName(l, "a")
	e.clock.Advance(10 * time.Minute)
	e.pollName(l, "a")
	e.clock.Advance(10 * time.Minute)
	e.pollName(l, "a")
	if got, want := full.Load(), int32(1); got != want {
		t.Errorf("full fetches = %d, want %d", got, want)
	}
	if got, want := cond.Load(), int32(2); got != want {
		t.Errorf("conditional fetches = %d, want %d", got, want)
	}
	if got := len(e.mentions()); got != 3 {
		t.Errorf("mentions = %d, want 3", got)
	}
	st, _ := l.state(t.Context(), mustSource(t, l, "a"))
	if st.ETag != `"v1"` || st.Health != mention.HealthUp {
		t.Errorf("state = %+v, want etag \"v1\" and up", st)
	}
	// The ETag survives in the feeds bucket for the next process.
	l2 := e.listener(config.Listener{}, src("a", ts.URL))
	e.clock.Advance(10 * time.Minute)
	e.pollName(l2, "a")
	if got := full.Load(); got != 1 {
		t.Errorf("full fetches after restart = %d, want 1", got)
	}
}

func TestRetryAfter(t *testing.T) {
	e := newEnv(t)
	var reqs atomic.Int32
	var limited atomic.Bool
	limited.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		if limited.Load() {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, rssFeed(items("g", 1)...))
	}))
	defer ts.Close()
	s := src("a", ts.URL)
	s.Every = config.Duration(time.Minute)
	l := e.listener(config.Listener{}, s)
	e.pollName(l, "a")
	if got := reqs.Load(); got != 1 {
		t.Fatalf("requests = %d, want 1", got)
	}
	hs := e.health()
	if len(hs) != 1 || hs[0].State != mention.HealthRateLimited || !hs[0].Until.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("health events = %+v, want one rate_limited until +1h", hs)
	}
	for range 59 { // every minute for 59 minutes: no request
		e.clock.Advance(time.Minute)
		e.pollName(l, "a")
	}
	if got := reqs.Load(); got != 1 {
		t.Fatalf("requests during Retry-After = %d, want 1", got)
	}
	limited.Store(false)
	e.clock.Advance(time.Minute)
	e.pollName(l, "a")
	if got := reqs.Load(); got != 2 {
		t.Fatalf("requests after Retry-After = %d, want 2", got)
	}
	hs = e.health()
	if len(hs) != 2 || hs[1].State != mention.HealthUp || hs[1].Previous != mention.HealthRateLimited {
		t.Errorf("health events = %+v, want rate_limited then up", hs)
	}
}

func TestRetryAfterHTTPDate503(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until, ok := retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now)
	if !ok || !until.Equal(now.Add(90*time.Second)) {
		t.Errorf("retryAfter(date) = %v, %v", until, ok)
	}
	until, ok = retryAfter("999999999", now)
	if !ok || until.Sub(now) != maxRetryAfter {
		t.Errorf("retryAfter(huge) = %v, want capped at %s", until.Sub(now), maxRetryAfter)
	}
	if _, ok := retryAfter("soon", now); ok {
		t.Error("retryAfter(soon) ok, want not ok")
	}
}

func TestCacheControlMaxAge(t *testing.T) {
	e := newEnv(t)
	var reqs atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=1800")
		io.WriteString(w, rssFeed(items("g", 1)...))
	}))
	defer ts.Close()
	l := e.listener(config.Listener{}, src("a", ts.URL))
	e.pollName(l, "a")
	e.clock.Advance(10 * time.Minute)
	e.pollName(l, "a")
	if got := reqs.Load(); got != 1 {
		t.Errorf("requests within max-age = %d, want 1", got)
	}
	e.clock.Advance(25 * time.Minute)
	e.pollName(l, "a")
	if got := reqs.Load(); got != 2 {
		t.Errorf("requests after max-age = %d, want 2", got)
	}
}

// failingCase is a hostile or broken server that must leave its source
// failing, publish nothing, and not hang.
func TestHostileFeeds(t *testing.T) {
	slowDone := make(chan struct{})
	bomb := gzipZeros(t, 64<<20)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr func(error) bool
		errText string
	}{
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, `<?xml version="1.0"?><rss><channel>`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-slowDone:
			}
		}, nil, "timeout"},
		{"2 GiB body declared", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(int64(2<<30)))
			writeZeros(w, 2<<30)
		}, isTooLarge, "larger than"},
		{"2 GiB body chunked", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			writeZeros(w, 2<<30)
		}, isTooLarge, "larger than"},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(bomb)
		}, isTooLarge, "larger than"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/a" {
				http.Redirect(w, r, "/b", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/a", http.StatusFound)
		}, func(err error) bool { return errors.Is(err, errTooManyRedirects) }, "redirects"},
		{"redirect to ftp", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
		}, nil, "scheme"},
		{"html instead of feed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><head><title>Login</title></head><body><p>Please log in</p></body></html>")
		}, isNotFeed, "not a feed"},
		{"malformed xml", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><item><title>a <<<< b</title><guid>1</guid></item></channel></rss>`)
		}, isNotFeed, "malformed feed"},
		{"truncated xml", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut off</title><guid>1</guid></item><item><title>`)
		}, isNotFeed, "malformed feed"},
		// gofeed builds a tree of every element in a foreign namespace,
		// without limits: 8.8 MB of these took 1.1 GB.
		{"deeply nested extension elements", serveBody(extensionFeed(strings.Repeat("<x:a>", 150_000))),
			isShapeError, "nested deeper than 128 elements"},
		{"numerous extension elements", serveBody(extensionFeed(strings.Repeat("<x:a>v</x:a>", 80_000))),
			isShapeError, "too many elements: more than 65536 units"},
		{"numerous attributes", serveBody(extensionFeed("<x:a" + strings.Repeat(` a="1"`, 140_000) + "/>")),
			isShapeError, "too many elements: more than 65536 units"},
		{"numerous items", serveBody(extensionFeed(strings.Repeat("<item/>", 140_000))),
			isShapeError, "too many elements: more than 65536 units"},
		{"numerous json items", serveBody(`{"version":"https://jsonfeed.org/version/1.1","items":[` +
			strings.Repeat(`{"id":"1"},`, 90_000) + `{"id":"2"}]}`), isShapeError, "too many elements: more than 65536 units"},
		{"deeply nested json", serveBody(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","x":` +
			strings.Repeat(`[`, 300_000) + `]}]}`), isShapeError, "nested deeper than 128"},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, func(err error) bool { var se *StatusError; return errors.As(err, &se) && se.Code == 500 }, "500"},
	}
	e := newEnv(t)
	defer close(slowDone)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			s := src(tc.name, ts.URL+"/a")
			s.Timeout = config.Duration(300 * time.Millisecond)
			s.MaxSize = 1 << 20
			l := e.listener(config.Listener{}, s)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			e.pollName(l, tc.name)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("poll took %s", d)
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("poll allocated %d MiB, want bounded by the 1 MiB limit", alloc>>20)
			}
			st, _ := l.state(t.Context(), mustSource(t, l, tc.name))
			if st.Health != mention.HealthFailing || !strings.Contains(st.LastError, tc.errText) {
				t.Errorf("health %q, error %q; want failing with %q", st.Health, st.LastError, tc.errText)
			}
			if strings.Contains(st.LastError, "/a") {
				t.Errorf("error %q shows the URL path", st.LastError)
			}
			if tc.wantErr != nil {
				_, err := l.fetch(t.Context(), fetchRequest{url: ts.URL + "/a", timeout: time.Second, maxSize: 1 << 20, userAgent: "t"})
				if err == nil {
					_, _, err = fetchAndParse(l, ts.URL+"/a", 1<<20)
				}
				if !tc.wantErr(err) {
					t.Errorf("error %v has the wrong type", err)
				}
			}
		})
	}
	if n := len(e.mentions()); n != 0 {
		t.Errorf("hostile feeds published %d mentions", n)
	}
	for _, h := range e.health() {
		if h.State != mention.HealthFailing || h.Error == "" {
			t.Errorf("health event %+v, want failing with error", h)
		}
	}
}

func fetchAndParse(l *Listener, u string, maxSize int64) (*fetchResult, *feed, error) {
	res, err := l.fetch(t0ctx(), fetchRequest{url: u, timeout: time.Second, maxSize: maxSize, userAgent: "t"})
	if err != nil {
		return nil, nil, err
	}
	defer res.release()
	f, err := parseFeed(res.body.Bytes(), res.contentType, maxSize)
	return res, f, err
}

// serveBody answers every request with body.
func serveBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
}

// extensionFeed is an RSS feed of one item holding ext, in the namespace x.
func extensionFeed(ext string) string {
	return `<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>t</title>` +
		`<item><title>ACME is terrible</title><guid>n1</guid>` + ext + `</item></channel></rss>`
}

func isShapeError(err error) bool { var e *ShapeError; return isNotFeed(err) && errors.As(err, &e) }

func isTooLarge(err error) bool { var e *TooLargeError; return errors.As(err, &e) }
func isNotFeed(err error) bool  { var e *NotFeedError; return errors.As(err, &e) }

func writeZeros(w io.Writer, n int64) {
	buf := make([]byte, 32<<10)
	for n > 0 {
		k, err := w.Write(buf[:min(int64(len(buf)), n)])
		if err != nil {
			return
		}
		n -= int64(k)
	}
}

func gzipZeros(t testing.TB, n int64) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	writeZeros(zw, n)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDenyPrivate(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, rssFeed(items("g", 1)...))
	}))
	defer ts.Close()
	l := e.listener(config.Listener{DenyPrivate: true}, src("a", ts.URL))
	_, err := l.fetch(t.Context(), fetchRequest{url: ts.URL, timeout: time.Second, maxSize: 1 << 20})
	var de *DeniedAddressError
	if !errors.As(err, &de) {
		t.Fatalf("fetch from loopback with deny_private: %v, want *DeniedAddressError", err)
	}
	// Allowed by default: intranet feeds are legitimate.
	l2 := e.listener(config.Listener{}, src("a", ts.URL))
	if _, _, err := fetchAndParse(l2, ts.URL, 1<<20); err != nil {
		t.Fatalf("fetch from loopback by default: %v", err)
	}
}

func TestCharsets(t *testing.T) {
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title>" +
		"<item><guid>1</guid><title>\xc4rger \xfcber die Lieferung, Stra\xdfe gesperrt</title><description>Gr\xfc\xdfe</description></item></channel></rss>")
	utf8False := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title>" +
		"<item><guid>1</guid><title>Ärger über die Lieferung, Straße gesperrt</title><description>Grüße</description></item></channel></rss>")
	latin1NoDecl := []byte("<rss version=\"2.0\"><channel><title>t</title>" +
		"<item><guid>1</guid><title>\xc4rger \xfcber die Lieferung, Stra\xdfe gesperrt</title><description>Gr\xfc\xdfe</description></item></channel></rss>")
	tests := []struct {
		name, ct string
		body     []byte
	}{
		{"iso-8859-1 declared", "application/rss+xml", latin1},
		{"utf-8 under false declaration", "application/rss+xml; charset=iso-8859-1", utf8False},
		{"iso-8859-1 from content type", "text/xml; charset=ISO-8859-1", latin1NoDecl},
	}
	e := newEnv(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.Write(tc.body)
			}))
			defer ts.Close()
			l := e.listener(config.Listener{}, src(tc.name, ts.URL))
			_, f, err := fetchAndParse(l, ts.URL, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			m := normalize(&f.items[0], f, "", e.clock.Now())
			if got, want := m.Title, "Ärger über die Lieferung, Straße gesperrt"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
			if got, want := m.Text, "Grüße"; got != want {
				t.Errorf("text = %q, want %q", got, want)
			}
		})
	}
}

func TestEntityExpansion(t *testing.T) {
	lol := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>&lol9;</title><description>&xxe;</description></item></channel></rss>`
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := parseFeed([]byte(lol), "application/xml", testMaxSize)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("parse allocated %d MiB: entities were expanded", alloc>>20)
	}
	if err != nil {
		return // refusing the document is fine too
	}
	for _, it := range f.items {
		m := normalize(&it, f, "", time.Now())
		if len(m.Title) > 100 || strings.Contains(m.Text, "root:") {
			t.Errorf("entities expanded: title %d bytes, text %q", len(m.Title), m.Text)
		}
	}
}

func TestFileSource(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	path := dir + "/feed.xml"
	writeFile(t, path, rssFeed(items("g", 2)...))
	l := e.listener(config.Listener{}, src("file", "file://"+path))
	e.pollName(l, "file")
	e.clock.Advance(10 * time.Minute)
	e.pollName(l, "file")
	if got := len(e.mentions()); got != 2 {
		t.Errorf("mentions = %d, want 2", got)
	}
}

// TestParserPanicFailsOnlyItsFeed: a body the feed parser panics on fails
// that feed's poll (an error naming the panic, the stack in the log, a
// backoff as for any broken feed); the listener and the other sources go
// on, and the feed is back once its body changes.
func TestParserPanicFailsOnlyItsFeed(t *testing.T) {
	e := newEnv(t)
	orig := parseBody
	t.Cleanup(func() { parseBody = orig })
	parseBody = func(body []byte, contentType string, maxSize int64) (*feed, error) {
		if bytes.Contains(body, []byte("poison")) {
			var m map[string]int
			m["x"]++ // what a parser's bug does: a nil map write
		}
		return orig(body, contentType, maxSize)
	}
	bad := newFeedServer(t, rssFeed(rssItem{GUID: "p1", Title: "poison", Desc: "x"}))
	good := newFeedServer(t, rssFeed(items("g", 2)...))
	l := e.listener(config.Listener{}, src("bad", bad.URL), src("good", good.URL))
	e.pollName(l, "bad")
	e.pollName(l, "good")

	st, err := l.state(t.Context(), mustSource(t, l, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Failures != 1 || !strings.Contains(st.LastError, "feed parser failed on this body") || !strings.Contains(st.LastError, "nil map") {
		t.Errorf("bad: failures %d, error %q; want 1 and the parser's panic", st.Failures, st.LastError)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "feed parser panicked") || !strings.Contains(logs, "parseSafely") {
		t.Errorf("no panic with its stack in the log:\n%s", logs)
	}
	if got := titles(e.mentions()); len(got) != 2 {
		t.Errorf("mentions %q, want good's two", got)
	}

	bad.set(items("b", 1)...)
	e.clock.Advance(time.Hour) // past the backoff
	e.pollName(l, "bad")
	if st, _ = l.state(t.Context(), mustSource(t, l, "bad")); st.Failures != 0 || st.Health != mention.HealthUp {
		t.Errorf("bad after its body changed: failures %d, health %q", st.Failures, st.Health)
	}
	if got := titles(e.mentions()); len(got) != 3 {
		t.Errorf("mentions %q, want three", got)
	}
}

// TestShowURL checks the URL earshot sources test shows: all of it but the
// credentials (the logs keep scheme and host only, redactURL).
func TestShowURL(t *testing.T) {
	gn, err := BuildURL(config.Source{Name: "gn", Preset: PresetGoogleNews, Query: "acme gmbh"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{gn, "https://news.google.com/rss/search?ceid=US%3Aen&gl=US&hl=en-US&q=acme+gmbh"},
		{"https://bob:pw@feeds.example/a/b.rss?q=acme&Token=t1&X-Api-Key=k1&keyword=kw&sig=s1&private_token=p1&access_token=a1",
			"https://bob:xxxxx@feeds.example/a/b.rss?q=acme&Token=xxxxx&X-Api-Key=xxxxx&keyword=kw&sig=xxxxx&private_token=xxxxx&access_token=xxxxx"},
		{"https://feeds.example/x?apiKey=k&AUTH=a&client_secret=c&passwd=p&hl=de", "https://feeds.example/x?apiKey=xxxxx&AUTH=xxxxx&client_secret=xxxxx&passwd=xxxxx&hl=de"},
		{"https://bob@feeds.example/", "https://bob@feeds.example/"},
		{"file:feeds/news.xml", "file:feeds/news.xml"},
	} {
		if got := showURL(tc.in); got != tc.want {
			t.Errorf("showURL(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got, want := redactURL("https://bob:pw@feeds.example/a?q=acme"), "https://feeds.example"; got != want {
		t.Errorf("redactURL = %q, want %q (logs show scheme and host only)", got, want)
	}
}

// TestInvalidUTF8KeepsOtherItems: one invalid byte in a feed that is
// UTF-8 (declared, or called so by its Content-Type) loses that byte, not
// the feed; a Latin-1 feed without a declaration is still read as Latin-1.
func TestInvalidUTF8KeepsOtherItems(t *testing.T) {
	broken := func(decl string) string {
		return decl + `<rss version="2.0"><channel><title>t</title>` +
			"<item><guid>1</guid><title>Ärger über ACME</title><description>Grüße</description></item>" +
			"<item><guid>2</guid><title>ACME \xff\xfeist kaputt</title><description>x\xc3</description></item>" +
			"<item><guid>3</guid><title>Straße gesperrt</title><description>ok</description></item></channel></rss>"
	}
	for _, tc := range []struct{ name, ct, body string }{
		{"declared utf-8", "application/rss+xml", broken(`<?xml version="1.0" encoding="UTF-8"?>`)},
		{"utf-8 by content type", "application/rss+xml; charset=utf-8", broken("")},
		{"undeclared", "application/rss+xml", broken(`<?xml version="1.0"?>`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				io.WriteString(w, tc.body)
			}))
			defer ts.Close()
			l := e.listener(config.Listener{}, src("s", ts.URL))
			e.pollName(l, "s")
			if st, _ := l.state(t.Context(), mustSource(t, l, "s")); st.Health != mention.HealthUp {
				t.Fatalf("health %q (%s), want up", st.Health, st.LastError)
			}
			got := titles(e.mentions())
			want := []string{"Ärger über ACME", "ACME ist kaputt", "Straße gesperrt"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("titles %q, want %q", got, want)
			}
			for _, m := range e.mentions() {
				if strings.ContainsRune(m.Title+m.Text, '\uFFFD') {
					t.Errorf("%q / %q keeps U+FFFD", m.Title, m.Text)
				}
			}
		})
	}
}
