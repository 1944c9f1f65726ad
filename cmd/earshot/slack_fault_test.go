package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
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
	down     string         // "", "503", "429", "hang"
	calls    int            // chat.postMessage calls, failed ones included
	downHits map[string]int // calls while down, by failure
	posts    []string       // texts of the accepted chat.postMessage calls, in order
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
		s.downHits[down]++
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

// outageFlag sets how long TestSlackOutage's Slack fails in each of its
// three ways.
var outageFlag = flag.Duration("slack.outage", 40*time.Second, "how long TestSlackOutage's Slack answers 503, then 429, then hangs (each)")

var postedAlert = regexp.MustCompile(`from complaints: ACME order item-(\d+) still not delivered`)

// TestSlackOutage runs the binary against a Slack that answers 503, then
// 429 with Retry-After, then does not answer at all, while complaints
// arrive, for -slack.outage each (40 s: two minutes in all). When Slack is
// back every alert is delivered once and in the order the cases were
// opened, and the outage costs no more calls than the retry policy allows
// (no retry storm): backoff doubling to 15 s on 503, the Retry-After
// second on 429, a call given up after 10 s when Slack hangs.
func TestSlackOutage(t *testing.T) {
	slack := &slackStandIn{changed: make(chan struct{}, 1), downHits: map[string]int{}}
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
		<-time.After(*outageFlag)
	}
	slack.set("")
	back := time.Now()
	slack.mu.Lock()
	hits := maps.Clone(slack.downHits)
	slack.mu.Unlock()
	t.Logf("calls to Slack during a %v outage: %v", back.Sub(outage).Round(time.Second), hits)
	// The policy's counts, with room for the phase boundaries: doubling
	// from 1 s to 15 s makes six calls in the first 40 s and one per 7.5-15
	// s after; Retry-After: 1 allows one per second; a hanging call takes
	// 10 s and is followed by at least 7.5 s of backoff.
	secs := outageFlag.Seconds()
	for mode, most := range map[string]float64{"503": 6 + secs/7.5, "429": secs + 2, "hang": secs/17.5 + 2} {
		if float64(hits[mode]) > most {
			t.Errorf("%d calls during %v of %s: more than the retry policy allows (%.0f), a retry storm", hits[mode], *outageFlag, mode, most)
		}
	}
	posted := func() []int {
		slack.mu.Lock()
		defer slack.mu.Unlock()
		var items []int
		for _, p := range slack.posts {
			if m := postedAlert.FindStringSubmatch(p); m != nil {
				i, _ := strconv.Atoi(m[1])
				items = append(items, i)
			}
		}
		return items
	}
	distinct := func() int {
		seen := map[int]bool{}
		for _, i := range posted() {
			seen[i] = true
		}
		return len(seen)
	}
	until(t, 90*time.Second, "every alert delivered after Slack came back", func() bool { return distinct() == total }, slack.changed)
	items := posted()
	t.Logf("%d alerts delivered %v after Slack came back, in this order: %v", total, time.Since(back).Round(time.Millisecond), items)
	if len(items) != total {
		t.Errorf("%d alerts posted for %d complaints: duplicates", len(items), total)
	}
	// The feed lists its items in order, so the cases open in that order,
	// and one channel's alerts must leave in the order of their cases.
	if !slices.IsSorted(items) {
		t.Errorf("alerts posted out of order: %v", items)
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
