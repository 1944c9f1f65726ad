package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestConcurrentAcknowledgementsOneWins(t *testing.T) {
	env := startJS(t)
	store := NewStore(env.cases, nil, nil)
	ctx := context.Background()
	for round := range 5 {
		c := goldenCase()
		c.ID = fmt.Sprintf("race%d", round)
		if err := store.create(ctx, c); err != nil {
			t.Fatal(err)
		}
		const clickers = 2
		var wg sync.WaitGroup
		errs := make([]error, clickers)
		start := make(chan struct{})
		for i := range clickers {
			wg.Go(func() {
				<-start
				_, errs[i] = store.Act(ctx, c.ID, fmt.Sprintf("U%d", i), ActionAck, "")
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var te *TransitionError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &te):
				if te.State != StateAcknowledged || te.By == "" {
					t.Errorf("loser told %+v", te)
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d acknowledgements won, want exactly 1 (%v)", round, wins, errs)
		}
		got, _, err := store.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		acks := 0
		for _, ev := range got.History {
			if ev.Action == string(ActionAck) {
				acks++
			}
		}
		if got.State != StateAcknowledged || acks != 1 {
			t.Errorf("state %s with %d ack events, want acknowledged once", got.State, acks)
		}
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from   State
		action Action
		to     State // "" = refused
	}{
		{StateAlerted, ActionAck, StateAcknowledged},
		{StateNew, ActionAck, StateAcknowledged},
		{StateAcknowledged, ActionAck, ""},
		{StateAcknowledged, ActionTake, StateAcknowledged},
		{StateAlerted, ActionSnooze, StateSnoozed},
		{StateSnoozed, ActionAck, StateAcknowledged},
		{StateAcknowledged, ActionReplied, StateReplied},
		{StateReplied, ActionResolve, StateResolved},
		{StateReplied, ActionAck, ""},
		{StateResolved, ActionAck, ""},
		{StateResolved, ActionFalsePositive, ""},
		{StateAlerted, ActionFalsePositive, StateFalsePositive},
		{StateFalsePositive, ActionResolve, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%s", tc.from, tc.action), func(t *testing.T) {
			c := &Case{ID: "x", State: tc.from, Owner: "anna@acme.de"}
			err := c.apply(tc.action, "UKIM", "note", testTime)
			if tc.to == "" {
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("apply = %v, want a TransitionError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := c.History[len(c.History)-1]
			if c.State != tc.to || last.Actor != "UKIM" || last.From != tc.from || last.To != tc.to || !last.At.Equal(testTime) {
				t.Errorf("state %s, history %+v", c.State, last)
			}
			if tc.action == ActionTake && c.Owner != "UKIM" {
				t.Errorf("take left owner %s", c.Owner)
			}
		})
	}
}

// TestStoreEach checks that Each returns every case once, in its latest
// version, and nothing else of the bucket, from JetStream and from the
// in-memory store.
func TestStoreEach(t *testing.T) {
	env := startJS(t)
	for name, kv := range map[string]caseKV{"jetstream": jsKV{env.cases}, "memory": newMemKV()} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := newStore(kv, nil, nil)
			want := map[string]State{}
			for i := range 20 {
				c := goldenCase()
				c.ID = fmt.Sprintf("each%02d", i)
				if err := store.create(ctx, c); err != nil {
					t.Fatal(err)
				}
				want[c.ID] = c.State
			}
			// A case changed twice is read in its last version; a deleted
			// one and the other records of the bucket are not read.
			if _, err := store.Act(ctx, "each03", "U1", ActionAck, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Act(ctx, "each03", "U1", ActionResolve, ""); err != nil {
				t.Fatal(err)
			}
			want["each03"] = StateResolved
			if err := kv.del(ctx, casePrefix+"each07"); err != nil {
				t.Fatal(err)
			}
			delete(want, "each07")
			for _, k := range []string{pendingKey("each01"), instanceKey("i1"), incidentPrefix + "abc"} {
				if _, err := kv.create(ctx, k, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := kv.create(ctx, casePrefix+"broken", []byte(`{not json`)); err != nil {
				t.Fatal(err)
			}
			got := map[string]State{}
			var bad []string
			err := store.Each(ctx, func(c *Case) error {
				if _, dup := got[c.ID]; dup {
					t.Errorf("case %s read twice", c.ID)
				}
				got[c.ID] = c.State
				return nil
			}, func(id string, err error) { bad = append(bad, id) })
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("Each read %v, want %v", got, want)
			}
			if !slices.Equal(bad, []string{"broken"}) {
				t.Errorf("undecodable cases reported: %v, want [broken]", bad)
			}
		})
	}
}

// BenchmarkReadAllCases reads 5,000 stored cases as a restart does: with
// Each (one watcher) and, as the baseline in the same run, the way resume
// read them before (the list of keys, then a request per case).
// x_baseline is how many times faster Each is.
func BenchmarkReadAllCases(b *testing.B) {
	env := startJS(b)
	store := NewStore(env.cases, nil, nil)
	ctx := context.Background()
	const n = 5000
	for i := range n {
		c := goldenCase()
		c.ID = fmt.Sprintf("bench%05d", i)
		if err := store.create(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	var each, oneByOne time.Duration
	for b.Loop() {
		start := time.Now()
		read := 0
		if err := store.Each(ctx, func(*Case) error { read++; return nil }, func(string, error) {}); err != nil || read != n {
			b.Fatalf("Each read %d of %d: %v", read, n, err)
		}
		each += time.Since(start)

		start = time.Now()
		ids, err := store.IDs(ctx)
		if err != nil {
			b.Fatal(err)
		}
		read = 0
		for _, id := range ids {
			if _, _, err := store.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
			read++
		}
		if read != n {
			b.Fatalf("read %d of %d one by one", read, n)
		}
		oneByOne += time.Since(start)
	}
	b.ReportMetric(float64(each.Milliseconds())/float64(b.N), "each-ms")
	b.ReportMetric(float64(oneByOne.Milliseconds())/float64(b.N), "one-by-one-ms")
	b.ReportMetric(float64(oneByOne)/float64(each), "x_baseline")
}

// BenchmarkStartReadsCases reads 5,000 stored cases (alerted, with an
// escalation to schedule) as a start does now: the open-case count's
// watcher reads them once and hands them to resume. The baseline, in the
// same run, is how a start read them before: resume with Each beside the
// count's own watcher, two reads at once. cpu-ms is the process's CPU time
// (the embedded server's included); x_baseline and x_cpu are how many times
// faster and cheaper the one read is.
func BenchmarkStartReadsCases(b *testing.B) {
	env := startJS(b)
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Alone: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const n = 5000
	for i := range n {
		c := goldenCase()
		c.ID = fmt.Sprintf("bench%05d", i)
		c.Delivery = Delivery{Channel: "C1", TS: "1700000000.000100"}
		if err := w.store.create(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	bad := func(id string, err error) { b.Fatalf("case %s: %v", id, err) }
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// follow runs the open-case count's watcher until its stored values
	// are in, then stops it.
	follow := func(first *firstPass) {
		o := newOpenCases()
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- o.follow(ctx, env.cases, bad, first) }()
		for {
			<-o.changed
			o.mu.Lock()
			ready, open := o.ready, len(o.cases)
			o.mu.Unlock()
			if ready {
				if open != n {
					b.Fatalf("%d open cases counted, want %d", open, n)
				}
				break
			}
		}
		cancel()
		<-done
	}
	var once, twice, onceCPU, twiceCPU time.Duration
	for b.Loop() {
		start, c0 := time.Now(), cpu()
		first := newFirstPass(w.track)
		follow(first)
		if err := w.resumeFrom(ctx, first); err != nil {
			b.Fatal(err)
		}
		once += time.Since(start)
		onceCPU += cpu() - c0

		start, c0 = time.Now(), cpu()
		var wg sync.WaitGroup
		wg.Go(func() { follow(nil) })
		if err := w.resume(ctx); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		twice += time.Since(start)
		twiceCPU += cpu() - c0
	}
	if got := w.esc.pending(); got != n {
		b.Fatalf("%d escalations scheduled, want %d", got, n)
	}
	b.ReportMetric(float64(once.Milliseconds())/float64(b.N), "once-ms")
	b.ReportMetric(float64(twice.Milliseconds())/float64(b.N), "twice-ms")
	b.ReportMetric(float64(onceCPU.Milliseconds())/float64(b.N), "once-cpu-ms")
	b.ReportMetric(float64(twiceCPU.Milliseconds())/float64(b.N), "twice-cpu-ms")
	b.ReportMetric(float64(twice)/float64(once), "x_baseline")
	b.ReportMetric(float64(twiceCPU)/float64(onceCPU), "x_cpu")
}
