package workflow

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/earshot/earshot/config"
)

func TestConsoleEndToEnd(t *testing.T) {
	env := startJS(t)
	out := newSignal()
	reg := metrics.NewSet()
	m := NewMetrics(reg)
	logs := newSignal()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: out, Metrics: m}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	runWorkflow(t, w)

	base := complaint("m-base")
	base.Mention.Baseline = true
	env.publish(t, praise("m-praise"))
	env.publish(t, base)
	env.publish(t, complaint("m-1"))
	env.publish(t, complaint("m-1")) // the same verdict again: one alert
	waitFor(t, out.ch, 10*time.Second, "console alert", func() bool {
		return strings.Contains(out.String(), "=== HIGH criticism · delivery ===")
	})
	got := out.String()
	for _, want := range []string{"source:   google-news-de", "author:   Kim", "link:     https://example.com/post/m-1",
		"owner:    anna@acme.de", "deadline: ", "guideline delivery: Apologise", "1. Reply in public",
		"Hallo Kim, das tut uns leid", "Viele Grüße, anna"} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	id := CaseID("m-1", "delivery")
	env.waitCase(t, id, func(c *Case) bool { return c.State == StateAlerted })
	if n := counterValue(m.AlertsSent.WithLabelValues("delivery", "console")); n != 1 {
		t.Errorf("alerts sent = %v, want 1", n)
	}
	if strings.Count(got, "=== HIGH") != 1 {
		t.Errorf("want exactly one alert, got:\n%s", got)
	}
	if strings.Contains(got, "m-praise") || strings.Contains(got, "m-base") {
		t.Errorf("praise or baseline alerted:\n%s", got)
	}
	if n := strings.Count(logs.String(), "slack not configured"); n != 1 {
		t.Errorf("logged %d times that Slack is not configured, want once:\n%s", n, logs)
	}
}

func slackConfig(f *fakeSlack) *config.Config {
	cfg := testConfig()
	cfg.Slack.BotToken = "xoxb-test"
	cfg.Slack.APIURL = f.url()
	return cfg
}

