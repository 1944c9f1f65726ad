package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/earshot/earshot/mention"
)

// openVerdict routes v as the verdict consumer does.
func openVerdict(t *testing.T, w *Workflow, v mention.Verdict) {
	t.Helper()
	b, err := v.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.handleVerdict(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func topLevel(posts []fakePost) []fakePost {
	var out []fakePost
	for _, p := range posts {
		if p.Msg.ThreadTS == "" {
			out = append(out, p)
		}
	}
	return out
}

func inThread(posts []fakePost, ts string) []fakePost {
	var out []fakePost
	for _, p := range posts {
		if p.Msg.ThreadTS == ts {
			out = append(out, p)
		}
	}
	return out
}

func TestIncidentGroupsATopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fn := newFakeNotifier()
		kv := newMemKV()
		m := NewMetrics(nil)
		w, err := newWorkflow(testConfig(), kv, fn, m, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		defer stop()
		ctx := context.Background()

		// Two critical mentions: alerted one by one, at once.
		openComplaint(t, w, "inc-1")
		openComplaint(t, w, "inc-2")
		synctest.Wait()
		if posts := fn.snapshot(); len(topLevel(posts)) != 2 {
			t.Fatalf("first two: %+v", posts)
		}
		// The third within the window makes an incident: the burst is
		// collected for group_wait, then one message, the alerts in its thread.
		var ids []string
		for i := 3; i <= 5; i++ {
			ids = append(ids, openComplaint(t, w, fmt.Sprintf("inc-%d", i)))
		}
		synctest.Wait()
		if n := len(fn.snapshot()); n != 2 {
			t.Fatalf("%d messages before group_wait ended", n)
		}
		time.Sleep(DefaultGroupWait)
		flushed := time.Now()
		// At one message a second (burst 3) the thread takes a moment.
		time.Sleep(5 * time.Second)
		synctest.Wait()
		posts := fn.snapshot()
		top := topLevel(posts)
		if len(top) != 3 || !strings.Contains(top[2].Msg.Text, "Incident: 5 critical mentions, topic delivery") || top[2].Dest != "#social-care" {
			t.Fatalf("incident message: %+v", top)
		}
		incTS := top[2].TS
		if th := inThread(posts, incTS); len(th) != 3 {
			t.Fatalf("%d alerts in the incident's thread, want 3", len(th))
		}
		for _, id := range ids {
			c, _, _ := w.Cases().Get(ctx, id)
			if c.Incident != "delivery|topic|delivery" || c.Delivery.ThreadTS != incTS || c.State != StateAlerted {
				t.Errorf("case %s: incident %q delivery %+v state %s", id, c.Incident, c.Delivery, c.State)
			}
		}
		if counterValue(m.Incidents) != 1 {
			t.Error("incident not counted")
		}

		// One more joins the thread after group_interval, and the message
		// is updated in place with the count.
		openComplaint(t, w, "inc-6")
		synctest.Wait()
		time.Sleep(time.Until(flushed.Add(DefaultGroupInterval - time.Second)))
		synctest.Wait()
		if n := len(inThread(fn.snapshot(), incTS)); n != 3 {
			t.Errorf("joined before group_interval: %d in thread", n)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := len(inThread(fn.snapshot(), incTS)); n != 4 {
			t.Errorf("%d in thread after group_interval, want 4", n)
		}
		up := fn.updated()
		if len(up) != 1 || up[0].TS != incTS || !strings.Contains(up[0].Msg.Text, "Incident: 6 critical mentions") {
			t.Errorf("incident updates %+v", up)
		}
		b, _, err := kv.get(ctx, incidentPrefix+incidentHash("delivery|topic|delivery"))
		var rec Incident
		if err != nil || json.Unmarshal(b, &rec) != nil || rec.Earlier != 2 || len(rec.Cases) != 4 || rec.TS != incTS {
			t.Errorf("stored incident %s: %v", b, err)
		}

		// A quiet window ends the incident: the next mention is alerted on its own.
		time.Sleep(DefaultIncidentWindow)
		synctest.Wait()
		before := len(topLevel(fn.snapshot()))
		openComplaint(t, w, "inc-7")
		synctest.Wait()
		if top := topLevel(fn.snapshot()); len(top) != before+1 || !strings.Contains(top[len(top)-1].Msg.Text, "HIGH criticism") {
			t.Errorf("after the incident: %+v", top[before:])
		}
	})
}

func TestIncidentGroupsAThread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, fn, stop := staged(t)
		defer stop()
		// Three comments in one forum thread, about three different topics.
		for i, topic := range []string{"billing", "returns", "support"} {
			v := complaint(fmt.Sprintf("thread-%d", i))
			v.Topics = []string{topic}
			v.Rules[0].Topic = topic
			v.Mention.URL = fmt.Sprintf("https://www.Forum.example.com/t/123/?page=2#c%d", i)
			openVerdict(t, w, v)
		}
		synctest.Wait()
		time.Sleep(DefaultGroupWait)
		synctest.Wait()
		top := topLevel(fn.snapshot())
		if len(top) != 3 || !strings.Contains(top[2].Msg.Text, "thread forum.example.com/t/123") {
			t.Fatalf("thread incident: %+v", top)
		}
		if n := len(inThread(fn.snapshot(), top[2].TS)); n != 1 {
			t.Errorf("%d alerts in the thread, want 1", n)
		}
	})
}

