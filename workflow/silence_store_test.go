package workflow

import (
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
)

// clock is a settable clock for tests outside synctest.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func command(t *testing.T, w *Workflow, user, text string) string {
	t.Helper()
	msg, ok := w.onCommand(context.Background(), slack.SlashCommand{Command: "/earshot", UserID: user, ChannelID: "CSOCIAL", Text: text}).(*slack.Msg)
	if !ok || msg.ResponseType != slack.ResponseTypeEphemeral {
		t.Fatalf("answer %+v", msg)
	}
	return msg.Text
}

var silenceIDText = regexp.MustCompile("Silence `([0-9a-f]{8})` set")

func TestSlackSilencesExpire(t *testing.T) {
	clk := &clock{t: testTime}
	kv := newMemKV()
	m := NewMetrics(nil)
	w, err := newWorkflow(testConfig(), kv, newFakeNotifier(), m, clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opened := func(id string) bool {
		b, err := complaint(id).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.handleVerdict(ctx, b); err != nil {
			t.Fatal(err)
		}
		_, _, err = w.Cases().Get(ctx, CaseID(id, "delivery"))
		return err == nil
	}

	if got := command(t, w, "USTRANGER", "silence topic=delivery for 2h because outage"); !strings.Contains(got, "Only the people named on a route") {
		t.Errorf("stranger: %s", got)
	}
	answer := command(t, w, "UANNA", `silence topic=delivery text="nicht angekommen" for 2h because carrier outage <!channel>`)
	sm := silenceIDText.FindStringSubmatch(answer)
	if sm == nil || !strings.Contains(answer, "because carrier outage &lt;!channel&gt;") || !strings.Contains(answer, "<@UANNA>") {
		t.Fatalf("silence answer: %s", answer)
	}
	id := sm[1]
	// Stored with author and reason under silence.<id>.
	b, _, err := kv.get(ctx, silencePrefix+id)
	if err != nil || !strings.Contains(string(b), `"author":"UANNA"`) || !strings.Contains(string(b), `"reason":"carrier outage \u003c!channel\u003e"`) {
		t.Fatalf("stored silence %s: %v", b, err)
	}
	if status := command(t, w, "UANNA", "status"); !strings.Contains(status, id) || !strings.Contains(status, "topic=delivery") {
		t.Errorf("status: %s", status)
	}
	if opened("sil-1") {
		t.Error("a silenced mention opened a case")
	}
	if counterValue(m.Silenced.WithLabelValues("slack")) != 1 || counterValue(m.Verdicts.WithLabelValues("silenced")) != 1 {
		t.Error("silenced mention not counted")
	}
	// Another instance (same bucket) honours it too.
	w2, err := newWorkflow(testConfig(), kv, newFakeNotifier(), nil, clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := w2.silences.match(ctx, ptr(complaint("x"))); err != nil || !ok || s.ID != id {
		t.Errorf("second instance: %v %v", ok, err)
	}
	clk.add(2*time.Hour - time.Minute)
	if opened("sil-2") {
		t.Error("silence ended early")
	}
	clk.add(time.Minute)
	if !opened("sil-3") {
		t.Error("an expired silence still mutes")
	}
	// Expired records are purged on their own.
	if _, _, err := kv.get(ctx, silencePrefix+id); err == nil {
		t.Error("expired silence not purged")
	}
	if status := command(t, w, "UANNA", "status"); !strings.Contains(status, "none") || !strings.Contains(status, "Open cases:* 1") {
		t.Errorf("status after expiry: %s", status)
	}

	// unsilence ends one at once.
	answer = command(t, w, "UBEN", "silence source=google-news-de until 17:00 because test")
	id = silenceIDText.FindStringSubmatch(answer)[1]
	if opened("sil-4") {
		t.Error("source silence does not mute")
	}
	if got := command(t, w, "UBEN", "unsilence "+id); !strings.Contains(got, "ended by <@UBEN>") {
		t.Errorf("unsilence: %s", got)
	}
	if !opened("sil-5") {
		t.Error("unsilenced mention muted")
	}
	if got := command(t, w, "UBEN", "unsilence "+id); !strings.Contains(got, "No silence") {
		t.Errorf("second unsilence: %s", got)
	}
}

func TestParseSilence(t *testing.T) {
	loc := time.UTC
	for _, tc := range []struct {
		args    string
		until   time.Time
		match   config.SilenceMatch
		reason  string
		wantErr string
	}{
		{args: "topic=delivery for 2h because outage", until: testTime.Add(2 * time.Hour), match: config.SilenceMatch{Topic: config.StringList{"delivery"}}, reason: "outage"},
		{args: "rule=a,b source=reddit for 1d because noisy rules", until: testTime.Add(24 * time.Hour),
			match: config.SilenceMatch{Rule: config.StringList{"a", "b"}, Source: config.StringList{"reddit"}}, reason: "noisy rules"},
		{args: `text="lost parcel" until 2026-11-24 17:30 because "big" storm`, until: time.Date(2026, 11, 24, 17, 30, 0, 0, loc),
			match: config.SilenceMatch{Text: "lost parcel"}, reason: "big storm"},
		{args: "topic=x until 09:00 because night", until: time.Date(2026, 11, 25, 9, 0, 0, 0, loc), match: config.SilenceMatch{Topic: config.StringList{"x"}}, reason: "night"},
		{args: "topic=x until tomorrow because night", until: time.Date(2026, 11, 25, 9, 0, 0, 0, loc), match: config.SilenceMatch{Topic: config.StringList{"x"}}, reason: "night"},
		{args: "for 2h because x", wantErr: "say what to mute"},
		{args: "topic=x because x", wantErr: "for how long"},
		{args: "topic=x for 2h", wantErr: "say why"},
		{args: "topic=x for 60d because x", wantErr: "at most 30 days"},
		{args: "topic=x for soon because x", wantErr: "bad length"},
		{args: "colour=red for 2h because x", wantErr: "unknown matcher"},
		{args: `text="open for 2h because x`, wantErr: "unclosed quote"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			s, err := parseSilence(tc.args, testTime, loc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Until.Equal(tc.until) || s.Reason != tc.reason || describeMatch(s.Match) != describeMatch(tc.match) {
				t.Errorf("got %+v, want until %s match %+v reason %q", s, tc.until, tc.match, tc.reason)
			}
		})
	}
}

func TestSlashCommandOverHTTP(t *testing.T) {
	cfg := testConfig()
	cfg.Slack.SigningSecret = testSecret
	w, err := newWorkflow(cfg, newMemKV(), newFakeNotifier(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := url.Values{"command": {"/earshot"}, "text": {"silence topic=delivery for 2h because outage"}, "user_id": {"UANNA"},
		"channel_id": {"CSOCIAL"}}.Encode()
	rec := httptest.NewRecorder()
	w.InteractionHandler().ServeHTTP(rec, sign(testSecret, "/slack/interactions", body, time.Now()))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"response_type":"ephemeral"`) || !silenceIDText.MatchString(rec.Body.String()) {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	act, err := w.Silences(context.Background())
	if err != nil || len(act) != 1 || act[0].Author != "UANNA" || act[0].Reason != "outage" {
		t.Errorf("silences %+v %v", act, err)
	}
}
