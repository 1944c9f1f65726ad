package workflow

import (
	"context"
	"strings"
	"testing"
	"time"
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
	waitFor(t, out.ch, 5*time.Second, "pending record removed", func() bool {
		_, _, err := live.store.kv.get(context.Background(), pendingKey(id))
		return err != nil
	})
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
