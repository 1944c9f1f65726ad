package workflow

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
)

// The escalation tests run in a synctest bubble: time.Sleep there moves the
// bubble's fake clock, and synctest.Wait waits until every goroutine of the
// workflow is blocked, so nothing waits for real time or polls.

// stages runs the dispatcher and the escalator of w, as Run does, after
// resuming the stored cases; stop ends them and waits.
func stages(t *testing.T, w *Workflow) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.disp.run(ctx) })
	wg.Go(func() { w.esc.run(ctx, w.escalateGuarded) })
	wg.Go(func() { w.runJobs(ctx) })
	wg.Go(func() { w.runRetries(ctx) })
	if w.inc != nil {
		wg.Go(func() { w.runIncidents(ctx) })
	}
	if err := w.resume(ctx); err != nil {
		t.Fatal(err)
	}
	return func() { cancel(); wg.Wait() }
}

// staged starts a workflow on an in-memory store and a fake Slack, with
// its stages.
func staged(t *testing.T) (w *Workflow, fn *fakeNotifier, stop func()) {
	t.Helper()
	fn = newFakeNotifier()
	w, err := newWorkflow(testConfig(), newMemKV(), fn, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, fn, stages(t, w)
}

func openComplaint(t *testing.T, w *Workflow, id string) string {
	t.Helper()
	b, err := complaint(id).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.handleVerdict(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return CaseID(id, "delivery")
}

func TestEscalationAcrossRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kv, fn := newMemKV(), newFakeNotifier()
		w, err := newWorkflow(testConfig(), kv, fn, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		id := openComplaint(t, w, "esc-1")
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != 1 || posts[0].Dest != "#social-care" {
			t.Fatalf("after opening: %+v", posts)
		}
		alertTS := posts[0].TS

		time.Sleep(89 * time.Minute)
		synctest.Wait()
		if n := len(fn.snapshot()); n != 1 {
			t.Fatalf("%d messages before the reminder is due", n)
		}
		time.Sleep(2 * time.Minute) // the reminder is due at 1h30
		synctest.Wait()
		posts = fn.snapshot()
		if len(posts) != 2 || !strings.Contains(posts[1].Msg.Text, "<@UANNA> reminder") || posts[1].Msg.ThreadTS != alertTS {
			t.Fatalf("reminder: %+v", posts[1:])
		}

		// Restart: the deadlines come back from the store.
		stop()
		w2, err := newWorkflow(testConfig(), kv, fn, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop = stages(t, w2)
		defer stop()
		synctest.Wait()
		if n := len(fn.snapshot()); n != 2 {
			t.Fatalf("restart sent %d messages, want none", n-2)
		}
		time.Sleep(30 * time.Minute) // the deadline passes at 2h
		synctest.Wait()
		posts = fn.snapshot()
		if len(posts) != 3 || !strings.Contains(posts[2].Msg.Text, "<@UBEN>") || !posts[2].Msg.Broadcast {
			t.Fatalf("deputy: %+v", posts[2:])
		}

		// The deputy acknowledges: nothing more is sent.
		if _, err := w2.Cases().Act(context.Background(), id, "UBEN", ActionAck, ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Hour)
		synctest.Wait()
		if n := len(fn.snapshot()); n != 3 {
			t.Errorf("%d messages after the acknowledgement", n-3)
		}
		if n := w2.esc.pending(); n != 0 {
			t.Errorf("%d escalations still scheduled", n)
		}
		c, _, _ := w2.Cases().Get(context.Background(), id)
		if !c.Escalation.Reminded || !c.Escalation.DeputyTold || c.Escalation.Escalated {
			t.Errorf("escalation record %+v", c.Escalation)
		}
	})
}

func TestEscalationReachesEscalateTo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		openComplaint(t, w, "esc-2")
		time.Sleep(4*time.Hour - time.Minute)
		synctest.Wait()
		if n := len(fn.snapshot()); n != 3 { // alert, reminder, deputy
			t.Fatalf("%d messages before escalate_to is due, want 3", n)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != 4 || !strings.Contains(posts[3].Msg.Text, "<@UBOSS>") {
			t.Fatalf("escalation: %+v", posts[3:])
		}
	})
}

func TestEscalationStopsOnAckBeforeReminder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		id := openComplaint(t, w, "esc-3")
		synctest.Wait()
		time.Sleep(10 * time.Minute)
		if _, err := w.Cases().Act(context.Background(), id, "UANNA", ActionAck, ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Hour)
		synctest.Wait()
		if n := len(fn.snapshot()); n != 1 {
			t.Errorf("%d messages, want only the alert", n)
		}
	})
}

// TestEscalationWaitsBehindTheQueue: while Slack fails, an alert retries
// at the head of its channel's queue; a reminder that falls due meanwhile
// for another case in that channel is sent after it, by the same sender,
// not beside it (no second retry loop against the failing Slack).
func TestEscalationWaitsBehindTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		openComplaint(t, w, "queue-1")
		synctest.Wait()
		time.Sleep(89 * time.Minute) // queue-1's reminder is due at 1h30
		var mu sync.Mutex
		down := true
		fn.mu.Lock()
		fn.err = func(int) error {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}
			}
			return nil
		}
		fn.mu.Unlock()
		openComplaint(t, w, "queue-2") // its alert fails and retries
		synctest.Wait()
		time.Sleep(10 * time.Minute) // the reminder falls due while Slack is down
		synctest.Wait()
		fn.mu.Lock()
		calls := fn.calls
		fn.mu.Unlock()
		// One sender: backoff 1, 2, 4, 8 s, then every 7.5-15 s, for 10 min.
		if calls > 1+6+600/7.5 {
			t.Errorf("%d calls to the failing Slack in 10 minutes: more than one sender's retries", calls)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != 3 {
			t.Fatalf("%d messages after Slack came back, want 3: %+v", len(posts), posts)
		}
		if !strings.Contains(posts[1].Msg.Text, "HIGH criticism") || !strings.Contains(posts[2].Msg.Text, "reminder") {
			t.Errorf("order after the outage: %q, then %q; want the waiting alert, then the reminder", posts[1].Msg.Text, posts[2].Msg.Text)
		}
	})
}
