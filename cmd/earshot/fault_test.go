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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	bin := earshotBinary(t)
	const total, crashes = 24, 4
	feed, _ := growingFeed(total)
	defer feed.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
brand: {terms: [ACME]}
listener: {jitter: 0s}
sources:
  - {name: complaints, url: "%s", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
slack: {per_channel_rate: 1000}
`, filepath.Join(dir, "data"), feed.URL))

	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[int]int{}
	var logs *lineWriter // stderr of the current run
	start := func() (*exec.Cmd, *lineWriter, chan error) {
		cmd := exec.Command(bin, "run", "--config", cfgPath)
		stdout, stderr := newLineWriter(), newLineWriter()
		cmd.Stdout, cmd.Stderr = stdout, stderr
		logs = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, stdout, done
	}
	collect := func(out *lineWriter) {
		for _, m := range alertTitle.FindAllStringSubmatch(out.String(), -1) {
			i, _ := strconv.Atoi(m[1])
			seen[i]++
		}
	}
	for c := 0; c < crashes; c++ {
		cmd, stdout, done := start()
		// Crash after a random number of alerts of this run (1..4).
		for k := 1 + rng.IntN(4); k > 0; {
			select {
			case l := <-stdout.lines:
				if alertTitle.MatchString(l) {
					k--
				}
			case err := <-done:
				t.Fatalf("daemon exited early: %v\n%s", err, logs.String())
			case <-time.After(60 * time.Second):
				t.Fatalf("no alert within 60s in run %d\n%s", c, stdout.String())
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		collect(stdout)
	}
	// The last run delivers the rest, then stops cleanly.
	last, deliveredIn := time.Now(), time.Duration(0)
	cmd, stdout, done := start()
	deadline := time.After(90 * time.Second)
	for missing := total; missing > 0; {
		missing = 0
		for i := 1; i <= total; i++ {
			if seen[i] == 0 && !strings.Contains(stdout.String(), fmt.Sprintf("item-%d still", i)) {
				missing++
			}
		}
		if missing == 0 {
			deliveredIn = time.Since(last)
			break
		}
		select {
		case <-stdout.lines:
		case <-deadline:
			t.Fatalf("%d mentions never alerted; seen %v\nlast run:\n%s", missing, seen, stdout.String())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Errorf("clean stop after the crashes: %v", err)
	}
	collect(stdout)
	dups := 0
	for i := 1; i <= total; i++ {
		if seen[i] == 0 {
			t.Errorf("item-%d never alerted", i)
		}
		dups += max(seen[i]-1, 0)
	}
	t.Logf("%d mentions, %d crashes: 0 lost, %d duplicate alerts; the last restart delivered the rest in %v",
		total, crashes, dups, deliveredIn.Round(time.Millisecond))
	if dups > crashes {
		t.Errorf("%d duplicate alerts after %d crashes, want at most one per crash; seen %v", dups, crashes, seen)
	}
}
