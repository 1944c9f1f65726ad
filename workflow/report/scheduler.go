package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
)

// Scheduler runs the configured reports on their cron schedules: at each
// tick it collects the period that ends at the tick, computes the report
// and posts it to the report's channel (or, without a Slack client, writes
// the Markdown to the log).
type Scheduler struct {
	log *slog.Logger
	now func() time.Time
	// collect and send are Collect and Post (or the log) in production;
	// tests replace them.
	collect func(ctx context.Context, from, to time.Time) (*Data, error)
	send    func(ctx context.Context, rep config.Report, r *Report) error

	mu      sync.Mutex
	reports []config.Report
	cfg     *config.Config
	// updated wakes Run when Update swapped the reports.
	updated chan struct{}
}

// NewScheduler returns a Scheduler for reports that reads from st. With a
// nil api the reports are written to log at info level instead of posted.
func NewScheduler(reports []config.Report, st Store, cfg *config.Config, api *slack.Client, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{
		log:     log,
		now:     time.Now,
		reports: reports,
		cfg:     cfg,
		updated: make(chan struct{}, 1),
		collect: func(ctx context.Context, from, to time.Time) (*Data, error) {
			return Collect(ctx, st, from, to)
		},
	}
	if api != nil {
		s.send = func(ctx context.Context, rep config.Report, r *Report) error {
			return Post(ctx, api, rep.Channel, r)
		}
	} else {
		s.send = func(_ context.Context, rep config.Report, r *Report) error {
			log.Info("report rendered", "report", rep.Name, "channel", rep.Channel, "markdown", r.Markdown())
			return nil
		}
	}
	return s
}

// Update replaces the reports and the config the next runs use, as on a
// config reload. Schedules change at once; a report that is running
// finishes with the config it started with.
func (s *Scheduler) Update(reports []config.Report, cfg *config.Config) {
	s.mu.Lock()
	s.reports, s.cfg = reports, cfg
	s.mu.Unlock()
	select {
	case s.updated <- struct{}{}:
	default:
	}
}

// Run runs the reports until ctx is done, then stops the schedule and
// waits for the reports that are running (they see ctx cancelled). It
// returns nil on a clean stop.
func (s *Scheduler) Run(ctx context.Context) error {
	logger := cronLogger{s.log}
	c := cron.New(cron.WithLogger(logger), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	ids := s.schedule(ctx, c, nil)
	c.Start()
	s.log.Info("report scheduler started", "reports", len(ids))
	for {
		select {
		case <-ctx.Done():
			<-c.Stop().Done()
			s.log.Info("report scheduler stopped")
			return nil
		case <-s.updated:
			ids = s.schedule(ctx, c, ids)
			s.log.Info("report schedule updated", "reports", len(ids))
		}
	}
}

// schedule removes the entries old and adds the current reports. Jobs
// capture ctx, the run's context.
func (s *Scheduler) schedule(ctx context.Context, c *cron.Cron, old []cron.EntryID) []cron.EntryID {
	for _, id := range old {
		c.Remove(id)
	}
	s.mu.Lock()
	reports := s.reports
	s.mu.Unlock()
	var ids []cron.EntryID
	for _, rep := range reports {
		spec, loc, err := cronSpec(rep)
		if err != nil {
			s.log.Error("report not scheduled", "report", rep.Name, "err", err)
			continue
		}
		id, err := c.AddFunc(spec, func() { s.runReport(ctx, rep, loc) })
		if err != nil {
			s.log.Error("report not scheduled", "report", rep.Name, "schedule", rep.Schedule, "err", err)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// cronSpec returns the report's schedule with its time zone, and the
// time zone of its day buckets.
func cronSpec(rep config.Report) (string, *time.Location, error) {
	spec := strings.TrimSpace(rep.Schedule)
	if rep.TimeZone == "" {
		return spec, time.Local, nil
	}
	loc, err := time.LoadLocation(rep.TimeZone)
	if err != nil {
		return "", nil, fmt.Errorf("time zone %q: %w", rep.TimeZone, err)
	}
	if !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + rep.TimeZone + " " + spec
	}
	return spec, loc, nil
}

// runReport computes and sends one report for the period that ends now
// (to the second, so a tick at 08:00:00.004 reports up to 08:00:00).
func (s *Scheduler) runReport(ctx context.Context, rep config.Report, loc *time.Location) {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	period := rep.Period.D()
	if period <= 0 {
		period = config.DefaultReportPeriod.D()
	}
	to := s.now().Truncate(time.Second)
	from := to.Add(-period)
	start := s.now()
	d, err := s.collect(ctx, from, to)
	if err != nil {
		s.log.Error("report failed", "report", rep.Name, "stage", "collect", "err", err)
		return
	}
	r := Compute(d, cfg, from, to, loc)
	r.Name = rep.Name
	if err := s.send(ctx, rep, r); err != nil {
		s.log.Error("report failed", "report", rep.Name, "stage", "send", "err", err)
		return
	}
	s.log.Info("report sent", "report", rep.Name, "channel", rep.Channel, "mentions", r.Current.Mentions,
		"from", from, "to", to, "duration", s.now().Sub(start))
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	c.log.Debug("cron "+msg, kv...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.log.Error("cron "+msg, append([]any{"err", fmt.Sprint(err)}, kv...)...)
}
