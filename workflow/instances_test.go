package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/mention"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestOrphanedCaseTakenOver opens a case on an instance that then stops
// before delivering it (it never runs): another instance on the same
// bucket finds the pending case of the dead instance and delivers it, once.
func TestOrphanedCaseTakenOver(t *testing.T) {
	env := startJS(t)
	dead, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := complaint("orphan-1")
	b, _ := v.Encode()
	if err := dead.handleVerdict(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	id := CaseID(v.Mention.ID, "delivery")
	if _, _, err := dead.store.kv.get(context.Background(), pendingKey(id)); err != nil {
		t.Fatalf("no pending record for the opened case: %v", err)
	}

	out := newSignal()
	live, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, live)
	c := env.waitCase(t, id, func(c *Case) bool { return c.Delivery.TS != "" })
	if c.State != StateAlerted {
		t.Errorf("state %s, want alerted", c.State)
	}
	waitFor(t, out.ch, 10*time.Second, "the alert on the console", func() bool { return strings.Contains(out.String(), "nicht angekommen") })
	if n := strings.Count(out.String(), "case:     "+id); n != 1 {
		t.Errorf("alert printed %d times, want once:\n%s", n, out.String())
	}
	// Delivered: the pending record is gone.
	env.waitGone(t, pendingKey(id))
}

