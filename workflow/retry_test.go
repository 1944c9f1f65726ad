package workflow

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
)

// TestGivenUpAlertRetriedAtStart: an alert Slack refused for good
// (channel_not_found: the channel was misspelt, or the bot not invited)
// is delivered by the next start once the cause is gone, and the admin
// channel was told once.
func TestGivenUpAlertRetriedAtStart(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	refuseChannel(f, "#social-care", "channel_not_found")
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorkflow(t, w)
	env.publish(t, complaint("retry-1"))
	id := CaseID("retry-1", "delivery")
	env.waitCase(t, id, func(c *Case) bool { return c.Delivery.Failed == "channel_not_found" })
	waitFor(t, f.changed, 10*time.Second, "admin report", func() bool { return len(f.snapshot()) == 1 })
	stop()

	f.mu.Lock()
	f.fail = nil // the bot was invited
	f.mu.Unlock()
	w2, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop = runWorkflow(t, w2)
	defer stop()
	c := env.waitCase(t, id, func(c *Case) bool { return c.Delivery.TS != "" })
	if c.Delivery.Failed != "" || c.Delivery.Retries != 1 || c.State != StateAlerted {
		t.Errorf("delivery %+v, state %s; want sent on the first retry", c.Delivery, c.State)
	}
	var admin, alerts int
	for _, p := range f.snapshot() {
		switch {
		case p.Channel == "CADMIN":
			admin++
		case strings.Contains(p.Text, "HIGH criticism"):
			alerts++
		}
	}
	if admin != 1 || alerts != 1 {
		t.Errorf("%d admin reports and %d alerts, want 1 and 1", admin, alerts)
	}
}

// failFirst makes fn's first post fail with the Slack error code.
func failFirst(fn *fakeNotifier, code string, calls ...int) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	fn.err = func(n int) error {
		for _, c := range calls {
			if n == c {
				return slack.SlackErrorResponse{Err: code}
			}
		}
		return nil
	}
}

// TestGivenUpAlertRetriedAfterReload: a reload (which may have fixed a
// channel's or an owner's name) tries given-up alerts again at once.
func TestGivenUpAlertRetriedAfterReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		failFirst(fn, "channel_not_found", 1) // the alert; 2 is the admin report
		id := openComplaint(t, w, "reload-1")
		synctest.Wait()
		if c, _, _ := w.Cases().Get(context.Background(), id); c.Delivery.Failed != "channel_not_found" {
			t.Fatalf("delivery %+v, want given up", c.Delivery)
		}
		if err := w.Update(testConfig()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		c, _, _ := w.Cases().Get(context.Background(), id)
		if c.Delivery.TS == "" || c.Delivery.Retries != 1 {
			t.Errorf("after the reload: delivery %+v, want sent", c.Delivery)
		}
	})
}

// TestGivenUpAlertRetriedPeriodically: while the daemon runs, a given-up
// alert is tried again every retryEvery (a failed retry is not reported
// to the admin channel again), but not one whose message Slack found
// malformed: that one waits for a start or a reload.
func TestGivenUpAlertRetriedPeriodically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		// 1: the alert fails, 2: the admin report, 3: the first periodic
		// retry fails again, 4: the second goes through.
		failFirst(fn, "not_in_channel", 1, 3)
		id := openComplaint(t, w, "periodic-1")
		synctest.Wait()
		time.Sleep(retryEvery)
		synctest.Wait()
		if c, _, _ := w.Cases().Get(context.Background(), id); c.Delivery.TS != "" || c.Delivery.Retries != 1 {
			t.Fatalf("after one period: delivery %+v, want failed again", c.Delivery)
		}
		time.Sleep(retryEvery)
		synctest.Wait()
		c, _, _ := w.Cases().Get(context.Background(), id)
		if c.Delivery.TS == "" || c.Delivery.Retries != 2 {
			t.Errorf("after two periods: delivery %+v, want sent on the second retry", c.Delivery)
		}
		var admin int
		for _, p := range fn.snapshot() {
			if p.Dest == "#earshot-admin" {
				admin++
			}
		}
		if admin != 1 {
			t.Errorf("%d admin reports, want 1", admin)
		}
		if n := counterValue(w.metrics.DeliveryFailures.WithLabelValues("not_in_channel")); n != 2 {
			t.Errorf("failures counted %v, want 2", n)
		}

		failFirst(fn, "invalid_blocks", 5)
		id = openComplaint(t, w, "periodic-2")
		synctest.Wait()
		time.Sleep(3 * retryEvery)
		synctest.Wait()
		fn.mu.Lock()
		calls := fn.calls
		fn.mu.Unlock()
		if c, _, _ := w.Cases().Get(context.Background(), id); c.Delivery.Failed != "invalid_blocks" || calls != 6 {
			t.Errorf("malformed message: delivery %+v after %d calls; want given up, not retried (6 calls)", c.Delivery, calls)
		}
	})
}
