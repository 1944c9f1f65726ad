package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// slackStandIn is a local Slack Web API: it answers chat.postMessage and
// chat.update, and while down it answers 503, 429 or nothing at all.
type slackStandIn struct {
	mu       sync.Mutex
	down     string // "", "503", "429", "hang"
	calls    int    // chat.postMessage calls, failed ones included
	downHits int
	posts    []string // texts of the accepted chat.postMessage calls, in order
	changed  chan struct{}
}

func (s *slackStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := filepath.Base(r.URL.Path)
	s.mu.Lock()
	down := s.down
	if method == "chat.postMessage" {
		s.calls++
	}
	if down != "" {
		s.downHits++
	}
	s.mu.Unlock()
	switch down {
	case "503":
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	case "429":
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	case "hang":
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "chat.postMessage":
		s.mu.Lock()
		s.posts = append(s.posts, r.PostForm.Get("text"))
		n := len(s.posts)
		s.mu.Unlock()
		fmt.Fprintf(w, `{"ok":true,"channel":"CCARE","ts":"1700000000.%06d"}`, n)
		select {
		case s.changed <- struct{}{}:
		default:
		}
	case "chat.update":
		fmt.Fprintf(w, `{"ok":true,"channel":"CCARE","ts":%q}`, r.PostForm.Get("ts"))
	default:
		io.WriteString(w, `{"ok":true}`)
	}
}

func (s *slackStandIn) set(down string) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

var postedAlert = regexp.MustCompile(`from complaints: ACME order item-(\d+) still not delivered`)

// TestSlackOutage runs the binary against a Slack that answers 503, then
// 429 with Retry-After, then does not answer at all, while complaints
// arrive; when Slack is back every alert is delivered once, and the
// outage costs a bounded number of calls (no retry storm).
func TestSlackOutage(t *testing.T) {
	bin := earshotBinary(t)
	slack := &slackStandIn{changed: make(chan struct{}, 1)}
	api := httptest.NewServer(slack)
	defer api.Close()
	const total = 12
	feed, limit := growingFeed(total)
	defer feed.Close()
	limit.Store(3)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %s
http: {listen: "127.0.0.1:0"}
brand: {terms: [ACME]}
listener: {jitter: 0s}
sources:
  - {name: complaints, url: "%s", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: C0CARE123, respond_within: 1h}
slack: {bot_token: xoxb-test, api_url: "%s/api/", per_channel_rate: 50}
`, filepath.Join(dir, "data"), feed.URL, api.URL))
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	stdout, stderr := newLineWriter(), newLineWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Log(stderr.String())
		}
	}()
	started := waitLine(t, stderr.lines, regexp.MustCompile(`earshot running`), "start")
	addr := regexp.MustCompile(`http=(\S+)`).FindStringSubmatch(started)[1]
	// The first alerts go through, then Slack fails in three ways while
	// more complaints arrive.
	waitLine(t, stderr.lines, regexp.MustCompile(`alert sent`), "first delivery")
	outage := time.Now()
	for _, mode := range []string{"503", "429", "hang"} {
		slack.set(mode)
		limit.Add(3)
		waitLine(t, stderr.lines, regexp.MustCompile(`case opened`), "a case opened during the outage")
		// Let the retries run against this failure for a while.
		select {
		case <-time.After(3 * time.Second):
		case err := <-done:
			t.Fatalf("daemon exited during the outage: %v", err)
		}
	}
	slack.set("")
	back := time.Now()
	slack.mu.Lock()
	hits := slack.downHits
	slack.mu.Unlock()
	t.Logf("%d calls to Slack during a %v outage", hits, back.Sub(outage).Round(time.Second))
	if hits > 60 {
		t.Errorf("%d calls during the outage: a retry storm", hits)
	}
	deadline := time.After(90 * time.Second)
	for {
		slack.mu.Lock()
		seen := map[int]int{}
		for _, p := range slack.posts {
			if m := postedAlert.FindStringSubmatch(p); m != nil {
				i, _ := strconv.Atoi(m[1])
				seen[i]++
			}
		}
		slack.mu.Unlock()
		if len(seen) == total {
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			t.Logf("%d alerts delivered %v after Slack came back, %d duplicates", total, time.Since(back).Round(time.Millisecond), dups)
			if dups > 0 {
				t.Errorf("%d duplicate alerts", dups)
			}
			break
		}
		select {
		case <-slack.changed:
		case <-deadline:
			t.Fatalf("%d of %d alerts delivered after Slack came back", len(seen), total)
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`earshot_slack_request_seconds_count{code="429",method="chat.postMessage"}`, `earshot_slack_request_seconds_count{code="503",method="chat.postMessage"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("no clean stop within 20s")
	}
}
