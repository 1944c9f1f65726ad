package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
	slack := &slackStandIn{changed: make(chan struct{}, 1)}
	api := httptest.NewServer(slack)
	defer api.Close()
	const total = 12
	feed, limit := growingFeed(total)
	defer feed.Close()
	limit.Store(3)
	dir := t.TempDir()
	es := startEarshot(t, complaintsConfig(t, dir, feed.URL, fmt.Sprintf(`data_dir: %s
http: {listen: "127.0.0.1:0"}
listener: {jitter: 0s}
slack: {bot_token: xoxb-test, api_url: "%s/api/", per_channel_rate: 50}
`, filepath.Join(dir, "data"), api.URL)))
	stderr := es.stderr
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
		<-time.After(3 * time.Second)
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
	posted := func() map[int]int {
		slack.mu.Lock()
		defer slack.mu.Unlock()
		seen := map[int]int{}
		for _, p := range slack.posts {
			if m := postedAlert.FindStringSubmatch(p); m != nil {
				i, _ := strconv.Atoi(m[1])
				seen[i]++
			}
		}
		return seen
	}
	until(t, 90*time.Second, "every alert delivered after Slack came back", func() bool { return len(posted()) == total }, slack.changed)
	dups := duplicateCount(posted())
	t.Logf("%d alerts delivered %v after Slack came back, %d duplicates", total, time.Since(back).Round(time.Millisecond), dups)
	if dups > 0 {
		t.Errorf("%d duplicate alerts", dups)
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
	es.stop(t)
}
