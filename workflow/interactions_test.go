package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// sign returns a request to the interactions endpoint signed with secret
// at ts, as Slack signs it.
func sign(secret, target, body string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + stamp + ":" + body))
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// payloadForm wraps an interaction callback as Slack posts it.
func payloadForm(t *testing.T, cb any) string {
	t.Helper()
	b, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"payload": {string(b)}}.Encode()
}

// click is a block_actions payload: user clicks actionID with value on
// the alert in channel.
func click(user, channel, actionID, value string) map[string]any {
	action := map[string]any{"action_id": actionID, "block_id": blockIDActions, "type": "button", "value": value}
	if actionID == string(ActionSnooze) {
		action = map[string]any{"action_id": actionID, "block_id": blockIDActions, "type": "static_select",
			"selected_option": map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": "x"}}}
	}
	return map[string]any{
		"type": "block_actions", "trigger_id": "trigger-" + actionID, "user": map[string]any{"id": user},
		"channel": map[string]any{"id": channel}, "actions": []any{action},
	}
}

// submission is a view_submission payload of a modal.
func submission(user, callback, meta, block, text string) map[string]any {
	return map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user},
		"view": map[string]any{"callback_id": callback, "private_metadata": meta, "type": "modal",
			"state": map[string]any{"values": map[string]any{block: map[string]any{elementText: map[string]any{"type": "plain_text_input", "value": text}}}}},
	}
}

