package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
	"github.com/earshot/earshot/workflow"
)

// Store is where the report reads from: the JetStream context of the
// embedded or external NATS server and the cases bucket
// (mention.CasesBucket). Cases may be nil: Collect then opens the bucket
// itself and treats a missing bucket as "no cases yet".
type Store struct {
	JS    jetstream.JetStream
	Cases jetstream.KeyValue
}

// StoredVerdict is a verdict together with where and when it was stored.
// At is the stream's timestamp of the message; it decides which period and
// which day a mention counts in.
type StoredVerdict struct {
	Seq     uint64
	At      time.Time
	Verdict mention.Verdict
}

// Data is what Collect read from the store: the raw material of a report.
type Data struct {
	// From and To are the period [From, To); PrevFrom starts the previous
	// period of equal length, [PrevFrom, From), used for comparison.
	From, To, PrevFrom time.Time
	// Verdicts stored in [PrevFrom, To), in stream order.
	Verdicts []StoredVerdict
	// Cases created before To, whatever their state. Compute looks at each
	// case's history as it was at To.
	Cases []workflow.Case
	// Health holds the source health events stored before To, oldest first.
	Health []mention.SourceHealth
	// Skipped counts stored messages that could not be decoded (for
	// instance from a newer earshot); they are left out of the figures.
	Skipped int
}

// Collect reads what was stored in [from, to) and in the previous period of
// equal length: verdicts from mention.VerdictsStream, cases from the cases
// bucket, and source health events from mention.EventsStream. It reads only
// what is stored when it starts and never waits for new messages, so it can
// run against a live daemon's store or one another process wrote.
func Collect(ctx context.Context, st Store, from, to time.Time) (*Data, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("collect: period end %s is not after its start %s", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if st.JS == nil {
		return nil, errors.New("collect: no jetstream context")
	}
	d := &Data{From: from, To: to, PrevFrom: from.Add(-to.Sub(from))}

	err := readStream(ctx, st.JS, mention.VerdictsStream, []string{mention.VerdictsPrefix + ">"}, &d.PrevFrom, to,
		func(seq uint64, at time.Time, b []byte) {
			v, err := mention.DecodeVerdict(b)
			if err != nil {
				d.Skipped++
				return
			}
			if v.Mention.Update {
				return // another source found a mention counted already
			}
			d.Verdicts = append(d.Verdicts, StoredVerdict{Seq: seq, At: at, Verdict: v})
		})
	if err != nil {
		return nil, fmt.Errorf("collect verdicts: %w", err)
	}

	err = readStream(ctx, st.JS, mention.EventsStream, []string{mention.HealthSubject}, nil, to,
		func(_ uint64, _ time.Time, b []byte) {
			h, err := mention.DecodeSourceHealth(b)
			if err != nil {
				d.Skipped++
				return
			}
			d.Health = append(d.Health, h)
		})
	if err != nil {
		return nil, fmt.Errorf("collect source health: %w", err)
	}

	if err := readCases(ctx, st, d); err != nil {
		return nil, fmt.Errorf("collect cases: %w", err)
	}
	return d, nil
}

// readStream delivers the messages of stream on subjects stored at or after
// start (all when start is nil) and before end, in order, with an ordered
// consumer. It stops at the last message that was stored when it began.
func readStream(ctx context.Context, js jetstream.JetStream, stream string, subjects []string, start *time.Time, end time.Time, fn func(seq uint64, at time.Time, data []byte)) error {
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s info: %w", stream, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 || (start != nil && info.State.LastTime.Before(*start)) {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		// Clean up soon if this process dies mid-read.
		InactiveThreshold: time.Minute,
	}
	if start != nil {
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = start
	}
	c, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("stream %s consumer: %w", stream, err)
	}
	it, err := c.Messages()
	if err != nil {
		return fmt.Errorf("stream %s messages: %w", stream, err)
	}
	defer it.Stop()
	// The consumer's info from its creation says how many messages match:
	// none means there is nothing to wait for.
	if ci := c.CachedInfo(); ci != nil && ci.NumPending == 0 {
		return nil
	}
	for {
		msg, err := next(ctx, it)
		if err != nil {
			return fmt.Errorf("stream %s next: %w", stream, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("stream %s metadata: %w", stream, err)
		}
		if !meta.Timestamp.Before(end) || meta.Sequence.Stream > last {
			return nil
		}
		fn(meta.Sequence.Stream, meta.Timestamp, msg.Data())
		if meta.NumPending == 0 || meta.Sequence.Stream >= last {
			return nil
		}
	}
}

// next returns the next message of it; it gives up after readIdle without
// one. Messages known to be stored arrive at once, so the idle bound only
// ends a read whose messages went away meanwhile (deleted by retention).
func next(ctx context.Context, it jetstream.MessagesContext) (jetstream.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, readIdle)
	defer cancel()
	return it.Next(jetstream.NextContext(ctx))
}

// readIdle bounds the wait for a stored message.
const readIdle = 30 * time.Second

// readCases reads every case record created before d.To, in one pass.
func readCases(ctx context.Context, st Store, d *Data) error {
	kv := st.Cases
	if kv == nil {
		var err error
		kv, err = st.JS.KeyValue(ctx, mention.CasesBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bucket %s: %w", mention.CasesBucket, err)
		}
	}
	// Version 1 is the case format this package understands.
	return workflow.NewStore(kv, nil, nil).Each(ctx, func(c *workflow.Case) error {
		if c.V > 1 {
			d.Skipped++
		} else if c.Created.Before(d.To) {
			d.Cases = append(d.Cases, *c)
		}
		return nil
	}, func(string, error) { d.Skipped++ })
}
