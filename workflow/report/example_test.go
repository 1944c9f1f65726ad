package report_test

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/workflow/report"
)

// Example shows how `earshot report --since 7d --out DIR` renders a report
// from a store: collect, compute in the report's time zone, write the files.
func Example() {
	var (
		ctx context.Context     // from signal.NotifyContext
		js  jetstream.JetStream // connected to the embedded or external server
		cfg *config.Config      // loaded and validated
	)
	if ctx == nil {
		return // the wiring above is only sketched
	}
	to := time.Now()
	from := to.Add(-7 * 24 * time.Hour)
	d, err := report.Collect(ctx, report.Store{JS: js}, from, to)
	if err != nil {
		return
	}
	r := report.Compute(d, cfg, from, to, time.Local)
	_ = r.WriteDir("out")
}

// ExampleScheduler shows the scheduled reports in `earshot run`: Run under
// the daemon's errgroup, Update on every config reload.
func ExampleScheduler() {
	var (
		ctx   context.Context
		js    jetstream.JetStream
		cases jetstream.KeyValue
		cfg   *config.Config
		api   *slack.Client // nil: reports go to the log
		log   *slog.Logger
	)
	if ctx == nil {
		return
	}
	s := report.NewScheduler(cfg.Reports, report.Store{JS: js, Cases: cases}, cfg, api, log)
	go func() { _ = s.Run(ctx) }()
	// On reload:
	s.Update(cfg.Reports, cfg)
}
