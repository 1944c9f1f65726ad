package classifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// StageMetrics counts what the classifier stage does (StageMetricsHelp
// lists them).
// StageMetricsHelp is the help text of each of the stage's metrics, as
// /metrics shows it.
var StageMetricsHelp = map[string]string{
	"earshot_verdicts_total":          "Verdicts published, by whether the mention is criticism.",
	"earshot_items_not_brand_total":   "Collected items that do not name the brand (or name an excluded term), dropped.",
	"earshot_classifier_errors_total": "Mentions that could not be decoded or classified (kept, not redelivered) or whose verdict could not be published (retried).",
	"earshot_classify_seconds":        "Time to classify one mention.",
}

type StageMetrics struct {
	critical, notCritical *metrics.Counter
	ignored, failed       *metrics.Counter
	seconds               *metrics.PrometheusHistogram
}

// NewStageMetrics creates the stage's metrics in set (nil: a set of their
// own). Both verdict series exist from the start.
func NewStageMetrics(set *metrics.Set) *StageMetrics {
	if set == nil {
		set = metrics.NewSet()
	}
	// 1 µs to ~262 ms, a factor of 4 apart.
	buckets := make([]float64, 10)
	for i, b := 0, 1e-6; i < len(buckets); i, b = i+1, b*4 {
		buckets[i] = b
	}
	return &StageMetrics{
		critical:    set.GetOrCreateCounter(`earshot_verdicts_total{criticism="true"}`),
		notCritical: set.GetOrCreateCounter(`earshot_verdicts_total{criticism="false"}`),
		ignored:     set.GetOrCreateCounter("earshot_items_not_brand_total"),
		failed:      set.GetOrCreateCounter("earshot_classifier_errors_total"),
		seconds:     set.GetOrCreatePrometheusHistogramExt("earshot_classify_seconds", buckets),
	}
}

// Stage consumes mentions from JetStream, classifies them, and publishes a
// verdict for each one that names the brand. The verdict's message ID is the
// mention's ID, so a redelivered mention does not produce a second verdict.
type Stage struct {
	js      jetstream.JetStream
	cls     atomic.Pointer[Classifier]
	metrics *StageMetrics
	log     *slog.Logger
	now     func() time.Time
}

// ConsumerName is the durable consumer the stage reads mentions through;
// several instances share it and so share the work.
const ConsumerName = "classifier"

// NewStage returns a stage that classifies with c until Swap replaces it.
func NewStage(js jetstream.JetStream, c *Classifier, m *StageMetrics, log *slog.Logger) *Stage {
	s := &Stage{js: js, metrics: m, log: log, now: time.Now}
	s.cls.Store(c)
	return s
}

// Swap replaces the classifier atomically; mentions in flight finish with
// the old one.
func (s *Stage) Swap(c *Classifier) { s.cls.Store(c) }

// Run consumes until ctx is done, then stops consuming and waits for the
// mention in hand to be finished.
func (s *Stage) Run(ctx context.Context) error {
	cons, err := s.consumer(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("classifier consumer: %w", err)
	}
	var v mention.Verdict
	// Short pulls, so that a lost server (and its missed heartbeats) is
	// noticed in seconds, not half a minute.
	cc, err := cons.Consume(func(msg jetstream.Msg) { s.handle(ctx, msg, &v) }, jetstream.PullExpiry(5*time.Second))
	if err != nil {
		return fmt.Errorf("classifier consume: %w", err)
	}
	<-ctx.Done()
	cc.Stop()
	<-cc.Closed()
	return nil
}

// consumer creates or updates the stage's durable consumer. A server that
// does not answer in time (a cluster electing its leaders, a JetStream
// restarting) is asked again, waiting up to 15 s in between, until ctx is
// done; only a config the server refuses is an error.
func (s *Stage) consumer(ctx context.Context) (jetstream.Consumer, error) {
	wait := 500 * time.Millisecond
	for {
		c, err := s.js.CreateOrUpdateConsumer(ctx, mention.MentionsStream, jetstream.ConsumerConfig{
			Durable:       ConsumerName,
			Description:   "classifies mentions into verdicts",
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       30 * time.Second,
			MaxAckPending: 1000,
			MaxDeliver:    -1,
			FilterSubject: mention.MentionsPrefix + ">",
		})
		var apiErr *jetstream.APIError
		if err == nil || ctx.Err() != nil || errors.As(err, &apiErr) && apiErr.Code == 400 {
			return c, err
		}
		s.log.Warn("consumer not created, retrying", "consumer", ConsumerName, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 15*time.Second)
	}
}

// handle classifies one message. v is reused between messages (the consume
// callback runs one message at a time).
func (s *Stage) handle(ctx context.Context, msg jetstream.Msg, v *mention.Verdict) {
	m, err := mention.DecodeMention(msg.Data())
	if err != nil {
		// A message this build cannot read will not become readable by
		// retrying: keep it in the stream, stop redelivering it.
		s.metrics.failed.Inc()
		s.log.Error("mention unreadable", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	start := time.Now()
	isMention, err := s.classify(&m, v)
	if err != nil {
		// A mention that makes the classifier panic does it again on
		// every redelivery, and after a crash on every restart: keep it
		// in the stream, stop redelivering it.
		s.metrics.failed.Inc()
		s.log.Error("mention not classified, not redelivered", "mention", m.ID, "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	s.metrics.seconds.Update(time.Since(start).Seconds())
	if !isMention {
		s.metrics.ignored.Inc()
		_ = msg.Ack()
		return
	}
	v.Classified = s.now()
	b, err := v.Encode()
	if err == nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err = s.js.Publish(pctx, mention.VerdictSubject(v.Topic()), b, jetstream.WithMsgID(verdictMsgID(&m)))
		cancel()
	}
	if err != nil {
		s.metrics.failed.Inc()
		s.log.Warn("verdict not published, will retry", "mention", m.ID, "err", err)
		_ = msg.NakWithDelay(backoff(msg))
		return
	}
	if v.Criticism {
		s.metrics.critical.Inc()
	} else {
		s.metrics.notCritical.Inc()
	}
	if err := msg.Ack(); err != nil && !errors.Is(err, context.Canceled) {
		// The verdict is published; a redelivery is deduplicated by its ID.
		s.log.Warn("mention ack failed", "mention", m.ID, "err", err)
	}
}

// classify classifies m into v with the current classifier; a panic (a
// bug that this text found) is returned as an error with its stack.
func (s *Stage) classify(m *mention.Mention, v *mention.Verdict) (isMention bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("classifier panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return s.cls.Load().Classify(m, v), nil
}

// verdictMsgID is the JetStream message ID of a mention's verdict: the
// mention's ID, so that a redelivered mention does not make a second
// verdict; an update (another source found the mention) gets its own, so
// that the longer source list reaches the workflow.
func verdictMsgID(m *mention.Mention) string {
	if m.Update {
		return m.ID + "/sources/" + strconv.Itoa(len(m.Sources))
	}
	return m.ID
}

// backoff grows the redelivery delay with the number of deliveries, capped
// at a minute.
func backoff(msg jetstream.Msg) time.Duration {
	n := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		n = md.NumDelivered
	}
	return min(time.Second<<min(n, 6), time.Minute)
}