func TestThreadKey(t *testing.T) {
	for raw, want := range map[string]string{
		"https://www.example.com/a/b/?x=1#c2":                         "example.com/a/b",
		"https://old.reddit.com/r/acme/comments/abc123/title/def456/": "old.reddit.com/r/acme/comments/abc123",
		"http://Example.com":                                          "example.com",
		"javascript:alert(1)":                                         "",
		"":                                                            "",
	} {
		if got := threadKey(raw); got != want {
			t.Errorf("threadKey(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestSpikeRaisesCrisisAgainstBaseline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kv := newMemKV()
		fn := newFakeNotifier()
		m := NewMetrics(nil)
		w, err := newWorkflow(testConfig(), kv, fn, m, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		ctx := context.Background()
		v := complaint("spike")
		spike := func(w *Workflow, n int) {
			for range n {
				w.watchSpike(ctx, &v, w.Router().Route(&v))
			}
			synctest.Wait()
		}
		// Two days of listening: one complaint an hour about delivery,
		// ten an hour about a busy topic.
		busy := complaint("busy")
		busy.Topics = []string{"app"}
		for range 48 {
			spike(w, 1)
			for range 10 {
				w.watchSpike(ctx, &busy, w.Router().Route(&busy))
			}
			time.Sleep(time.Hour)
		}
		if len(fn.snapshot()) != 0 {
			t.Fatalf("alerts while learning: %+v", fn.snapshot())
		}
		b, err := w.Baseline(ctx, "delivery")
		if err != nil || b == nil || b.Hours < 47 {
			t.Fatalf("baseline %+v %v", b, err)
		}
		// Four this hour is not a crisis (spikeMin), the fifth is.
		spike(w, 4)
		if len(fn.snapshot()) != 0 {
			t.Fatal("crisis below the minimum")
		}
		spike(w, 1)
		posts := fn.snapshot()
		if len(posts) != 1 || posts[0].Dest != "UBOSS" || !strings.Contains(posts[0].Msg.Text, "<@UBOSS>") ||
			!strings.Contains(posts[0].Msg.Text, "Possible crisis:* 5 critical mentions about *delivery*") {
			t.Fatalf("crisis alert: %+v", posts)
		}
		spike(w, 5)
		if len(fn.snapshot()) != 1 {
			t.Error("second crisis alert within the cooldown")
		}
		// Twelve for the busy topic is within its usual ten.
		for range 12 {
			w.watchSpike(ctx, &busy, w.Router().Route(&busy))
		}
		synctest.Wait()
		if len(fn.snapshot()) != 1 || counterValue(m.Crises) != 1 {
			t.Errorf("busy topic raised a crisis: %+v", fn.snapshot())
		}
		stop()

		// The baseline survives a restart: another instance on the same
		// bucket judges at once, after the cooldown.
		fn2 := newFakeNotifier()
		w2, err := newWorkflow(testConfig(), kv, fn2, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop2 := stages(t, w2)
		defer stop2()
		time.Sleep(spikeCooldown)
		spike(w2, 5)
		if posts := fn2.snapshot(); len(posts) != 1 || posts[0].Dest != "UBOSS" {
			t.Errorf("after restart: %+v", posts)
		}
	})
}

// twoInstances starts two workflow instances on one bucket and one Slack,
// with their heartbeats; stop stops one.
func twoInstances(t *testing.T) (a, b *Workflow, fn *fakeNotifier, kv *memKV, stop func(w *Workflow)) {
	t.Helper()
	kv, fn = newMemKV(), newFakeNotifier()
	stops := map[*Workflow]func(){}
	for _, w := range []**Workflow{&a, &b} {
		var err error
		if *w, err = newWorkflow(testConfig(), kv, fn, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopStages := stages(t, *w)
		done := make(chan struct{})
		go func() { (*w).runInstance(ctx); close(done) }()
		stops[*w] = sync.OnceFunc(func() { cancel(); <-done; stopStages() })
	}
	t.Cleanup(func() {
		for _, s := range stops {
			s()
		}
	})
	synctest.Wait()
	return a, b, fn, kv, func(w *Workflow) { stops[w]() }
}

// TestIncidentAcrossInstances splits a burst between two instances: the
// group counts the mentions of both, one incident message is posted (by
// the instance whose mention opened it), and the other instance's cases go
// into its thread, with the message updated to the whole count.
func TestIncidentAcrossInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, fn, kv, _ := twoInstances(t)
		// One and two are alerted on their own; the third opens the
		// incident on a, which b could not see in its own memory.
		openComplaint(t, a, "multi-1")
		openComplaint(t, b, "multi-2")
		openComplaint(t, a, "multi-3")
		openComplaint(t, b, "multi-4")
		openComplaint(t, b, "multi-5")
		openComplaint(t, a, "multi-6")
		synctest.Wait()
		time.Sleep(DefaultGroupWait + 10*time.Second)
		synctest.Wait()
		posts := fn.snapshot()
		top := topLevel(posts)
		var incidents []fakePost
		for _, p := range top {
			if strings.HasPrefix(p.Msg.Text, "Incident:") {
				incidents = append(incidents, p)
			}
		}
		if len(top) != 3 || len(incidents) != 1 {
			t.Fatalf("%d top-level messages, %d incident messages; want 3 and 1: %+v", len(top), len(incidents), top)
		}
		ts := incidents[0].TS
		if n := len(inThread(posts, ts)); n != 4 {
			t.Errorf("%d alerts in the incident's thread, want 4 (of both instances)", n)
		}
		up := fn.updated()
		if len(up) == 0 || !strings.Contains(up[len(up)-1].Msg.Text, "Incident: 6 critical mentions") {
			t.Errorf("incident message not updated to the whole count: %+v", up)
		}
		raw, _, err := kv.get(context.Background(), incidentPrefix+incidentHash("delivery|topic|delivery"))
		var rec Incident
		if err != nil || json.Unmarshal(raw, &rec) != nil || len(rec.Cases) != 4 || rec.Earlier != 2 || rec.Owner != a.instance || rec.TS != ts {
			t.Errorf("stored incident %s: %v", raw, err)
		}
	})
}

// TestIncidentOwnerStops stops the instance that opened an incident before
// it posted the message: the other instance posts it for its own cases,
// and takes over the stopped instance's held case, which is alerted once.
func TestIncidentOwnerStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, fn, _, stop := twoInstances(t)
		openComplaint(t, b, "own-1")
		openComplaint(t, b, "own-2")
		openComplaint(t, a, "own-3") // opens the incident, owned by a
		openComplaint(t, b, "own-4")
		synctest.Wait()
		stop(a)
		time.Sleep(DefaultGroupWait + 10*time.Second)
		synctest.Wait()
		posts := fn.snapshot()
		var incidents []fakePost
		for _, p := range topLevel(posts) {
			if strings.HasPrefix(p.Msg.Text, "Incident:") {
				incidents = append(incidents, p)
			}
		}
		if len(incidents) != 1 {
			t.Fatalf("%d incident messages, want 1 posted by the instance left: %+v", len(incidents), topLevel(posts))
		}
		if n := len(inThread(posts, incidents[0].TS)); n != 1 {
			t.Errorf("%d alerts in the thread, want b's one", n)
		}
		time.Sleep(instanceDeadAfter + sweepEvery)
		synctest.Wait()
		c, _, err := b.Cases().Get(context.Background(), CaseID("own-3", "delivery"))
		if err != nil || c.Delivery.TS == "" {
			t.Errorf("a's held case not delivered after a stopped: %+v, %v", c, err)
		}
		if n := len(fn.snapshot()); n != 5 {
			t.Errorf("%d messages, want 5: two alerts, the incident, its thread's one, a's case", n)
		}
	})
}
