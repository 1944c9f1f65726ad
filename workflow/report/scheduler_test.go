package report

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/earshot/earshot/config"
)

// sent is one report the scheduler handed to send.
type sent struct {
	report  config.Report
	r       *Report
	started time.Time
}

// fakeSchedulerIO replaces the scheduler's store and Slack: collect returns
// the fixture data for any period, send reports on the returned channel.
func fakeSchedulerIO(t *testing.T, s *Scheduler) <-chan sent {
	ch := make(chan sent)
	s.collect = func(_ context.Context, from, to time.Time) (*Data, error) {
		d := fixtureData(t)
		d.From, d.To, d.PrevFrom = from, to, from.Add(-to.Sub(from))
		return d, nil
	}
	s.send = func(ctx context.Context, rep config.Report, r *Report) error {
		select {
		case ch <- sent{rep, r, time.Now()}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ch
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSchedulerRunsOnScheduleInTimeZone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts at 2000-01-01 00:00 UTC, a Saturday.
		loc := berlin(t)
		weekly := config.Report{Name: "weekly", Schedule: "0 8 * * MON", TimeZone: "Europe/Berlin", Channel: "#marketing", Period: config.Duration(7 * 24 * time.Hour)}
		s := NewScheduler([]config.Report{weekly}, Store{}, fixtureConfig(), nil, nil)
		posts := fakeSchedulerIO(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()

		for _, want := range []time.Time{time.Date(2000, 1, 3, 8, 0, 0, 0, loc), time.Date(2000, 1, 10, 8, 0, 0, 0, loc)} {
			p := <-posts
			if !p.r.To.Equal(want) || !p.r.From.Equal(want.AddDate(0, 0, -7)) {
				t.Errorf("period = [%v, %v), want the week before %v", p.r.From, p.r.To, want)
			}
			if p.r.Name != "weekly" || p.report.Channel != "#marketing" || p.r.Location.String() != "Europe/Berlin" {
				t.Errorf("report %q to %q in %v, want weekly to #marketing in Europe/Berlin", p.r.Name, p.report.Channel, p.r.Location)
			}
		}

		// A reload swaps the schedule: daily at 09:30 UTC, one day long.
		daily := config.Report{Name: "daily", Schedule: "30 9 * * *", TimeZone: "UTC", Channel: "#social", Period: config.Duration(24 * time.Hour)}
		s.Update([]config.Report{daily}, fixtureConfig())
		synctest.Wait()
		p := <-posts
		if want := time.Date(2000, 1, 10, 9, 30, 0, 0, time.UTC); p.r.Name != "daily" || !p.r.To.Equal(want) || p.r.To.Sub(p.r.From) != 24*time.Hour {
			t.Errorf("after update: %q for [%v, %v), want daily for the day before %v", p.r.Name, p.r.From, p.r.To, want)
		}

		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
}

// TestSchedulerLogsWithoutSlack checks that, without a Slack client, the
// report's Markdown goes to the log, and that a failing collect is logged
// and the schedule goes on.
func TestSchedulerLogsWithoutSlack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs lockedBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		hourly := config.Report{Name: "hourly", Schedule: "0 * * * *", Channel: "#marketing", Period: config.Duration(time.Hour)}
		s := NewScheduler([]config.Report{hourly, {Name: "broken", Schedule: "not a schedule"}}, Store{}, fixtureConfig(), nil, log)
		calls := 0
		s.collect = func(_ context.Context, from, to time.Time) (*Data, error) {
			calls++
			if calls == 1 {
				return nil, errors.New("store unavailable")
			}
			return &Data{From: from, To: to, PrevFrom: from.Add(-time.Hour)}, nil
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()

		// Fake time: the bubble advances to each tick at once.
		time.Sleep(2*time.Hour + time.Minute)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		out := logs.String()
		for _, want := range []string{
			`msg="report not scheduled" report=broken`,
			`msg="report failed" report=hourly stage=collect err="store unavailable"`,
			`msg="report rendered" report=hourly channel=#marketing markdown="# earshot report: hourly`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %s:\n%s", want, out)
			}
		}
		if calls != 2 {
			t.Errorf("collect called %d times, want 2", calls)
		}
	})
}

// TestSchedulerSkipsWhileRunning checks that a report still running at its
// next tick is skipped, not started twice, and that Run waits for it.
func TestSchedulerSkipsWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		minutely := config.Report{Name: "slow", Schedule: "* * * * *", Channel: "#marketing", Period: config.Duration(time.Hour)}
		s := NewScheduler([]config.Report{minutely}, Store{}, fixtureConfig(), nil, nil)
		release := make(chan struct{})
		var mu sync.Mutex
		running, calls := 0, 0
		s.collect = func(_ context.Context, from, to time.Time) (*Data, error) {
			mu.Lock()
			running++
			calls++
			if running > 1 {
				t.Error("two runs of the same report at once")
			}
			mu.Unlock()
			<-release
			mu.Lock()
			running--
			mu.Unlock()
			return &Data{From: from, To: to, PrevFrom: from.Add(-time.Hour)}, nil
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(5*time.Minute + time.Second) // five ticks in fake time
		synctest.Wait()
		cancel()
		synctest.Wait() // Run now waits for the running report
		select {
		case <-done:
			t.Fatal("run returned while a report was still running")
		default:
		}
		close(release)
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if calls != 1 {
			t.Errorf("collect called %d times, want 1 (the other ticks skipped)", calls)
		}
	})
}

// TestSchedulerPostsToSlack runs the real pieces end to end: a report
// scheduled every second reads a JetStream store and reaches the Slack
// stand-in with its chart.
func TestSchedulerPostsToSlack(t *testing.T) {
	st := startNATS(t, t.TempDir(), true)
	fillStore(t, st)
	sl := newSlackStandIn(t)
	rep := config.Report{Name: "live", Schedule: "@every 1s", TimeZone: "Europe/Berlin", Channel: "#marketing", Period: config.Duration(time.Hour)}
	s := NewScheduler([]config.Report{rep}, st.store(), fixtureConfig(), sl.client(), nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-sl.completedCh:
	case <-time.After(30 * time.Second):
		t.Fatal("no report reached slack within 30s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if len(sl.messages) == 0 || !strings.Contains(sl.messages[0]["blocks"], "*Mentions:* 10") {
		t.Errorf("message = %v, want the 10 stored mentions", sl.messages)
	}
	if _, err := png.Decode(bytes.NewReader(sl.uploaded)); err != nil {
		t.Errorf("uploaded chart: %v", err)
	}
}
