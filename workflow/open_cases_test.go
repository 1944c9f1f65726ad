package workflow

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// openGauge reads earshot_cases_open from set: the value by state/route,
// and whether the metric is reported at all.
func openGauge(t *testing.T, set *metrics.Set) (map[string]float64, bool) {
	t.Helper()
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	out, found := map[string]float64{}, false
	for line := range strings.Lines(buf.String()) {
		labels, ok := strings.CutPrefix(strings.TrimSpace(line), "earshot_cases_open{")
		if !ok {
			continue
		}
		found = true
		labels, value, _ := strings.Cut(labels, "} ")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		var state, route string
		if _, err := fmt.Sscanf(strings.ReplaceAll(labels, ",", " "), "state=%q route=%q", &state, &route); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out[state+"/"+route] = v
	}
	return out, found
}

// TestOpenCasesGauge checks earshot_cases_open against the store: cases
// stored before the start count, new ones join, a closed one leaves.
func TestOpenCasesGauge(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	// One case from an earlier run, acknowledged.
	old := goldenCase()
	old.ID, old.State = "earlier", StateAcknowledged
	if err := NewStore(env.cases, nil, nil).create(ctx, old); err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewSet()
	m := NewMetrics(reg)
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: newSignal(), Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	want := func(what string, exp map[string]float64) {
		t.Helper()
		waitFor(t, m.Open.changed, 20*time.Second, what, func() bool {
			got, ok := openGauge(t, reg)
			return ok && fmt.Sprint(got) == fmt.Sprint(exp)
		})
	}
	want("the stored case counted", map[string]float64{"acknowledged/delivery": 1})
	for _, id := range []string{"open-1", "open-2"} {
		env.publish(t, complaint(id))
	}
	for _, id := range []string{"open-1", "open-2"} {
		env.waitCase(t, CaseID(id, "delivery"), func(c *Case) bool { return c.State == StateAlerted })
	}
	want("the new cases counted", map[string]float64{"acknowledged/delivery": 1, "alerted/delivery": 2})
	if _, err := w.Cases().Act(ctx, CaseID("open-1", "delivery"), "UANNA", ActionResolve, ""); err != nil {
		t.Fatal(err)
	}
	want("the resolved case gone", map[string]float64{"acknowledged/delivery": 1, "alerted/delivery": 1})
	// A record that does not decode is counted where an operator sees it.
	if _, err := env.cases.Put(ctx, casePrefix+"garbled", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	want("the unreadable case counted", map[string]float64{"acknowledged/delivery": 1, "alerted/delivery": 1, "unreadable/": 1})
	if err := env.cases.Delete(ctx, casePrefix+"garbled"); err != nil {
		t.Fatal(err)
	}
	want("the deleted case gone", map[string]float64{"acknowledged/delivery": 1, "alerted/delivery": 1})
}

// TestGivenUpFromWatcher: the open-case watcher knows which alerts were
// given up on, so the periodic retry reads those cases instead of the whole
// bucket, and delivers them.
func TestGivenUpFromWatcher(t *testing.T) {
	env := startJS(t)
	ctx := context.Background()
	reg := metrics.NewSet()
	m := NewMetrics(reg)
	out := newSignal()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out, Metrics: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)
	// Stored once the start has read the bucket (a given-up case stored
	// before is retried by the start).
	waitFor(t, m.Open.changed, 20*time.Second, "the stored cases read", func() bool {
		_, ok := m.Open.givenUp(true)
		return ok
	})
	// Cases given up on while running, as another instance or an earlier
	// delivery left them: one the retry takes, one only a reload takes.
	store := NewStore(env.cases, nil, nil)
	for id, failed := range map[string]string{"gone-1": "not_in_channel", "gone-2": "invalid_blocks"} {
		c := goldenCase()
		c.ID, c.State, c.Delivery.Failed = id, StateNew, failed
		if err := store.create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, m.Open.changed, 20*time.Second, "the watcher sees both", func() bool {
		ids, ok := m.Open.givenUp(true)
		return ok && fmt.Sprint(ids) == "[gone-1 gone-2]"
	})
	if ids, _ := m.Open.givenUp(false); fmt.Sprint(ids) != "[gone-1]" {
		t.Errorf("periodic retry would read %v, want [gone-1]", ids)
	}
	w.retryGivenUp(ctx, false)
	c := env.waitCase(t, "gone-1", func(c *Case) bool { return c.Delivery.TS != "" })
	if c.Delivery.Retries != 1 || c.Delivery.Failed != "" {
		t.Errorf("delivery %+v, want sent on the first retry", c.Delivery)
	}
	waitFor(t, m.Open.changed, 20*time.Second, "the delivered case no longer given up", func() bool {
		ids, ok := m.Open.givenUp(true)
		return ok && fmt.Sprint(ids) == "[gone-2]"
	})
	if c, _, _ := store.Get(ctx, "gone-2"); c.Delivery.Failed != "invalid_blocks" || c.Delivery.Retries != 0 {
		t.Errorf("malformed alert touched by the periodic retry: %+v", c.Delivery)
	}
}
