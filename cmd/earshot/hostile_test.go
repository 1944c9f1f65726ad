package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileFeeds starts the feeds a listener must survive and returns their
// URLs by name.
func hostileFeeds(t *testing.T) map[string]string {
	t.Helper()
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 { // 256 MiB of zeros in about 250 KiB
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	handlers := map[string]http.HandlerFunc{
		"slow": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel>`)
			for {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
				fmt.Fprint(w, " ")
				w.(http.Flusher).Flush()
			}
		},
		"endless": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel>`)
			item := []byte(strings.Repeat(`<item><title>ACME spam</title><description>never ends</description></item>`, 100))
			for r.Context().Err() == nil {
				if _, err := w.Write(item); err != nil {
					return
				}
			}
		},
		"gzipbomb": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		},
		"malformed": func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><item><title>ACME broken`)
		},
		"redirectloop": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		},
		"ratelimited": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		},
		"html": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><html><body><h1>ACME</h1><a href="/feed">feed</a></body></html>`)
		},
	}
	urls := map[string]string{}
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls[name] = srv.URL + "/" + name
	}
	return urls
}

// TestHostileFeeds runs the daemon with a set of hostile feeds beside a good
// one: the good one keeps flowing, the others are reported down, and memory
// stays bounded.
func TestHostileFeeds(t *testing.T) {
	const total = 12
	good, _ := growingFeed(total)
	defer good.Close()
	var sources strings.Builder
	fmt.Fprintf(&sources, "  - {name: good, url: %q, every: 1s, alert_backlog: true}\n", good.URL)
	hostile := hostileFeeds(t)
	for name, u := range hostile {
		fmt.Fprintf(&sources, "  - {name: %s, url: %q, every: 1s, timeout: 2s, alert_backlog: true}\n", name, u)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
brand: {terms: [ACME]}
listener: {jitter: 0s, max_size: 4MiB, max_backoff: 2s}
sources:
%sroutes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
slack: {per_channel_rate: 1000}
`, filepath.Join(dir, "data"), sources.String()))
	es := startEarshot(t, cfgPath)
	until(t, 60*time.Second, "every mention of the good source", func() bool { return len(alertCounts(es)) == total }, es.stdout.changed)
	// Every hostile source is reported as not up, by name.
	logs := es.stderr.String()
	for name := range hostile {
		if !regexp.MustCompile(`source=` + name + `\b.*(state=(failing|rate_limited)|err=)|(state=(failing|rate_limited)|err=).*source=` + name + `\b`).MatchString(logs) {
			t.Errorf("source %s never reported failing", name)
		}
	}
	if out := es.stdout.String(); strings.Contains(out, "ACME spam") || strings.Contains(out, "ACME broken") {
		t.Error("an alert came from a hostile feed")
	}
	hwm := peakRSS(t, es.cmd.Process.Pid)
	t.Logf("peak RSS %d MiB with %d hostile feeds", hwm>>20, len(hostile))
	if hwm > 200<<20 {
		t.Errorf("peak RSS %d MiB: memory is not bounded", hwm>>20)
	}
	es.stop(t)
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Skip("no VmHWM")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}