// TestLiveInstanceKeepsItsCases checks that a case pending on a live
// instance is not taken over.
func TestLiveInstanceKeepsItsCases(t *testing.T) {
	env := startJS(t)
	a, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a.beat(ctx)
	if err := a.markPending(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if b.claim(ctx, "c1", false) {
		t.Error("b took over a case of live instance a")
	}
	if err := a.store.kv.del(ctx, instanceKey(a.instance)); err != nil { // a stops
		t.Fatal(err)
	}
	if !b.claim(ctx, "c1", false) {
		t.Error("b did not take over the case of stopped instance a")
	}
	b.beat(ctx)
	if a.claim(ctx, "c1", false) {
		t.Error("a took the case back from live b")
	}
}

// TestRestartResumesOwnCases gives a restarted process the name of the
// previous run: it delivers that run's waiting case at once, although the
// old heartbeat is still fresh.
func TestRestartResumesOwnCases(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	before, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "host-a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	before.beat(ctx) // it was alive a moment ago
	v := complaint("restart-1")
	b, _ := v.Encode()
	if err := before.handleVerdict(ctx, b); err != nil {
		t.Fatal(err)
	}
	after, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "host-a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, after)
	env.waitCase(t, CaseID(v.Mention.ID, "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })
}

// TestAloneTakesEveryWaitingCase: an instance that can have no company
// (Deps.Alone) delivers at start a waiting case whose record names another
// instance with a fresh heartbeat (the store was renamed, say), and writes
// no heartbeat of its own while it runs.
func TestAloneTakesEveryWaitingCase(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	other, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "elsewhere"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other.beat(ctx)
	v := complaint("alone-1")
	b, _ := v.Encode()
	if err := other.handleVerdict(ctx, b); err != nil {
		t.Fatal(err)
	}
	alone, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "here", Alone: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, alone)
	env.waitCase(t, CaseID(v.Mention.ID, "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })
	if _, _, err := alone.store.kv.get(ctx, instanceKey("here")); !errors.Is(err, ErrCaseNotFound) {
		t.Errorf("heartbeat of an instance alone: err %v, want none written", err)
	}
}

// TestUpdateMergesSources sends a mention's update (a second source found
// it): the open case lists both sources, and nothing is alerted again.
func TestUpdateMergesSources(t *testing.T) {
	env := startJS(t)
	out := newSignal()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v := complaint("merge-1")
	b, _ := v.Encode()
	if err := w.handleVerdict(ctx, b); err != nil {
		t.Fatal(err)
	}
	v.Mention.Update, v.Mention.Sources = true, []string{"google-news-de", "reddit"}
	b, _ = v.Encode()
	if err := w.handleVerdict(ctx, b); err != nil {
		t.Fatal(err)
	}
	c, _, err := w.store.Get(ctx, CaseID("merge-1", "delivery"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Verdict.Mention.Sources, "reddit") || c.History[len(c.History)-1].Action != "also_found" {
		t.Errorf("case after the update: sources %v, history %+v", c.Verdict.Mention.Sources, c.History)
	}
	ids, _ := w.store.IDs(ctx)
	if len(ids) != 1 {
		t.Errorf("%d cases, want 1: an update must not open a case", len(ids))
	}
	// An update of a mention without a case (not critical, or baseline)
	// opens none either.
	u := complaint("merge-2")
	u.Mention.Update, u.Mention.Sources = true, []string{"a", "b"}
	b, _ = u.Encode()
	if err := w.handleVerdict(ctx, b); err != nil {
		t.Fatal(err)
	}
	if ids, _ := w.store.IDs(ctx); len(ids) != 1 {
		t.Errorf("%d cases after an update of an unknown mention, want 1", len(ids))
	}
}

// TestStartReadsCasesOnce: a start reads the stored cases with one watcher,
// the open-case count's, which hands resume the case waiting for delivery
// (delivered), schedules the next escalation step of a delivered one, and
// counts both.
func TestStartReadsCasesOnce(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	before, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "host-a", Alone: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting, alerted := complaint("once-1"), complaint("once-2")
	for _, v := range []mention.Verdict{waiting, alerted} {
		b, _ := v.Encode()
		if err := before.handleVerdict(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	alertedID := CaseID(alerted.Mention.ID, "delivery")
	if _, err := before.store.Modify(ctx, alertedID, func(c *Case) error {
		c.State, c.Delivery.Channel, c.Delivery.TS = StateAlerted, "C1", "1700000000.000100"
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Every watcher of the whole cases bucket is a consumer created with
	// its filter: count those requests while the next run starts.
	filter := ".$KV." + mention.CasesBucket + "." + casePrefix + ">"
	var mu sync.Mutex
	watchers := 0
	sub, err := env.js.Conn().Subscribe("$JS.API.CONSUMER.CREATE.>", func(m *nats.Msg) {
		if strings.HasSuffix(m.Subject, filter) {
			mu.Lock()
			watchers++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	after, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Instance: "host-a", Alone: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, after)
	env.waitCase(t, CaseID(waiting.Mention.ID, "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })
	if !after.esc.scheduled(alertedID) {
		t.Errorf("the delivered case %s has no escalation scheduled after the start", alertedID)
	}
	// The gauge is written once the stored cases are in.
	var out strings.Builder
	after.metrics.Open.write(&out)
	if !strings.Contains(out.String(), `state="alerted"`) {
		t.Errorf("earshot_cases_open after the start:\n%s", out.String())
	}
	if err := env.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if watchers != 1 {
		t.Errorf("the start created %d watchers of the whole cases bucket, want 1", watchers)
	}
}

// TestVerdictThatPanicsIsNotRedelivered: a verdict whose handling panics
// (here a missing silence store stands in for a bug that one text finds)
// is terminated, not redelivered, and the next verdict is handled.
func TestVerdictThatPanicsIsNotRedelivered(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Alone: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := env.js.CreateOrUpdateConsumer(ctx, mention.VerdictsStream, jetstream.ConsumerConfig{
		Durable: "panic-test", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	next := func() jetstream.Msg {
		t.Helper()
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	env.publish(t, complaint("poison-1"))
	env.publish(t, complaint("poison-2"))
	silences := w.silences
	w.silences = nil
	w.onVerdict(ctx, next())
	w.silences = silences
	w.onVerdict(ctx, next())

	if _, _, err := w.store.Get(ctx, CaseID("poison-1", "delivery")); err == nil {
		t.Error("the verdict that panicked opened a case")
	}
	if _, _, err := w.store.Get(ctx, CaseID("poison-2", "delivery")); err != nil {
		t.Errorf("the next verdict opened no case: %v", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumRedelivered != 0 || info.AckFloor.Stream != 2 {
		t.Errorf("consumer: %d pending, %d redelivered, ack floor %d; want both verdicts done, none redelivered", info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream)
	}
}
