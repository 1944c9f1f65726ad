package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// bug panics as a bug does: a write to a nil map.
func bug() {
	var m map[string]int
	m["x"]++
}

// panicOn makes fn's posts whose text contains substr panic.
func panicOn(fn *fakeNotifier, substr string) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	fn.onPost = func(_ string, msg message) {
		if strings.Contains(msg.Text, substr) {
			bug()
		}
	}
}

func panicsCounted(t *testing.T, w *Workflow, where string, want float64) {
	t.Helper()
	if n := counterValue(w.metrics.Panics.WithLabelValues(where)); n != want {
		t.Errorf("earshot_workflow_panics_total{where=%q} = %v, want %v", where, n, want)
	}
}

// TestIncidentThatPanicsAlertsItsCases: when posting an incident message
// panics, the incident's cases are alerted on their own.
func TestIncidentThatPanicsAlertsItsCases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		panicOn(fn, "Incident:")
		var ids []string
		for _, id := range []string{"pinc-1", "pinc-2", "pinc-3", "pinc-4", "pinc-5"} {
			ids = append(ids, openComplaint(t, w, id))
		}
		time.Sleep(DefaultGroupWait + 10*time.Second)
		synctest.Wait()
		for _, p := range fn.snapshot() {
			if strings.Contains(p.Msg.Text, "Incident:") {
				t.Errorf("an incident message was recorded: %+v", p)
			}
		}
		// The first two alone at once, the other three after group_wait
		// (grouped by the channel's rate, as any three at once).
		for _, id := range ids {
			if c, _, err := w.Cases().Get(context.Background(), id); err != nil || c.Delivery.TS == "" || c.State != StateAlerted {
				t.Errorf("case %s not alerted: %+v %v", id, c, err)
			}
		}
		panicsCounted(t, w, "incident", 1)
	})
}

// TestEscalationStepThatPanics: a reminder whose post panics is given up
// (and recorded), and the next step still comes.
func TestEscalationStepThatPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		panicOn(fn, "reminder")
		id := openComplaint(t, w, "pesc-1")
		time.Sleep(2*time.Hour + time.Minute) // reminder at 1h30, deputy at 2h
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != 2 || !strings.Contains(posts[1].Msg.Text, "<@UBEN>") {
			t.Fatalf("want the alert and the deputy's line: %+v", posts)
		}
		c, _, err := w.Cases().Get(context.Background(), id)
		if err != nil || !c.Escalation.Reminded || !c.Escalation.DeputyTold {
			t.Errorf("escalation record %+v %v", c.Escalation, err)
		}
		panicsCounted(t, w, "message", 1)
	})
}

// TestEscalateThatPanics: a panic in escalate itself ends that case's
// escalation for this run instead of the daemon.
func TestEscalateThatPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _, stop := staged(t)
		id := openComplaint(t, w, "pesc-2")
		synctest.Wait()
		stop()
		time.Sleep(91 * time.Minute)
		w.router.Store(nil) // what a bug does: sendStep meets a nil router
		if at, ok := w.escalateGuarded(context.Background(), id); ok || !at.IsZero() {
			t.Errorf("escalateGuarded = %v, %v; want no next time", at, ok)
		}
		panicsCounted(t, w, "escalation", 1)
	})
}

// TestInteractionJobThatPanics: the interaction workers go on after a job
// panics.
func TestInteractionJobThatPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _, stop := staged(t)
		defer stop()
		done := make(chan struct{})
		if err := w.async(func(context.Context) { bug() }); err != nil {
			t.Fatal(err)
		}
		if err := w.async(func(context.Context) { close(done) }); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("the job after the panic did not run")
		}
		panicsCounted(t, w, "interaction_job", 1)
	})
}

// TestCommandThatPanicsOverHTTP: a slash command whose handling panics is
// answered with an apology, not a dropped connection (which Slack would
// retry).
func TestCommandThatPanicsOverHTTP(t *testing.T) {
	cfg := testConfig()
	cfg.Slack.SigningSecret = testSecret
	w, err := newWorkflow(cfg, newMemKV(), newFakeNotifier(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.silences = nil // what a bug does: status meets a nil store
	for _, text := range []string{"status", "help"} {
		body := url.Values{"command": {"/earshot"}, "text": {text}, "user_id": {"UANNA"}, "channel_id": {"CSOCIAL"}}.Encode()
		rec := httptest.NewRecorder()
		w.InteractionHandler().ServeHTTP(rec, sign(testSecret, "/slack/interactions", body, time.Now()))
		var answer struct {
			Type string `json:"response_type"`
			Text string `json:"text"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.Type != "ephemeral" {
			t.Fatalf("%s: answer %d %s", text, rec.Code, rec.Body)
		}
		if apology := answer.Text == panicAnswer; apology != (text == "status") {
			t.Errorf("%s: answer %q", text, answer.Text)
		}
	}
	panicsCounted(t, w, "command", 1)
}

// TestHealthEventThatPanics: a health event whose report panics is not
// redelivered, and the next one is reported.
func TestHealthEventThatPanics(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	fn := newFakeNotifier()
	w, err := newWorkflow(testConfig(), newMemKV(), fn, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	panicOn(fn, "feed-a")
	cons, err := env.js.CreateOrUpdateConsumer(ctx, mention.EventsStream, jetstream.ConsumerConfig{
		Durable: "panic-test", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"feed-a", "feed-b"} {
		b, err := mention.SourceHealth{Source: src, State: mention.HealthFailing, Previous: mention.HealthUp, Error: "HTTP 500", Changed: time.Now()}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.js.Publish(ctx, mention.HealthSubject, b); err != nil {
			t.Fatal(err)
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		w.onEvent(ctx, msg)
	}
	posts := fn.snapshot()
	if len(posts) != 1 || posts[0].Dest != "#earshot-admin" || !strings.Contains(posts[0].Msg.Text, "feed-b is failing") {
		t.Errorf("admin reports %+v, want feed-b's", posts)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumRedelivered != 0 || info.AckFloor.Stream != 2 {
		t.Errorf("consumer: %d pending, %d redelivered, ack floor %d; want both events done", info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream)
	}
	panicsCounted(t, w, "health_event", 1)
}

// TestAlertedSeriesStartAtZero: the series the alerting rules watch exist
// before their first event, so that increase() sees it.
func TestAlertedSeriesStartAtZero(t *testing.T) {
	set := metrics.NewSet()
	NewMetrics(set)
	var b bytes.Buffer
	set.WritePrometheus(&b)
	for _, want := range []string{
		`earshot_workflow_delivery_failures_total{error="channel_not_found"} 0`,
		`earshot_workflow_delivery_failures_total{error="not_in_channel"} 0`,
		`earshot_workflow_panics_total{where="command"} 0`,
		`earshot_workflow_panics_total{where="escalation"} 0`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("no %s in\n%s", want, b.String())
		}
	}
}
