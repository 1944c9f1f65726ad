package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/mention"
)

// slackStandIn is a local Slack Web API: chat.postMessage and the file
// upload flow, recording what arrived.
type slackStandIn struct {
	srv *httptest.Server

	mu        sync.Mutex
	messages  []map[string]string // form values of chat.postMessage
	uploadReq map[string]string   // form values of files.getUploadURLExternal
	uploaded  []byte              // the file sent to the upload URL
	completed map[string]string   // form values of files.completeUploadExternal
	limited   int                 // answer this many postMessage calls with 429
	// completedCh gets a value for each completed upload.
	completedCh chan struct{}
}

func newSlackStandIn(t *testing.T) *slackStandIn {
	t.Helper()
	s := &slackStandIn{completedCh: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	form := func(r *http.Request) map[string]string {
		_ = r.ParseForm()
		out := map[string]string{}
		for k := range r.PostForm {
			out[k] = r.PostForm.Get(k)
		}
		return out
	}
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.limited > 0 {
			s.limited--
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		s.messages = append(s.messages, form(r))
		reply(w, map[string]any{"ok": true, "channel": "C0REPORT", "ts": "1700000000.000100"})
	})
	mux.HandleFunc("POST /files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.uploadReq = form(r)
		reply(w, map[string]any{"ok": true, "upload_url": s.srv.URL + "/upload/F0CHART", "file_id": "F0CHART"})
	})
	mux.HandleFunc("POST /upload/F0CHART", func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(f)
		s.mu.Lock()
		s.uploaded = b
		s.mu.Unlock()
		fmt.Fprint(w, "OK - ", len(b))
	})
	mux.HandleFunc("POST /files.completeUploadExternal", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.completed = form(r)
		select {
		case s.completedCh <- struct{}{}:
		default:
		}
		reply(w, map[string]any{"ok": true, "files": []map[string]string{{"id": "F0CHART", "title": "chart"}}})
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *slackStandIn) client() *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(s.srv.URL+"/"))
}

// hostileReport has web text that would ping the channel, mention a user
// and show a disguised link if it were not escaped.
func hostileReport(t *testing.T) *Report {
	from, to, loc := fixturePeriod(t)
	d := &Data{From: from, To: to}
	for i := range 3 {
		v := verdict(vspec{at: from.Add(time.Duration(i) * time.Hour), source: "reddit", author: "<!channel> & <@U0BOSS> *bold* ~strike~ `code`",
			title: "<https://evil.example|Bestellung>", topic: "delivery", critical: true, score: 2})
		d.Verdicts = append(d.Verdicts, StoredVerdict{Seq: uint64(i + 1), At: v.Classified, Verdict: v})
	}
	d.Health = []mention.SourceHealth{{Source: "reddit", State: mention.HealthFailing, Error: "<!here> broke", Changed: from}}
	r := Compute(d, fixtureConfig(), from, to, loc)
	r.Name = "weekly"
	return r
}

