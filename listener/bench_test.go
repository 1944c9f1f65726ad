package listener

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"

	"github.com/earshot/earshot/config"
)

var (
	benchFeeds = flag.Int("bench.feeds", 1000, "feeds in BenchmarkPollCycle (the issue's figure is 10000)")
	benchItems = flag.Int("bench.items", 25, "items per feed in BenchmarkPollCycle and BenchmarkPollOne (reddit's default is 25)")
)

// benchItemHTML is a realistic item body: paragraphs, a link, an image and
// entities, the work gofeed's default translator scans for images.
const benchItemHTML = `<p>Seit zwei Wochen warte ich auf mein Paket von <b>ACME</b> &amp; niemand antwortet. ` +
	`Der Kundenservice sagt &quot;morgen&quot;, jeden Tag.</p><p><img src="https://cdn.example/img/%d.jpg" alt="Foto"> ` +
	`<a href="https://shop.example/order/%d?utm_source=feed">Bestellung %d</a></p><ul><li>Versand: DHL</li>` +
	`<li>Status: unterwegs</li></ul><p>Update: still nothing. The tracking page shows the same status since Monday ` +
	`and the hotline keeps me waiting for forty minutes before hanging up. Not impressed at all.</p>`

// benchRSS returns an RSS feed of about size bytes.
func benchRSS(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>bench</title><link>https://example.com/</link><language>de</language>`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<item><title>Beschwerde %d über ACME Lieferung</title><link>https://forum.example/t/%d?utm_source=rss&amp;utm_medium=feed</link>`+
			`<guid isPermaLink="false">forum-%d</guid><dc:creator>user%d</dc:creator><pubDate>Wed, 18 Nov 2026 10:%02d:00 +0000</pubDate>`+
			`<description><![CDATA[`+benchItemHTML+`]]></description></item>`, i, i, i, i, i%60, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// benchAtom returns an Atom feed of about size bytes, its titles of the
// given type ("": none), marked up like Google Alerts' when html.
func benchAtom(size int, titleType string) []byte {
	title := `<title>Beschwerde %d über ACME Lieferung</title>`
	if titleType != "" {
		title = `<title type="` + titleType + `">Beschwerde %d über &lt;b&gt;ACME&lt;/b&gt; Lieferung</title>`
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>bench</title><link href="https://example.com/"/><id>urn:bench</id><updated>2026-11-18T10:00:00Z</updated>`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<entry>`+title+`<link rel="alternate" href="https://forum.example/t/%d"/>`+
			`<id>urn:forum:%d</id><author><name>user%d</name></author><published>2026-11-18T10:%02d:00Z</published><updated>2026-11-18T10:%02d:00Z</updated>`+
			`<content type="html">%s</content></entry>`, i, i, i, i, i%60, i%60, xmlEscape(fmt.Sprintf(benchItemHTML, i, i, i)))
	}
	b.WriteString(`</feed>`)
	return b.Bytes()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func atomDedicated(p []byte) error { _, err := (&atom.Parser{}).Parse(bytes.NewReader(p)); return err }

// BenchmarkParse compares, on 1 MB RSS and Atom feeds, gofeed's universal
// parser (with its default translator), gofeed's dedicated format parser,
// earshot's parse (shape check, dedicated parser, a lean conversion),
// earshot's shape check alone and earshot's parse plus normalise (text,
// canonical URL, language, IDs).
func BenchmarkParse(b *testing.B) {
	now := time.Now()
	for _, format := range []struct {
		name      string
		body      []byte
		dedicated func([]byte) error
	}{
		{"rss", benchRSS(1 << 20), func(p []byte) error { _, err := (&rss.Parser{}).Parse(bytes.NewReader(p)); return err }},
		{"atom", benchAtom(1<<20, ""), atomDedicated},
		// Titles of type html: their types are read from the body too.
		{"atom-html-titles", benchAtom(1<<20, "html"), atomDedicated},
	} {
		impls := []struct {
			name string
			fn   func([]byte) error
		}{
			{"gofeed-universal", func(p []byte) error { _, err := gofeed.NewParser().Parse(bytes.NewReader(p)); return err }},
			{"gofeed-dedicated", format.dedicated},
			{"earshot-parse", func(p []byte) error { _, err := parseFeed(p, "", testMaxSize); return err }},
			// The shape check alone (part of earshot-parse): what it costs
			// to refuse a feed before gofeed would build it.
			{"earshot-shape-check", func(p []byte) error { return checkXMLShape(p, maxFeedUnits(testMaxSize)) }},
			{"earshot-parse-normalize", func(p []byte) error {
				f, err := parseFeed(p, "", testMaxSize)
				if err != nil {
					return err
				}
				ids := itemIDs("bench", f.items, func(i int) string { return canonicalURL(f.items[i].link, f.link) })
				for i := range f.items {
					m := normalize(&f.items[i], f, "", now)
					m.ID = ids[i]
				}
				return nil
			}},
		}
		for _, impl := range impls {
			b.Run(format.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(format.body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := impl.fn(format.body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		// Ratios measured interleaved in one run, so that the shared
		// machine's noise hits all three alike.
		b.Run(format.name+"/ratio", func(b *testing.B) {
			var tu, td, te, ts time.Duration
			timeIt := func(fn func([]byte) error) time.Duration {
				start := time.Now()
				if err := fn(format.body); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			for b.Loop() {
				tu += timeIt(impls[0].fn)
				td += timeIt(impls[1].fn)
				te += timeIt(impls[2].fn)
				ts += timeIt(impls[3].fn)
			}
			b.ReportMetric(float64(tu)/float64(te), "x_universal")
			b.ReportMetric(float64(td)/float64(te), "x_dedicated")
			// The shape check's share of earshot-parse, which includes it.
			b.ReportMetric(float64(ts)/float64(te), "shape_share")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cycleServer serves feeds of -bench.items items: feeds with i%10 < 6 answer 304
// to their ETag, the others have one new item per cycle.
type cycleServer struct {
	*httptest.Server
	cycle atomic.Int64
}

func newCycleServer(b *testing.B) *cycleServer {
	cs := &cycleServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		c := int(cs.cycle.Load())
		if i%10 < 6 {
			if r.Header.Get("If-None-Match") == `"static"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			c = 0
			w.Header().Set("ETag", `"static"`)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		var buf bytes.Buffer
		buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>f</title><link>https://example.com/</link>`)
		for k := c; k < c+*benchItems; k++ {
			fmt.Fprintf(&buf, `<item><title>Feed %d post %d about ACME</title><link>https://example.com/%d/%d</link><guid>%d-%d</guid>`+
				`<pubDate>Wed, 18 Nov 2026 10:00:00 +0000</pubDate><description><![CDATA[`+benchItemHTML+`]]></description></item>`, i, k, i, k, i, k, k, k, k)
		}
		buf.WriteString(`</channel></rss>`)
		w.Write(buf.Bytes())
	}))
	b.Cleanup(cs.Close)
	return cs
}

const benchConcurrency = 16

// runPool runs fn(i) for i in [0,n) on benchConcurrency workers.
func runPool(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range benchConcurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// BenchmarkPollCycle polls -bench.feeds feeds (60% answering 304, 40% with
// one new item per cycle) with the listener, and the same feeds with a bare
// loop of http.Get plus gofeed's universal parser at the same concurrency.
// Each iteration runs one cycle of each, interleaved, so that the shared
// machine's noise hits both alike; x_bare is the ratio of their speeds.
func BenchmarkPollCycle(b *testing.B) {
	n := *benchFeeds
	e := newEnv(b)
	cs := newCycleServer(b)
	srcs := make([]config.Source, n)
	for i := range srcs {
		srcs[i] = src("f"+strconv.Itoa(i), cs.URL+"/feed/"+strconv.Itoa(i))
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	l := e.listener(config.Listener{PerHost: benchConcurrency}, srcs...)
	ss := make([]*source, n)
	for i := range ss {
		ss[i] = mustSource(b, l, srcs[i].Name)
	}
	ctx := context.Background()
	runPool(n, func(i int) { l.poll(ctx, ss[i]) }) // first fetch: baseline
	runtime.GC()
	runtime.ReadMemStats(&m1)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConcurrency}}
	defer client.CloseIdleConnections()
	bare := func(i int) {
		resp, err := client.Get(cs.URL + "/feed/" + strconv.Itoa(i))
		if err != nil {
			b.Error(err)
			return
		}
		defer resp.Body.Close()
		if _, err := gofeed.NewParser().Parse(resp.Body); err != nil {
			b.Error(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	var te, tb time.Duration
	for b.Loop() {
		cs.cycle.Add(1)
		e.clock.Advance(10 * time.Minute)
		start := time.Now()
		runPool(n, func(i int) { l.poll(ctx, ss[i]) })
		te += time.Since(start)
		start = time.Now()
		runPool(n, bare)
		tb += time.Since(start)
	}
	b.ReportMetric(float64(n)*float64(b.N)/te.Seconds(), "earshot_feeds/s")
	b.ReportMetric(float64(n)*float64(b.N)/tb.Seconds(), "bare_feeds/s")
	b.ReportMetric(float64(tb)/float64(te), "x_bare")
	b.ReportMetric(float64(m1.HeapInuse-m0.HeapInuse)/float64(n), "heap_B/source")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPollOne compares one poll answered 304 with one full poll of a
// feed whose items are all known (the steady state) and one with a
// new item.
func BenchmarkPollOne(b *testing.B) {
	for _, kind := range []string{"304", "full-known", "full-new-item"} {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b)
			cs := newCycleServer(b)
			path := "/feed/7" // 40% group: full answers
			if kind == "304" {
				path = "/feed/1"
			}
			l := e.listener(config.Listener{}, src("a", cs.URL+path))
			s := mustSource(b, l, "a")
			ctx := context.Background()
			l.poll(ctx, s)
			b.ReportAllocs()
			for b.Loop() {
				e.clock.Advance(10 * time.Minute)
				switch kind {
				case "full-known":
					// Same items, new body bytes: parse and dedup, no publish.
					s.mu.Lock()
					s.st.BodyHash = ""
					s.mu.Unlock()
				case "full-new-item":
					cs.cycle.Add(1)
				}
				l.poll(ctx, s)
			}
		})
	}
}

// BenchmarkItemCounter counts one feed item's outcome the way a poll does
// (the source's cached counter) against looking the series up by its name
// each time (the baseline, as before the cache), in the same run.
func BenchmarkItemCounter(b *testing.B) {
	m := NewMetrics(nil)
	const source = "Google Alerts: Flinkwerk"
	m.init(source)
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.items(source, outcomeNew).Inc()
		}
	})
	b.Run("by-name", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.set.GetOrCreateCounter(itemSeries(source, outcomeNew)).Inc()
		}
	})
}
