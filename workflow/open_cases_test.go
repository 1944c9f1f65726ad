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
