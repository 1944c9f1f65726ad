package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// TestBacktest stores mentions and the verdicts decided then, and replays
// them through a config with a new rule: the mention the rule catches is
// newly flagged, nothing else changes.
func TestBacktest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, "data_dir: "+filepath.Join(dir, "data")+`
brand: {terms: [ACME]}
rules:
  packs: []
  custom:
    - {name: late, topic: delivery, criticism: true, query: 'late'}
    - {name: cold, topic: product, criticism: true, query: 'cold'}
routes:
  - {name: care, match: {}, owner: U123ABC}
`)
	ctx := context.Background()
	cfg, ok := loadConfig(path, io.Discard)
	if !ok {
		t.Fatal("config")
	}
	st, err := openBroker(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// What the daemon stored with the old rules (only "late").
	store := func(m mention.Mention, v *mention.Verdict) {
		m.FirstSeen = time.Now()
		b, _ := m.Encode()
		if _, err := st.js.Publish(ctx, mention.MentionSubject(m.Source), b, jetstream.WithMsgID(m.ID)); err != nil {
			t.Fatal(err)
		}
		if v != nil {
			v.Mention = m
			b, _ = v.Encode()
			if _, err := st.js.Publish(ctx, mention.VerdictSubject(v.Topic()), b, jetstream.WithMsgID(m.ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	store(mention.Mention{ID: "s:1", Source: "s", Text: "ACME delivery was late"}, &mention.Verdict{Criticism: true, Topics: []string{"delivery"}})
	store(mention.Mention{ID: "s:2", Source: "s", Text: "ACME coffee arrived cold"}, &mention.Verdict{Criticism: false})
	store(mention.Mention{ID: "s:3", Source: "s", Text: "ACME is fine"}, &mention.Verdict{Criticism: false})
	store(mention.Mention{ID: "s:4", Source: "s", Text: "nothing about us"}, nil)

	b, err := compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := backtest(ctx, b, st, time.Now().Add(-time.Hour), nil)
	st.close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.mentions, 4; got != want {
		t.Errorf("replayed %d mentions, want %d", got, want)
	}
	var out bytes.Buffer
	res.print(&out, "1h", 3)
	for _, want := range []string{"4 mentions of the last 1h: 1 would be decided differently", "newly flagged as criticism: 1", "arrived cold"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output\n%s\ndoes not contain %q", out.String(), want)
		}
	}

	// The CLI end to end, on the store another "process" wrote.
	code, stdout, stderr := runCLI(t, "", "backtest", "--config", path, "--since", "1h")
	if code != exitOK || !strings.Contains(stdout, "newly flagged as criticism: 1") {
		t.Errorf("backtest CLI: exit %d\n%s%s", code, stdout, stderr)
	}
}
