package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// alertsByCase counts the alert messages of each case (the buttons carry
// the case ID) and returns the group messages.
func alertsByCase(t *testing.T, posts []post) (alerts map[string][]post, groups []post) {
	t.Helper()
	alerts = map[string][]post{}
	for _, p := range posts {
		if p.Method != "chat.postMessage" {
			continue
		}
		if strings.Contains(p.Blocks, "critical mentions") {
			groups = append(groups, p)
			continue
		}
		var blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		}
		if err := json.Unmarshal([]byte(p.Blocks), &blocks); err != nil {
			continue
		}
		for _, b := range blocks {
			if b.Type == "actions" && len(b.Elements) > 0 {
				alerts[b.Elements[0].Value] = append(alerts[b.Elements[0].Value], p)
			}
		}
	}
	return alerts, groups
}

func TestBurstIsDeliveredAndGrouped(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	cfg := slackConfig(f)
	cfg.Slack.PerChannelRate = 5
	m := NewMetrics(nil)
	w, err := New(cfg, Deps{JS: env.js, Cases: env.cases, Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.inc = nil // this test is about the rate grouping; incidents_test.go tests incidents
	runWorkflow(t, w)
	const n = 30
	began := time.Now()
	var ids []string
	for i := range n {
		v := complaint(fmt.Sprintf("burst-%02d", i))
		env.publish(t, v)
		ids = append(ids, CaseID(v.Mention.ID, "delivery"))
	}
	for _, id := range ids {
		env.waitCase(t, id, func(c *Case) bool { return c.State == StateAlerted && c.Delivery.TS != "" })
	}
	elapsed := time.Since(began)
	alerts, groups := alertsByCase(t, f.snapshot())
	for _, id := range ids {
		if len(alerts[id]) != 1 {
			t.Errorf("case %s posted %d times, want once", id, len(alerts[id]))
		}
	}
	if len(groups) == 0 {
		t.Fatalf("a burst of %d at 5/s was not grouped", n)
	}
	threaded := 0
	for _, ps := range alerts {
		if ps[0].ThreadTS != "" {
			threaded++
			found := false
			for _, g := range groups {
				found = found || g.TS == ps[0].ThreadTS
			}
			if !found {
				t.Errorf("alert in thread %s of no group message", ps[0].ThreadTS)
			}
		}
	}
	if threaded == 0 {
		t.Error("no alert went into a group's thread")
	}
	// The bucket holds: 30 alerts and the group messages at 5/s after a
	// burst of 3 take at least this long.
	if min := time.Duration(float64(n+len(groups)-defaultBurst)/5*0.8) * time.Second; elapsed < min {
		t.Errorf("delivered in %v, faster than the rate allows (%v)", elapsed, min)
	}
	if got := counterValue(m.Groups); got != float64(len(groups)) {
		t.Errorf("groups metric %v, want %d", got, len(groups))
	}
	t.Logf("%d alerts, %d group messages, %d in threads, %v", n, len(groups), threaded, elapsed)
}

func TestSlackDownThenUp(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	f.fail = func(call int, _ url.Values, w http.ResponseWriter) bool {
		switch {
		case call <= 2: // the connection drops
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		case call <= 8:
			http.Error(w, "upstream down", http.StatusServiceUnavailable)
			return true
		case call == 9:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		case call == 10:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":false,"error":"internal_error"}`)
			return true
		}
		return false
	}
	m := NewMetrics(nil)
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases, Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.backoff = backoff{base: 5 * time.Millisecond, max: 40 * time.Millisecond}
	w.inc = nil // three alerts of one topic would make an incident
	runWorkflow(t, w)
	var ids []string
	for i := range 3 {
		v := complaint(fmt.Sprintf("down-%d", i))
		env.publish(t, v)
		ids = append(ids, CaseID(v.Mention.ID, "delivery"))
	}
	for _, id := range ids {
		c := env.waitCase(t, id, func(c *Case) bool { return c.Delivery.TS != "" })
		if c.Delivery.Attempts < 1 || c.Delivery.Failed != "" {
			t.Errorf("case %s delivery %+v", id, c.Delivery)
		}
	}
	alerts, _ := alertsByCase(t, f.snapshot())
	for _, id := range ids {
		if len(alerts[id]) != 1 {
			t.Errorf("case %s posted %d times, want once", id, len(alerts[id]))
		}
	}
	for _, reason := range []string{"network", "server_error", "rate_limited", "internal_error"} {
		if counterValue(m.DeliveryRetries.WithLabelValues(reason)) == 0 {
			t.Errorf("no %s retry counted", reason)
		}
	}
}

func TestTerminalErrorGoesToAdmin(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	refuseChannel(f, "#social-care", "channel_not_found")
	m := NewMetrics(nil)
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases, Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	v := complaint("term-1")
	env.publish(t, v)
	c := env.waitCase(t, CaseID("term-1", "delivery"), func(c *Case) bool { return c.Delivery.Failed != "" })
	if c.Delivery.Failed != "channel_not_found" || c.State != StateNew {
		t.Errorf("case delivery %+v, state %s", c.Delivery, c.State)
	}
	waitFor(t, f.changed, 10*time.Second, "admin report", func() bool { return len(f.snapshot()) > 0 })
	posts := f.snapshot()
	if len(posts) != 1 || posts[0].Channel != "CADMIN" || !strings.Contains(posts[0].Text, "could not be delivered to #social-care: channel_not_found") {
		t.Fatalf("admin posts: %+v", posts)
	}
	f.mu.Lock()
	calls := f.calls
	f.mu.Unlock()
	if calls != 2 {
		t.Errorf("%d calls to Slack, want 2 (the failed alert, the admin report): terminal errors are not retried", calls)
	}
	if got := counterValue(m.DeliveryFailures.WithLabelValues("channel_not_found")); got != 1 {
		t.Errorf("failures metric %v", got)
	}
}

func TestRestartDeliversPendingOnce(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	ctx := context.Background()
	store := NewStore(env.cases, nil, nil)
	// A crash after the intent was recorded: delivered on start.
	pending := goldenCase()
	pending.ID, pending.State = "pending1", StateNew
	pending.Delivery = Delivery{Intent: testTime, Attempts: 1}
	// Delivered before the crash: not posted again.
	done := goldenCase()
	done.ID = "done1"
	done.Delivery = Delivery{Channel: "CSOCIAL", TS: "1.1", Sent: testTime}
	done.Escalation = Escalation{} // nothing left to escalate
	for _, c := range []*Case{pending, done} {
		if err := store.create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	c := env.waitCase(t, "pending1", func(c *Case) bool { return c.Delivery.TS != "" })
	if c.Delivery.Attempts != 2 || c.State != StateAlerted {
		t.Errorf("resumed delivery %+v, state %s", c.Delivery, c.State)
	}
	alerts, _ := alertsByCase(t, f.snapshot())
	if len(alerts["pending1"]) != 1 || len(alerts["done1"]) != 0 {
		t.Errorf("posts after restart: pending %d, done %d", len(alerts["pending1"]), len(alerts["done1"]))
	}
}

func TestHealthEventsReachAdmin(t *testing.T) {
	env := startJS(t)
	out := newSignal()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	// (Events before the consumer exists count too: TestHealthEventsBeforeTheWorkflow.)
	waitConsumer(t, env, mention.EventsStream, eventsConsumer)
	b, _ := mention.SourceHealth{Source: "reddit", State: mention.HealthFailing, Previous: mention.HealthUp,
		Error: "HTTP 503 <!channel>", Changed: testTime}.Encode()
	if _, err := env.js.Publish(context.Background(), mention.HealthSubject, b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out.ch, 10*time.Second, "health report", func() bool { return strings.Contains(out.String(), "Source reddit is failing") })
	if got := out.String(); !strings.Contains(got, "(was up): HTTP 503 &lt;!channel&gt;") {
		t.Errorf("admin output: %s", got)
	}
}

// TestHealthEventsBeforeTheWorkflow: events published before the events
// consumer first exists (a fresh install, where the listener starts
// first) reach the admin channel; events older than eventsBacklog are
// history; a consumer made by the former config (new events only) is
// kept as it is.
func TestHealthEventsBeforeTheWorkflow(t *testing.T) {
	publish := func(t *testing.T, env *jsEnv, source string) {
		t.Helper()
		b, _ := mention.SourceHealth{Source: source, State: mention.HealthFailing, Previous: mention.HealthUp,
			Error: "HTTP 503", Changed: testTime}.Encode()
		if _, err := env.js.Publish(context.Background(), mention.HealthSubject, b); err != nil {
			t.Fatal(err)
		}
	}
	start := func(t *testing.T, env *jsEnv, now func() time.Time) *signal {
		t.Helper()
		out := newSignal()
		w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out, Now: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		runWorkflow(t, w)
		waitConsumer(t, env, mention.EventsStream, eventsConsumer)
		return out
	}
	reported := func(out *signal, source string) func() bool {
		return func() bool { return strings.Contains(out.String(), "Source "+source+" is failing") }
	}
	t.Run("fresh", func(t *testing.T) {
		env := startJS(t)
		publish(t, env, "early")
		out := start(t, env, nil)
		waitFor(t, out.ch, 10*time.Second, "the early event", reported(out, "early"))
	})
	t.Run("history", func(t *testing.T) {
		env := startJS(t)
		publish(t, env, "old")
		// The workflow's clock past the backlog: the event is history.
		out := start(t, env, func() time.Time { return time.Now().Add(eventsBacklog + time.Minute) })
		publish(t, env, "new")
		waitFor(t, out.ch, 10*time.Second, "the new event", reported(out, "new"))
		if reported(out, "old")() {
			t.Errorf("an event older than the backlog was reported:\n%s", out.String())
		}
	})
	t.Run("existing consumer", func(t *testing.T) {
		env := startJS(t)
		if _, err := env.js.CreateConsumer(context.Background(), mention.EventsStream, jetstream.ConsumerConfig{
			Durable: eventsConsumer, FilterSubject: mention.HealthSubject, AckPolicy: jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverNewPolicy, AckWait: time.Minute,
		}); err != nil {
			t.Fatal(err)
		}
		out := start(t, env, nil)
		publish(t, env, "later")
		waitFor(t, out.ch, 10*time.Second, "the event", reported(out, "later"))
	})
}

// waitConsumer waits until the durable consumer exists on stream.
func waitConsumer(t *testing.T, env *jsEnv, stream, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := env.js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	// Consumer creation is announced on the JetStream advisory subject.
	sub := make(chan struct{}, 1)
	nc := env.js.Conn()
	as, err := nc.Subscribe("$JS.EVENT.ADVISORY.CONSUMER.CREATED."+stream+"."+name, func(*nats.Msg) { sub <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer as.Unsubscribe()
	if _, err := s.Consumer(ctx, name); err == nil {
		return
	}
	select {
	case <-sub:
	case <-ctx.Done():
		t.Fatalf("consumer %s never created", name)
	}
}

// TestPanicFailsOnlyItsAlert: a panic while posting one alert (a bug that
// this mention's text found) fails that case and reports it to the admin
// channel; the workflow goes on and delivers the next case, and the failed
// one does not wait for delivery (a restart would post it again).
func TestPanicFailsOnlyItsAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		fn.mu.Lock()
		fn.err = func(n int) error {
			if n == 1 {
				var m map[string]int
				m["x"]++ // what a bug does: a nil map write
			}
			return nil
		}
		fn.mu.Unlock()
		first := openComplaint(t, w, "panic-1")
		synctest.Wait()
		second := openComplaint(t, w, "panic-2")
		synctest.Wait()
		c, _, err := w.store.Get(context.Background(), first)
		if err != nil {
			t.Fatal(err)
		}
		if c.Delivery.Failed != "earshot_panic" || c.Delivery.TS != "" || waitsForDelivery(c) {
			t.Errorf("the case that panicked: delivery %+v, want failed, not waiting", c.Delivery)
		}
		if c, _, err = w.store.Get(context.Background(), second); err != nil || c.Delivery.TS == "" {
			t.Errorf("the next case: delivery %+v, %v; want it sent", c.Delivery, err)
		}
		var admin, alerts int
		for _, p := range fn.snapshot() {
			switch {
			case p.Dest == "#earshot-admin" && strings.Contains(p.Msg.Text, "could not be delivered") && strings.Contains(p.Msg.Text, "earshot_panic"):
				admin++
			case strings.Contains(p.Msg.Text, "HIGH criticism"):
				alerts++
			}
		}
		if admin != 1 || alerts != 1 {
			t.Errorf("%d admin reports and %d alerts, want 1 and 1: %+v", admin, alerts, fn.snapshot())
		}
		if n := counterValue(w.metrics.DeliveryFailures.WithLabelValues("earshot_panic")); n != 1 {
			t.Errorf("earshot_workflow_delivery_failures_total{error=\"earshot_panic\"} = %v, want 1", n)
		}
	})
}

// TestHugeRetryAfterIsCapped: a 429 with Retry-After: 1000000000 (31
// years, from Slack or a proxy at slack.api_url) holds the channel's
// alert for maxRetryAfter at most, says so in the log, and a wait in
// progress ends when the workflow stops. It runs on the Slack stand-in in
// a synctest bubble, whose clock jumps over the wait; the case store is
// the in-memory one, as an embedded NATS server cannot live in a bubble.
func TestHugeRetryAfterIsCapped(t *testing.T) {
	f := newFakeSlack(t) // its server runs outside the bubble
	f.fail = func(call int, _ url.Values, w http.ResponseWriter) bool {
		if call != 1 && call != 3 { // the first alert, then the second
			return false
		}
		w.Header().Set("Retry-After", "1000000000")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	synctest.Test(t, func(t *testing.T) {
		// No keep-alive: a connection's reader waiting on the network is
		// not durably blocked, and would keep the bubble's clock still.
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		logs := newSignal()
		m := NewMetrics(nil)
		w, err := newWorkflow(slackConfig(f), newMemKV(), newSlackNotifier("xoxb-test", f.url(), hc), m, nil,
			slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		w.inc = nil
		stop := stages(t, w)
		defer stop()
		began := time.Now()
		id := openComplaint(t, w, "retry-after-1")
		synctest.Wait() // the 429 is in, the worker waits
		if n := len(f.method("chat.postMessage")); n != 0 {
			t.Fatalf("%d alerts before the wait", n)
		}
		if got := counterValue(m.DeliveryRetries.WithLabelValues("rate_limited")); got != 1 {
			t.Fatalf("rate_limited retries %v, want 1", got)
		}
		time.Sleep(maxRetryAfter)
		synctest.Wait()
		c, _, err := w.store.Get(context.Background(), id)
		if err != nil || c.Delivery.TS == "" || len(f.method("chat.postMessage")) != 1 {
			t.Fatalf("no alert %v after a 429 with Retry-After: 1000000000 (cap %v): %+v, %v", time.Since(began), maxRetryAfter, c.Delivery, err)
		}
		if l := logs.String(); !strings.Contains(l, `msg="slack retry-after capped"`) || !strings.Contains(l, "retry_after=277777h46m40s") {
			t.Errorf("the cap is not logged:\n%s", l)
		}

		// A wait in progress ends with the workflow.
		openComplaint(t, w, "retry-after-2") // answered 429 again
		synctest.Wait()
		stopped := time.Now()
		stop()
		if d := time.Since(stopped); d != 0 {
			t.Errorf("stopping took %v of the wait", d)
		}
	})
}