func TestSignatureVerification(t *testing.T) {
	var skew atomic.Int64 // the workflow clock's offset from real time
	cfg := testConfig()
	cfg.Slack.SigningSecret = testSecret
	w, err := newWorkflow(cfg, newMemKV(), newFakeNotifier(), nil, func() time.Time {
		return time.Now().Add(time.Duration(skew.Load()))
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := w.InteractionHandler()
	body := payloadForm(t, map[string]any{"type": "block_actions", "user": map[string]any{"id": "UANNA"}})
	cmd := url.Values{"command": {"/earshot"}, "text": {"help"}, "user_id": {"UANNA"}}.Encode()
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		skew time.Duration
		want int
	}{
		{"valid", func() *http.Request { return sign(testSecret, "/slack/interactions", body, time.Now()) }, 0, 200},
		{"valid slash command", func() *http.Request { return sign(testSecret, "/slack/interactions", cmd, time.Now()) }, 0, 200},
		{"stale", func() *http.Request {
			return sign(testSecret, "/slack/interactions", body, time.Now().Add(-6*time.Minute))
		}, 0, 401},
		{"stale by the injected clock", func() *http.Request { return sign(testSecret, "/slack/interactions", body, time.Now()) }, 6 * time.Minute, 401},
		{"from the future", func() *http.Request {
			return sign(testSecret, "/slack/interactions", body, time.Now().Add(6*time.Minute))
		}, 0, 401},
		{"wrong secret", func() *http.Request { return sign("not-the-secret", "/slack/interactions", body, time.Now()) }, 0, 401},
		{"missing v0= prefix", func() *http.Request {
			r := sign(testSecret, "/slack/interactions", body, time.Now())
			r.Header.Set("X-Slack-Signature", strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
			return r
		}, 0, 401},
		{"no signature", func() *http.Request {
			r := sign(testSecret, "/slack/interactions", body, time.Now())
			r.Header.Del("X-Slack-Signature")
			return r
		}, 0, 401},
		{"body changed after signing", func() *http.Request {
			r := sign(testSecret, "/slack/interactions", body, time.Now())
			r.Body = http.NoBody
			return r
		}, 0, 401},
		{"payload in the query string", func() *http.Request {
			return sign(testSecret, "/slack/interactions?"+body, "", time.Now())
		}, 0, 400},
		{"payload in the query string besides a signed body", func() *http.Request {
			return sign(testSecret, "/slack/interactions?"+body, cmd, time.Now())
		}, 0, 400},
		{"GET", func() *http.Request {
			r := sign(testSecret, "/slack/interactions", body, time.Now())
			r.Method = http.MethodGet
			return r
		}, 0, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skew.Store(int64(tc.skew))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tc.req())
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}

	// Without a signing secret everything is refused.
	w2, err := newWorkflow(testConfig(), newMemKV(), newFakeNotifier(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w2.InteractionHandler().ServeHTTP(rec, sign("", "/slack/interactions", body, time.Now()))
	if rec.Code != http.StatusNotFound {
		t.Errorf("without a signing secret: status %d, want 404", rec.Code)
	}
}

// interactiveEnv is a workflow on embedded NATS and the Slack stand-in,
// with a signing secret, running.
type interactiveEnv struct {
	env *jsEnv
	f   *fakeSlack
	w   *Workflow
	h   http.Handler
}

func startInteractive(t *testing.T, mod func(*config.Config)) *interactiveEnv {
	t.Helper()
	env := startJS(t)
	f := newFakeSlack(t)
	cfg := slackConfig(f)
	cfg.Slack.SigningSecret = testSecret
	cfg.Slack.PerChannelRate = 50
	if mod != nil {
		mod(cfg)
	}
	w, err := New(cfg, Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.inc = nil // every alert on its own: incidents_test.go tests incidents
	runWorkflow(t, w)
	return &interactiveEnv{env: env, f: f, w: w, h: w.InteractionHandler()}
}

// alert publishes a complaint and waits for its alert.
func (ie *interactiveEnv) alert(t *testing.T, mentionID string) *Case {
	t.Helper()
	ie.env.publish(t, complaint(mentionID))
	return ie.env.waitCase(t, CaseID(mentionID, "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })
}

// do posts a signed payload and returns the answer; it must come within
// three seconds.
func (ie *interactiveEnv) do(t *testing.T, payload any) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	began := time.Now()
	ie.h.ServeHTTP(rec, sign(testSecret, "/slack/interactions", payloadForm(t, payload), time.Now()))
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("answered after %s", d)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec
}

// updateOf waits for a chat.update of the alert at ts whose texts contain want.
func (ie *interactiveEnv) updateOf(t *testing.T, ts, want string) string {
	t.Helper()
	var got string
	waitFor(t, ie.f.changed, 10*time.Second, "chat.update with "+want, func() bool {
		for _, p := range ie.f.method("chat.update") {
			if p.TS == ts {
				got = strings.Join(blockTexts(t, p.Blocks), "\n")
				if strings.Contains(got, want) {
					return true
				}
			}
		}
		return false
	})
	return got
}

// threadLine waits for a line in the thread of ts containing want.
func (ie *interactiveEnv) threadLine(t *testing.T, ts, want string) {
	t.Helper()
	waitFor(t, ie.f.changed, 10*time.Second, "thread line "+want, func() bool {
		for _, p := range ie.f.method("chat.postMessage") {
			if p.ThreadTS == ts && strings.Contains(p.Text, want) {
				return true
			}
		}
		return false
	})
}

func TestButtons(t *testing.T) {
	ie := startInteractive(t, nil)
	for _, tc := range []struct {
		action  string
		user    string
		value   func(id string) string
		state   State
		status  string
		thread  string
		check   func(t *testing.T, c *Case)
		stopEsc bool
	}{
		{action: "ack", user: "UBEN", state: StateAcknowledged, status: "Acknowledged by <@UBEN>", thread: "<@UBEN> acknowledged the case"},
		{action: "take", user: "UBEN", state: StateAcknowledged, status: "Acknowledged by <@UBEN>", thread: "<@UBEN> took the case over",
			check: func(t *testing.T, c *Case) {
				if c.Owner != "UBEN" || !slices.Contains(c.Team, "anna@acme.de") {
					t.Errorf("after take: owner %s, team %v", c.Owner, c.Team)
				}
			}},
		{action: "snooze", user: "UANNA", value: func(id string) string { return id + "|4h" }, state: StateSnoozed, status: "Snoozed by <@UANNA>", thread: "snoozed the case until",
			check: func(t *testing.T, c *Case) {
				if d := c.SnoozedUntil.Sub(c.History[len(c.History)-1].At); d < 4*time.Hour-time.Second || d > 4*time.Hour+time.Second {
					t.Errorf("snoozed for %s", d)
				}
			}},
		{action: "replied", user: "UANNA", state: StateReplied, status: "Replied by <@UANNA>", thread: "<@UANNA> replied to the mention",
			check: func(t *testing.T, c *Case) {
				if d, ok := c.TimeToFirstReply(); !ok || d < 0 || d > time.Minute {
					t.Errorf("time to first reply %s, %v", d, ok)
				}
			}},
		{action: "resolve", user: "UBOSS", state: StateResolved, status: "Resolved by <@UBOSS>", thread: "<@UBOSS> resolved the case"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			c := ie.alert(t, "btn-"+tc.action)
			value := c.ID
			if tc.value != nil {
				value = tc.value(c.ID)
			}
			began := time.Now()
			ie.do(t, click(tc.user, "CSOCIAL", tc.action, value))
			got := ie.env.waitCase(t, c.ID, func(c *Case) bool { return c.State == tc.state })
			if tc.check != nil {
				tc.check(t, got)
			}
			status := ie.updateOf(t, c.Delivery.TS, tc.status)
			if d := time.Since(began); d > 3*time.Second {
				t.Errorf("alert updated %s after the click, want within 3s", d)
			}
			if !strings.Contains(status, "2026") && !strings.Contains(status, ":") {
				t.Errorf("status without a time: %s", status)
			}
			ie.threadLine(t, c.Delivery.TS, tc.thread)
			if ie.w.esc.scheduled(c.ID) && tc.state != StateSnoozed {
				t.Errorf("escalation still scheduled after %s", tc.action)
			}
		})
	}
}

func TestSnoozeChoices(t *testing.T) {
	w, err := newWorkflow(testConfig(), newMemKV(), newFakeNotifier(), nil, func() time.Time { return testTime }, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &Case{Route: "delivery"}
	loc := time.Local
	tomorrow := time.Date(testTime.In(loc).Year(), testTime.In(loc).Month(), testTime.In(loc).Day()+1, 9, 0, 0, 0, loc)
	for choice, want := range map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "1d": 24 * time.Hour,
		"tomorrow": tomorrow.Sub(testTime), "bogus": DefaultSnooze} {
		if got := w.snoozeFor(c, choice); got != want {
			t.Errorf("snooze %s: %s, want %s", choice, got, want)
		}
	}
}

func TestPermissionRefused(t *testing.T) {
	ie := startInteractive(t, nil)
	c := ie.alert(t, "perm-1")
	ie.do(t, click("USTRANGER", "CSOCIAL", "ack", c.ID))
	waitFor(t, ie.f.changed, 10*time.Second, "ephemeral refusal", func() bool { return len(ie.f.method("chat.postEphemeral")) > 0 })
	e := ie.f.method("chat.postEphemeral")[0]
	if e.Values.Get("user") != "USTRANGER" || e.Channel != "CSOCIAL" || !strings.Contains(e.Text, "Only the people on this case's route") ||
		!strings.Contains(e.Text, "<@UANNA>") {
		t.Errorf("refusal: %+v", e)
	}
	got, _, _ := ie.w.Cases().Get(context.Background(), c.ID)
	if got.State != StateAlerted || len(ie.f.method("chat.update")) != 0 {
		t.Errorf("a stranger changed the case: %s", got.State)
	}
	// A second click on a case someone else acknowledged says who was faster.
	ie.do(t, click("UANNA", "CSOCIAL", "ack", c.ID))
	ie.env.waitCase(t, c.ID, func(c *Case) bool { return c.State == StateAcknowledged })
	ie.do(t, click("UBEN", "CSOCIAL", "ack", c.ID))
	waitFor(t, ie.f.changed, 10*time.Second, "ephemeral loser", func() bool {
		for _, e := range ie.f.method("chat.postEphemeral") {
			if e.Values.Get("user") == "UBEN" && strings.Contains(e.Text, "already acknowledged (last change by <@UANNA>)") {
				return true
			}
		}
		return false
	})
}

func TestFalsePositiveModal(t *testing.T) {
	ie := startInteractive(t, nil)
	c := ie.alert(t, "fp-1")
	ie.do(t, click("UANNA", "CSOCIAL", "false_positive", c.ID))
	waitFor(t, ie.f.changed, 10*time.Second, "views.open", func() bool { return len(ie.f.method("views.open")) > 0 })
	v := ie.f.method("views.open")[0]
	var view slack.ModalViewRequest
	if err := json.Unmarshal([]byte(v.Blocks), &view); err != nil {
		t.Fatal(err)
	}
	if v.TS != "trigger-false_positive" || view.CallbackID != callbackFalsePositive || !strings.Contains(v.Blocks, "lieferprobleme") {
		t.Fatalf("modal: %+v", v)
	}
	rec := ie.do(t, submission("UANNA", callbackFalsePositive, view.PrivateMetadata, blockFPReason, "Satire <!channel>"))
	if rec.Body.Len() != 0 {
		t.Errorf("submission answer %q, want an empty one (the modal closes)", rec.Body)
	}
	got := ie.env.waitCase(t, c.ID, func(c *Case) bool { return c.State == StateFalsePositive })
	if fp := got.FalsePositive; fp == nil || fp.By != "UANNA" || fp.Reason != "Satire <!channel>" || strings.Join(fp.Rules, ",") != "lieferprobleme" {
		t.Errorf("false positive record %+v", got.FalsePositive)
	}
	ie.updateOf(t, c.Delivery.TS, "False positive by <@UANNA>")
	ie.threadLine(t, c.Delivery.TS, "marked the case a false positive: Satire &lt;!channel&gt;")
	stats := RuleStats([]*Case{got, {Verdict: got.Verdict}})
	if s := stats["lieferprobleme"]; s.Cases != 2 || s.FalsePositives != 1 || s.Rate() != 0.5 {
		t.Errorf("rule stats %+v", s)
	}
}

func TestDraftModal(t *testing.T) {
	ie := startInteractive(t, func(cfg *config.Config) {
		cfg.Policy = config.Policy{NeverDisclose: []string{"Projekt Falke"}, AvoidPhrases: []string{"leider nicht möglich"},
			RequireSignoff: true, MaxLength: 400}
	})
	c := ie.alert(t, "draft-1")
	ie.do(t, click("UANNA", "CSOCIAL", "draft", c.ID))
	waitFor(t, ie.f.changed, 10*time.Second, "views.open", func() bool { return len(ie.f.method("views.open")) > 0 })
	var view slack.ModalViewRequest
	if err := json.Unmarshal([]byte(ie.f.method("views.open")[0].Blocks), &view); err != nil {
		t.Fatal(err)
	}
	raw := ie.f.method("views.open")[0].Blocks
	if view.CallbackID != callbackDraft || !strings.Contains(raw, "Hallo Kim, das tut uns leid") || !strings.Contains(raw, "Viele Grüße, anna") ||
		!strings.Contains(raw, "https://example.com/post/draft-1") {
		t.Fatalf("draft modal: %s", raw)
	}
	answer := func(user, text, meta string) slack.ViewSubmissionResponse {
		t.Helper()
		rec := ie.do(t, submission(user, callbackDraft, meta, blockDraftText, text))
		var r slack.ViewSubmissionResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("answer %q: %v", rec.Body, err)
		}
		return r
	}
	// A term that must never be disclosed blocks the save.
	r := answer("UANNA", "Hallo Kim, PROJEKT FALKE kommt bald.\nViele Grüße, Anna", view.PrivateMetadata)
	if r.ResponseAction != slack.RAErrors || !strings.Contains(r.Errors[blockDraftText], "Projekt Falke") {
		t.Errorf("never_disclose: %+v", r)
	}
	// A phrase to avoid and no sign-off are warnings shown in the modal.
	text := "Hallo Kim, das ist LEIDER NICHT MÖGLICH."
	r = answer("UANNA", text, view.PrivateMetadata)
	if r.ResponseAction != slack.RAUpdate || r.View == nil {
		t.Fatalf("warnings: %+v", r)
	}
	b, _ := json.Marshal(r.View)
	if !strings.Contains(string(b), "leider nicht möglich") || !strings.Contains(string(b), "No personal sign-off") {
		t.Errorf("warnings view: %s", b)
	}
	if got, _, _ := ie.w.Cases().Get(context.Background(), c.ID); got.Draft != nil {
		t.Fatal("draft saved before the author saw the findings")
	}
	// Submitted unchanged, it is saved with its findings.
	r = answer("UANNA", text, r.View.PrivateMetadata)
	if r.ResponseAction != slack.RAUpdate || r.View == nil || !strings.Contains(mustJSON(t, r.View), "Draft saved") {
		t.Fatalf("save: %+v", r)
	}
	got, _, _ := ie.w.Cases().Get(context.Background(), c.ID)
	if got.Draft == nil || got.Draft.Text != text || got.Draft.By != "UANNA" || len(got.Draft.Findings) != 2 {
		t.Errorf("saved draft %+v", got.Draft)
	}
	ie.threadLine(t, c.Delivery.TS, "<@UANNA> saved a reply draft")
	// Then the reply is posted and the case marked replied.
	ie.do(t, click("UANNA", "CSOCIAL", "replied", c.ID))
	got = ie.env.waitCase(t, c.ID, func(c *Case) bool { return c.State == StateReplied })
	if _, ok := got.TimeToFirstReply(); !ok {
		t.Error("time to first reply not recorded")
	}
	// A stranger cannot save drafts.
	r = answer("USTRANGER", "Hallo\nViele Grüße, Eve", view.PrivateMetadata)
	if r.ResponseAction != slack.RAErrors {
		t.Errorf("stranger's draft: %+v", r)
	}
}

// command posts a signed /earshot command by user and returns its answer,
// which must be ephemeral.
func (ie *interactiveEnv) command(t *testing.T, user, text string) string {
	t.Helper()
	body := url.Values{"command": {"/earshot"}, "text": {text}, "user_id": {user}, "channel_id": {"CSOCIAL"}}.Encode()
	rec := httptest.NewRecorder()
	ie.h.ServeHTTP(rec, sign(testSecret, "/slack/interactions", body, time.Now()))
	var answer slack.Msg
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.ResponseType != slack.ResponseTypeEphemeral {
		t.Fatalf("%s by %s: answer %d %s", text, user, rec.Code, rec.Body)
	}
	return answer.Text
}

// TestStatusNeedsARoute: /earshot status shows who silenced what and why,
// and how many cases are open; like silence and unsilence it answers only
// the people named on a route, and refuses everyone else the same way.
func TestStatusNeedsARoute(t *testing.T) {
	ie := startInteractive(t, nil)
	ie.alert(t, "status-1")
	if got := ie.command(t, "UANNA", "silence topic=returns for 2h because supplier strike"); !strings.Contains(got, "set by <@UANNA>") {
		t.Fatalf("silence: %s", got)
	}
	const refusal = "Only the people named on a route (owner, deputy, escalation contact, team) can "
	for _, verb := range []string{"status", "silence topic=delivery for 1h because x", "unsilence 0123abcd"} {
		got := ie.command(t, "USTRANGER", verb)
		if !strings.HasPrefix(got, refusal) || strings.Contains(got, "supplier strike") || strings.Contains(got, "Open cases") {
			t.Errorf("%s by a stranger: %s", verb, got)
		}
	}
	for _, user := range []string{"UANNA", "UBEN", "UBOSS"} { // owner, deputy, escalation contact
		if got := ie.command(t, user, "status"); !strings.Contains(got, "supplier strike") || !strings.Contains(got, "*Open cases:* 1") {
			t.Errorf("status by %s: %s", user, got)
		}
	}
	if got := ie.command(t, "USTRANGER", "help"); !strings.Contains(got, "/earshot status") {
		t.Errorf("help for a stranger: %s", got)
	}
	if n := counterValue(ie.w.metrics.Interactions.WithLabelValues("refused_permission")); n != 3 {
		t.Errorf("refused_permission %v, want 3", n)
	}
}

// TestReplayedRequestDoesNothing: a signed request sent again within its
// five minutes (same timestamp and signature, or the signature's hex in
// capitals, which Slack's verifier reads the same) is acknowledged with
// an empty 200 and does nothing; a request that was not acknowledged is
// not remembered, so that its retry is served; a new request for the same
// action is served.
func TestReplayedRequestDoesNothing(t *testing.T) {
	ie := startInteractive(t, nil)
	c := ie.alert(t, "replay-1")
	at := time.Now()
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		ie.h.ServeHTTP(rec, r)
		return rec
	}
	upper := func(r *http.Request) *http.Request {
		r.Header.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0=")))
		return r
	}
	count := func(kind string) float64 { return counterValue(ie.w.metrics.Interactions.WithLabelValues(kind)) }

	snooze := payloadForm(t, click("UANNA", "CSOCIAL", "snooze", c.ID+"|1h"))
	if rec := serve(sign(testSecret, "/slack/interactions", snooze, at)); rec.Code != http.StatusOK {
		t.Fatalf("first request: %d %s", rec.Code, rec.Body)
	}
	ie.env.waitCase(t, c.ID, func(c *Case) bool { return c.State == StateSnoozed })
	for i, r := range []*http.Request{sign(testSecret, "/slack/interactions", snooze, at), upper(sign(testSecret, "/slack/interactions", snooze, at))} {
		if rec := serve(r); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("replay %d: %d %q, want an empty 200", i, rec.Code, rec.Body)
		}
	}
	if n := count("snooze"); n != 1 {
		t.Errorf("the snooze was taken %v times, want once", n)
	}

	// A command: one silence, the repeat answered with nothing.
	cmd := url.Values{"command": {"/earshot"}, "text": {"silence topic=returns for 1h because test"}, "user_id": {"UANNA"}, "channel_id": {"CSOCIAL"}}.Encode()
	if rec := serve(sign(testSecret, "/slack/interactions", cmd, at)); !strings.Contains(rec.Body.String(), "set by") {
		t.Fatalf("silence: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(sign(testSecret, "/slack/interactions", cmd, at)); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("replayed command: %d %q, want an empty 200", rec.Code, rec.Body)
	}
	if act, err := ie.w.silences.active(context.Background()); err != nil || len(act) != 1 {
		t.Errorf("%d silences (%v), want 1", len(act), err)
	}
	if n := count("replayed"); n != 3 {
		t.Errorf("replayed %v, want 3", n)
	}

	// Not acknowledged (a form earshot cannot use): served again when it
	// comes again, not taken for a replay.
	for i := range 2 {
		if rec := serve(sign(testSecret, "/slack/interactions", "x=y", at)); rec.Code != http.StatusBadRequest {
			t.Errorf("unusable form, try %d: %d, want 400", i, rec.Code)
		}
	}
	// A new click (a new timestamp) on the same button is served.
	if rec := serve(sign(testSecret, "/slack/interactions", snooze, at.Add(time.Second))); rec.Code != http.StatusOK {
		t.Fatalf("new request: %d %s", rec.Code, rec.Body)
	}
	if n := count("snooze"); n != 2 {
		t.Errorf("a new snooze request was not served (%v)", n)
	}
}

// TestReplayRecordIsBounded: the record forgets what has left its window,
// holds at most max requests, and makes room by forgetting the oldest.
func TestReplayRecordIsBounded(t *testing.T) {
	r := newReplays(3)
	now := testTime
	for i := range 3 {
		if ok, evicted := r.first(fmt.Sprint(i), now.Add(time.Duration(i)*time.Second), now); !ok || evicted {
			t.Fatalf("request %d: first %v, evicted %v", i, ok, evicted)
		}
	}
	if ok, _ := r.first("1", now, now); ok {
		t.Error("a repeat was taken for a first request")
	}
	if ok, evicted := r.first("3", now, now); !ok || !evicted {
		t.Errorf("full: first %v, evicted %v; want true, true", ok, evicted)
	}
	if ok, _ := r.first("0", now, now); !ok {
		t.Error("the oldest request was not the one forgotten")
	}
	if len(r.seen) != 3 {
		t.Errorf("%d requests held, max 3", len(r.seen))
	}
	r.forget("3")
	if ok, _ := r.first("3", now, now); !ok {
		t.Error("a forgotten request is still refused")
	}
	// Past their window all are forgotten, without evicting anything.
	later := now.Add(maxSignatureAge + 3*time.Second)
	if ok, evicted := r.first("x", later, later); !ok || evicted || len(r.seen) != 1 {
		t.Errorf("after the window: first %v, evicted %v, %d held", ok, evicted, len(r.seen))
	}
	if ok, _ := r.first("2", later, later); !ok {
		t.Error("a request past its window is still remembered")
	}
}
