package workflow

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The console has no rate limit: a burst is printed at once, every alert
// in full, never grouped behind a header line.
func TestConsoleIsImmediateAndUngrouped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := newSignal()
		cfg := testConfig()
		cfg.Slack.PerChannelRate = 1
		w, err := newWorkflow(cfg, newMemKV(), newConsoleNotifier(out), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := stages(t, w)
		defer stop()
		began := time.Now()
		var ids []string
		for i := range 12 {
			ids = append(ids, openComplaint(t, w, fmt.Sprintf("console-%02d", i)))
		}
		synctest.Wait()
		if d := time.Since(began); d != 0 {
			t.Errorf("console delivery took %s of (fake) time", d)
		}
		text := out.String()
		if n := strings.Count(text, "=== HIGH criticism · delivery ==="); n != 12 {
			t.Errorf("%d full alerts printed, want 12:\n%s", n, text)
		}
		if strings.Contains(text, "details follow") || strings.Contains(text, "  ↳ ") {
			t.Errorf("console output grouped:\n%s", text)
		}
		// Acting on a case prints at once too.
		if _, err := w.Act(context.Background(), ids[0], "anna", ActionAck, ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !strings.Contains(out.String(), "acknowledged the case") || time.Since(began) != 0 {
			t.Errorf("ack not printed at once:\n%s", out.String())
		}
	})
}
