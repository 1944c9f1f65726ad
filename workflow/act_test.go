package workflow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/earshot/earshot/config"
)

func TestActUpdatesAlertInPlace(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	m := NewMetrics(nil)
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases, Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	env.publish(t, complaint("act-1"))
	id := CaseID("act-1", "delivery")
	c := env.waitCase(t, id, func(c *Case) bool { return c.Delivery.TS != "" })
	ctx := context.Background()

	for user, want := range map[string]bool{"UANNA": true, "UBEN": true, "UBOSS": true, "USTRANGER": false} {
		if got := w.MayAct(ctx, c, user); got != want {
			t.Errorf("MayAct(%s) = %v, want %v", user, got, want)
		}
	}
	if _, err := w.Act(ctx, id, "UBEN", ActionAck, ""); err != nil {
		t.Fatal(err)
	}
	var te *TransitionError
	if _, err := w.Act(ctx, id, "UANNA", ActionAck, ""); !errors.As(err, &te) || te.By != "UBEN" {
		t.Fatalf("second ack: %v", err)
	}
	if _, err := w.Act(ctx, id, "UANNA", ActionResolve, "answered on the forum"); err != nil {
		t.Fatal(err)
	}
	posts := f.snapshot()
	var updates, thread []post
	for _, p := range posts {
		switch {
		case p.Method == "chat.update":
			updates = append(updates, p)
		case p.ThreadTS == c.Delivery.TS:
			thread = append(thread, p)
		}
	}
	if len(updates) != 2 || len(thread) != 2 {
		t.Fatalf("%d updates and %d thread lines, want 2 and 2: %+v", len(updates), len(thread), posts)
	}
	first := strings.Join(blockTexts(t, updates[0].Blocks), "\n")
	if updates[0].Channel != "CSOCIAL" || updates[0].TS != c.Delivery.TS || !strings.Contains(first, "Acknowledged by <@UBEN>") ||
		!strings.Contains(updates[0].Blocks, `"action_id":"resolve"`) {
		t.Errorf("first update: %+v\n%s", updates[0], first)
	}
	last := strings.Join(blockTexts(t, updates[1].Blocks), "\n")
	if !strings.Contains(last, "Resolved by <@UANNA>") || strings.Contains(updates[1].Blocks, `"action_id"`) {
		t.Errorf("a resolved alert keeps its buttons or lacks its status:\n%s", updates[1].Blocks)
	}
	if thread[0].Text != "<@UBEN> acknowledged the case" || thread[1].Text != "<@UANNA> resolved the case: answered on the forum" {
		t.Errorf("thread: %q, %q", thread[0].Text, thread[1].Text)
	}
	got, _, _ := w.Cases().Get(ctx, id)
	var actions []string
	for _, ev := range got.History {
		actions = append(actions, ev.Actor+":"+ev.Action)
	}
	if want := "earshot:opened earshot:alerted UBEN:ack UANNA:resolve"; strings.Join(actions, " ") != want {
		t.Errorf("history %v, want %s", actions, want)
	}
}

func TestSnoozeEndsWithFreshDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		id := openComplaint(t, w, "snooze-1")
		synctest.Wait()
		time.Sleep(10 * time.Minute)
		if _, err := w.Snooze(context.Background(), id, "UANNA", time.Hour); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		before := len(fn.snapshot()) // alert, snooze line
		time.Sleep(59 * time.Minute)
		synctest.Wait()
		if n := len(fn.snapshot()); n != before {
			t.Fatalf("%d messages during the snooze", n-before)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != before+1 || !strings.Contains(posts[before].Msg.Text, "<@UANNA> the snooze is over") {
			t.Fatalf("after the snooze: %+v", posts[before:])
		}
		c, _, _ := w.Cases().Get(context.Background(), id)
		if c.State != StateAlerted || c.Escalation.Reminded {
			t.Errorf("after snooze: state %s, escalation %+v", c.State, c.Escalation)
		}
		// The reminder comes 1h30 after the snooze ended, not at once.
		time.Sleep(88 * time.Minute)
		synctest.Wait()
		if n := len(fn.snapshot()); n != before+1 {
			t.Fatalf("reminder too early")
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if posts := fn.snapshot(); len(posts) != before+2 || !strings.Contains(posts[before+1].Msg.Text, "reminder") {
			t.Fatalf("no reminder after the snooze")
		}
	})
}

func TestTwoInstancesRemindOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kv, fn := newMemKV(), newFakeNotifier()
		w1, err := newWorkflow(testConfig(), kv, fn, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		openComplaint(t, w1, "two-1")
		stop1 := stages(t, w1)
		defer stop1()
		synctest.Wait()
		w2, err := newWorkflow(testConfig(), kv, fn, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop2 := stages(t, w2)
		defer stop2()
		time.Sleep(2*time.Hour + time.Minute)
		synctest.Wait()
		var reminders, deputies int
		for _, p := range fn.snapshot() {
			switch {
			case strings.Contains(p.Msg.Text, "reminder"):
				reminders++
			case strings.Contains(p.Msg.Text, "<@UBEN>"):
				deputies++
			}
		}
		if reminders != 1 || deputies != 1 {
			t.Errorf("two instances sent %d reminders and %d deputy messages, want 1 and 1", reminders, deputies)
		}
	})
}

func TestSilences(t *testing.T) {
	for _, tc := range []struct {
		name    string
		silence config.Silence
		muted   bool
	}{
		{"topic", config.Silence{Match: config.SilenceMatch{Topic: config.StringList{"delivery"}}, Until: testTime.Add(time.Hour)}, true},
		{"text, any case", config.Silence{Match: config.SilenceMatch{Text: "NICHT ANGEKOMMEN"}, Until: testTime.Add(time.Hour)}, true},
		{"rule and source", config.Silence{Match: config.SilenceMatch{Rule: config.StringList{"lieferprobleme"}, Source: config.StringList{"google-news-de"}}, Until: testTime.Add(time.Hour)}, true},
		{"expired", config.Silence{Match: config.SilenceMatch{Topic: config.StringList{"delivery"}}, Until: testTime}, false},
		{"other source", config.Silence{Match: config.SilenceMatch{Source: config.StringList{"reddit"}}, Until: testTime.Add(time.Hour)}, false},
		{"empty", config.Silence{Until: testTime.Add(time.Hour)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Silences = []config.Silence{tc.silence}
			w, err := newWorkflow(cfg, newMemKV(), newFakeNotifier(), nil, func() time.Time { return testTime }, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := complaint("sil").Encode()
			if err := w.handleVerdict(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			ids, _ := w.Cases().IDs(context.Background())
			if muted := len(ids) == 0; muted != tc.muted {
				t.Errorf("muted = %v, want %v", muted, tc.muted)
			}
		})
	}
}

func TestDirectMessageRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Routes[0].Channel = ""
		fn := newFakeNotifier()
		w, err := newWorkflow(cfg, newMemKV(), fn, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		defer stop()
		openComplaint(t, w, "dm-1")
		synctest.Wait()
		time.Sleep(2*time.Hour + time.Minute)
		synctest.Wait()
		posts := fn.snapshot()
		if len(posts) != 3 || posts[0].Dest != "UANNA" || posts[1].Msg.ThreadTS != posts[0].TS || posts[2].Dest != "UBEN" ||
			!strings.Contains(posts[2].Msg.Text, "<https://example.com/post/dm-1|open the mention>") {
			t.Fatalf("direct messages: %+v", posts)
		}
	})
}

func TestUnknownOwnerDirectMessageFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Routes[0].Channel = ""
		cfg.Routes[0].Owner = "nobody@acme.de"
		fn := newFakeNotifier()
		m := NewMetrics(nil)
		w, err := newWorkflow(cfg, newMemKV(), fn, m, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		defer stop()
		id := openComplaint(t, w, "dm-2")
		synctest.Wait()
		c, _, _ := w.Cases().Get(context.Background(), id)
		if c.Delivery.Failed != "no_recipient" {
			t.Errorf("delivery %+v", c.Delivery)
		}
		posts := fn.snapshot()
		if len(posts) != 1 || posts[0].Dest != "#earshot-admin" || !strings.Contains(posts[0].Msg.Text, "nobody@acme.de") {
			t.Errorf("admin report: %+v", posts)
		}
		if counterValue(m.DeliveryFailures.WithLabelValues("no_recipient")) != 1 {
			t.Error("failure not counted")
		}
	})
}