func TestSlackAlertReachesOwnerOnce(t *testing.T) {
	env := startJS(t)
	f := newFakeSlack(t)
	m := NewMetrics(nil)
	logs := newSignal()
	w, err := New(slackConfig(f), Deps{JS: env.js, Cases: env.cases, Metrics: m},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorkflow(t, w)
	env.publish(t, praise("p-1"))
	env.publish(t, complaint("c-1"))
	env.publish(t, complaint("c-1"))
	env.publish(t, complaint("c-2"))
	waitFor(t, f.changed, 10*time.Second, "two alerts", func() bool { return len(f.snapshot()) >= 2 })
	id := CaseID("c-2", "delivery")
	env.waitCase(t, id, func(c *Case) bool { return c.Delivery.TS != "" })
	env.waitCase(t, CaseID("c-1", "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })
	posts := f.snapshot()
	if len(posts) != 2 {
		t.Fatalf("got %d posts, want 2", len(posts))
	}
	p := posts[0]
	if p.Channel != "CSOCIAL" {
		t.Errorf("channel = %q, want CSOCIAL", p.Channel)
	}
	for _, want := range []string{`<@UANNA>`, `<https://example.com/post/c-1|open the mention>`, "Apologise",
		`"action_id":"ack"`, `"value":"` + CaseID("c-1", "delivery") + `"`, "Hallo Kim", "Viele Grüße, anna", "*nicht angekommen*"} {
		if !strings.Contains(p.Blocks, want) && !strings.Contains(strings.Join(blockTexts(t, p.Blocks), "\n"), want) {
			t.Errorf("blocks lack %q: %s", want, p.Blocks)
		}
	}
	for _, forbidden := range []string{"parse", "link_names"} {
		if p.Values.Has(forbidden) {
			t.Errorf("request sets %s", forbidden)
		}
	}
	c, _, err := w.Cases().Get(context.Background(), CaseID("c-1", "delivery"))
	if err != nil {
		t.Fatal(err)
	}
	if c.State != StateAlerted || c.Delivery.Channel != "CSOCIAL" || c.Delivery.TS != p.TS || c.Delivery.Intent.IsZero() {
		t.Errorf("case after delivery = %+v", c.Delivery)
	}
	f.mu.Lock()
	lookups := f.lookups
	f.mu.Unlock()
	if lookups > 2 {
		t.Errorf("users.lookupByEmail called %d times, want the answers cached (at most 2: owner, deputy)", lookups)
	}
	stop()
	if l := logs.String(); strings.Contains(l, "xoxb-test") || !strings.Contains(l, "alert sent") {
		t.Errorf("logs leak the token or lack the alerts:\n%s", l)
	}
}

func TestShadowModeSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		global bool
	}{{"global", true}, {"route", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.global {
				cfg.Shadow = true
			} else {
				cfg.Routes[0].Shadow = true
			}
			kv := newMemKV()
			fn := newFakeNotifier()
			m := NewMetrics(nil)
			w, err := newWorkflow(cfg, kv, fn, m, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := complaint("s-1")
			b, _ := v.Encode()
			if err := w.handleVerdict(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if n := counterValue(m.Shadowed.WithLabelValues("delivery")); n != 1 {
				t.Errorf("shadowed = %v, want 1", n)
			}
			if ids, _ := w.Cases().IDs(context.Background()); len(ids) != 0 || w.disp.queueFor("#social-care").len() != 0 {
				t.Errorf("shadow mode opened cases %v", ids)
			}
		})
	}
}

func TestUpdateRefusesInvalidConfig(t *testing.T) {
	w, err := newWorkflow(testConfig(), newMemKV(), newFakeNotifier(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := testConfig()
	bad.Routes[0].Guideline = "nope"
	if err := w.Update(bad); err == nil {
		t.Fatal("Update accepted an unknown guideline")
	}
	if got := w.Router().Route(ptr(complaint("x")))[0].ID; got != "delivery" {
		t.Errorf("running router changed: %s", got)
	}
	good := testConfig()
	good.Routes = good.Routes[1:]
	if err := w.Update(good); err != nil {
		t.Fatal(err)
	}
	if got := w.Router().Route(ptr(complaint("x")))[0].ID; got != "general" {
		t.Errorf("router after reload routes to %s, want general", got)
	}
}

func ptr[T any](v T) *T { return &v }

// decodeBlocks returns the text of every text object in a blocks JSON.
func blockTexts(t *testing.T, blocks string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(blocks), &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// counterValue reads a counter.
func counterValue(c *metrics.Counter) float64 { return float64(c.Get()) }

func TestUserLookupIsCached(t *testing.T) {
	f := newFakeSlack(t)
	now := testTime
	u := newUserCache(newSlackNotifier("xoxb-test", f.url(), nil), func() time.Time { return now })
	ctx := context.Background()
	for range 3 {
		p, err := u.resolve(ctx, "anna@acme.de")
		if err != nil || p.id != "UANNA" || p.name != "anna" {
			t.Fatalf("resolve = %+v, %v", p, err)
		}
		if _, err := u.resolve(ctx, "ghost@acme.de"); err == nil {
			t.Fatal("unknown user resolved")
		}
		if p, _ := u.resolve(ctx, "U0ID"); p.id != "U0ID" {
			t.Fatalf("ID not taken as is: %+v", p)
		}
	}
	lookups := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.lookups }
	if n := lookups(); n != 2 {
		t.Errorf("%d lookups, want 2 (one per address)", n)
	}
	now = now.Add(missTTL + time.Second)
	_, _ = u.resolve(ctx, "ghost@acme.de")
	if n := lookups(); n != 3 {
		t.Errorf("an unknown address is not asked again after %v", missTTL)
	}
}
