package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buildOnce builds the earshot binary once per test run.
var buildOnce struct {
	sync.Once
	path string
	err  error
	out  []byte
}

func earshotBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return buildBinary(t)
}

func earshotBinaryB(b *testing.B) string {
	b.Helper()
	return buildBinary(b)
}

func buildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "earshot-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "earshot")
		buildOnce.out, buildOnce.err = exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("go build: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.path
}

// growingFeed serves an RSS feed of complaints that grows by three items
// per request, up to total: a stream of critical mentions. The returned
// limit, when set above zero, holds the feed at that many items.
func growingFeed(total int) (*httptest.Server, *atomic.Int64) {
	var n, limit atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		k := min(3*int(n.Add(1)), total)
		if l := int(limit.Load()); l > 0 {
			k = min(k, l)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>complaints</title>`)
		for i := 1; i <= k; i++ {
			fmt.Fprintf(w, `<item><title>ACME order item-%d still not delivered</title><guid>item-%d</guid>
<link>https://example.com/complaints/%d</link><description>Paid weeks ago, ACME order item-%d still not delivered, support ignores me. Never again!</description>
<pubDate>Tue, 24 Nov 2026 10:%02d:00 GMT</pubDate></item>`, i, i, i, i, i%60)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	return srv, &limit
}

var alertTitle = regexp.MustCompile(`title:\s+ACME order item-(\d+) still not delivered`)

// TestKillNine kills the daemon with SIGKILL at random points while
// critical mentions flow, restarts it on the same store, and checks that
// every mention is alerted, with at most one duplicate per crash.
func TestKillNine(t *testing.T) {
	const total, crashes = 24, 4
	feed, _ := growingFeed(total)
	defer feed.Close()
	dir := t.TempDir()
	cfg := complaintsConfig(t, dir, feed.URL, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
listener: {jitter: 0s}
slack: {per_channel_rate: 1000}
`, filepath.Join(dir, "data")))

	rng := rand.New(rand.NewPCG(1, 2))
	var runs []*proc
	for c := 0; c < crashes; c++ {
		p := startEarshot(t, cfg)
		runs = append(runs, p)
		// Crash after a random number of alerts of this run (1..4).
		k := 1 + rng.IntN(4)
		until(t, 60*time.Second, fmt.Sprintf("%d alerts in run %d", k, c), func() bool {
			n := 0
			for _, c := range alertCounts(p) {
				n += c
			}
			return n >= k
		}, p.stdout.changed)
		p.kill()
	}
	// The last run delivers the rest, then stops cleanly.
	last := startEarshot(t, cfg)
	runs = append(runs, last)
	start := time.Now()
	until(t, 90*time.Second, "every mention alerted", func() bool { return len(alertCounts(runs...)) == total }, last.stdout.changed)
	deliveredIn := time.Since(start)
	last.stop(t)
	seen := alertCounts(runs...)
	dups := duplicateCount(seen)
	t.Logf("%d mentions, %d crashes: 0 lost, %d duplicate alerts; the last restart delivered the rest in %v",
		total, crashes, dups, deliveredIn.Round(time.Millisecond))
	if dups > crashes {
		t.Errorf("%d duplicate alerts after %d crashes, want at most one per crash; seen %v", dups, crashes, seen)
	}
}