func TestPost(t *testing.T) {
	sl := newSlackStandIn(t)
	r := hostileReport(t)
	if err := Post(t.Context(), sl.client(), "#marketing", r); err != nil {
		t.Fatalf("post: %v", err)
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()

	if len(sl.messages) != 1 {
		t.Fatalf("messages = %d, want 1", len(sl.messages))
	}
	msg := sl.messages[0]
	if msg["channel"] != "#marketing" {
		t.Errorf("channel = %q, want #marketing", msg["channel"])
	}
	// The report is in verbatim sections (Slack links no URL in it on its
	// own); the text is the notification's, the report's title.
	text := blocksText(t, msg["blocks"])
	if title := msg["text"]; !strings.HasPrefix(title, "*earshot report: weekly*") || strings.Contains(title, "\n") {
		t.Errorf("notification text %q", title)
	}
	for _, bad := range []string{"<!channel>", "<@U0BOSS>", "<https://evil.example", "<!here>"} {
		if strings.Contains(text, bad) {
			t.Errorf("message text contains live markup %q:\n%s", bad, text)
		}
	}
	// Feed text formats nothing (mrkdwn's characters become look-alikes,
	// as in alerts); the report's own bold stays.
	for _, bad := range []string{"*bold*", "~strike~", "`code`"} {
		if strings.Contains(text, bad) {
			t.Errorf("message text contains live formatting %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{"&lt;!channel&gt; &amp; &lt;@U0BOSS&gt; ∗bold∗", "&lt;!here&gt; broke", "*Mentions:* 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("message text lacks %q:\n%s", want, text)
		}
	}

	want, err := r.ChartPNG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sl.uploaded, want) {
		t.Errorf("uploaded %d bytes, want the %d bytes of the chart", len(sl.uploaded), len(want))
	}
	if _, err := png.Decode(bytes.NewReader(sl.uploaded)); err != nil {
		t.Errorf("uploaded file is not a PNG: %v", err)
	}
	if got := sl.uploadReq["length"]; got != fmt.Sprint(len(want)) {
		t.Errorf("announced length = %s, want %d", got, len(want))
	}
	if got := sl.uploadReq["filename"]; got != "earshot-report-2026-11-23.png" {
		t.Errorf("filename = %q", got)
	}
	if got := sl.completed["channel_id"]; got != "C0REPORT" {
		t.Errorf("chart shared to %q, want the message's channel C0REPORT", got)
	}
	if !strings.Contains(sl.completed["files"], "F0CHART") {
		t.Errorf("completed files = %s, want F0CHART", sl.completed["files"])
	}
}

func TestPostRetriesRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for Retry-After")
	}
	sl := newSlackStandIn(t)
	sl.limited = 1
	if err := Post(t.Context(), sl.client(), "#marketing", hostileReport(t)); err != nil {
		t.Fatalf("post: %v", err)
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if len(sl.messages) != 1 {
		t.Errorf("messages = %d, want 1 after the retry", len(sl.messages))
	}
}

// blocksText returns the texts of a message's section blocks, one per
// line, each checked to be verbatim mrkdwn within Block Kit's limits.
func blocksText(t *testing.T, blocksJSON string) string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
		Text struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			Verbatim bool   `json:"verbatim"`
		} `json:"text"`
	}
	if err := json.Unmarshal([]byte(blocksJSON), &blocks); err != nil {
		t.Fatalf("blocks %q: %v", blocksJSON, err)
	}
	if len(blocks) == 0 || len(blocks) > maxBlocks {
		t.Errorf("%d blocks", len(blocks))
	}
	var texts []string
	for i, b := range blocks {
		if b.Type != "section" || b.Text.Type != "mrkdwn" || !b.Text.Verbatim || utf8.RuneCountInString(b.Text.Text) > maxSectionText {
			t.Errorf("block %d: %s %s verbatim %t, %d characters", i, b.Type, b.Text.Type, b.Text.Verbatim, utf8.RuneCountInString(b.Text.Text))
		}
		texts = append(texts, b.Text.Text)
	}
	return strings.Join(texts, "\n")
}

// TestSections: a long report is split at line breaks within Block Kit's
// limits, and cut off with "…" beyond them.
func TestSections(t *testing.T) {
	line := strings.Repeat("ä", 99) + "\n"
	for _, n := range []int{1, 30, 31, 1600} {
		text := strings.Repeat(line, n)
		blocks := sections(strings.TrimSuffix(text, "\n"))
		b, err := json.Marshal(blocks)
		if err != nil {
			t.Fatal(err)
		}
		got := blocksText(t, string(b))
		switch {
		case n < 1500 && got != strings.TrimSuffix(text, "\n"):
			t.Errorf("%d lines: text changed", n)
		case n >= 1500 && (len(blocks) != maxBlocks || !strings.HasSuffix(got, "…")):
			t.Errorf("%d lines: %d blocks, end %q", n, len(blocks), got[len(got)-10:])
		}
	}
}

// TestSectionsKeepEntities: a line longer than a section is cut, but not
// inside the entities the escaping wrote, wherever the limit falls.
func TestSectionsKeepEntities(t *testing.T) {
	for shift := range len("&amp;") {
		text := strings.Repeat("x", shift) + strings.Repeat("&amp;&lt;&gt;", 700)
		blocks := sections(text)
		b, err := json.Marshal(blocks)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(blocksText(t, string(b)), "\n", ""); got != text {
			t.Errorf("shift %d: text changed", shift)
		}
		for i, s := range strings.Split(blocksText(t, string(b)), "\n") {
			rest := strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(strings.TrimLeft(s, "x"))
			if rest != "" {
				t.Errorf("shift %d, block %d: a cut entity: ends %q", shift, i, s[max(0, len(s)-8):])
			}
		}
	}
}
