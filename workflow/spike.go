package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/earshot/earshot/mention"
)

// The spike detector learns, per topic, how many critical mentions each
// hour of the week usually brings (a moving average per weekday and hour,
// in UTC), and raises a crisis alert to the route's escalate_to when the
// current hour brings far more. Its record survives restarts: one JSON
// record per topic under "baseline.<sha256(topic)[:16 hex]>" in the cases
// bucket, changed by compare-and-set, so several instances count together.
const (
	baselinePrefix = "baseline."
	// spikeMin is the fewest critical mentions in an hour that can be a
	// spike, whatever the baseline.
	spikeMin = 5
	// spikeFactor is how many times the usual count an hour must bring.
	spikeFactor = 3.0
	// spikeFloor is the smallest baseline used, so that a topic that is
	// usually quiet needs spikeMin, not one mention, to be a spike.
	spikeFloor = 1.0
	// spikeLearning is how many hours the detector listens before it
	// judges: until then it only learns.
	spikeLearning = 24
	// spikeCooldown is how long after a crisis alert the same topic
	// raises none.
	spikeCooldown = 6 * time.Hour
	// baselineAlpha weighs a new hour in the moving average of its slot.
	baselineAlpha = 0.3
	// slotSeenMin is how often a weekday-hour slot must have been seen
	// before its own average is trusted (else the topic's overall mean).
	slotSeenMin = 2
)

// Baseline is a topic's learnt rate of critical mentions.
type Baseline struct {
	Topic string `json:"topic"`
	// Mean and Seen are per hour of the week (UTC, Sunday 0:00 first).
	Mean [7 * 24]float64 `json:"mean"`
	Seen [7 * 24]int     `json:"seen"`
	// Hours is how many hours were folded in; Total their mentions.
	Hours int     `json:"hours"`
	Total float64 `json:"total"`
	// Hour is the hour being counted and Count its mentions so far.
	Hour  time.Time `json:"hour"`
	Count int       `json:"count"`
	// LastCrisis is when the last crisis alert was raised.
	LastCrisis time.Time `json:"last_crisis,omitzero"`
}

func slotOf(t time.Time) int {
	t = t.UTC()
	return int(t.Weekday())*24 + t.Hour()
}

// roll folds the counted hour and the silent hours since into the
// averages and starts counting hour.
func (b *Baseline) roll(hour time.Time) {
	if b.Hour.IsZero() {
		b.Hour = hour
		return
	}
	if !hour.After(b.Hour) {
		return
	}
	fold := func(at time.Time, n int) {
		s := slotOf(at)
		if b.Seen[s] == 0 {
			b.Mean[s] = float64(n)
		} else {
			b.Mean[s] = b.Mean[s]*(1-baselineAlpha) + float64(n)*baselineAlpha
		}
		b.Seen[s]++
		b.Hours++
		b.Total += float64(n)
	}
	fold(b.Hour, b.Count)
	// Hours without a mention count as zero, at most a week of them.
	gap := 0
	for h := b.Hour.Add(time.Hour); h.Before(hour) && gap < 7*24; h = h.Add(time.Hour) {
		fold(h, 0)
		gap++
	}
	b.Hour, b.Count = hour, 0
}

// usual returns the expected count for the hour at t; ok is false while
// the detector is still learning.
func (b *Baseline) usual(t time.Time) (float64, bool) {
	if b.Hours < spikeLearning {
		return 0, false
	}
	s := slotOf(t)
	if b.Seen[s] >= slotSeenMin {
		return b.Mean[s], true
	}
	return b.Total / float64(b.Hours), true
}

func baselineKey(topic string) string {
	h := sha256.Sum256([]byte(topic))
	return baselinePrefix + hex.EncodeToString(h[:8])
}

// observe counts a critical mention of topic at now and reports whether it
// makes the hour a spike that should raise a crisis alert (once per
// cooldown); usual is the expected count.
func (w *Workflow) observe(ctx context.Context, topic string, now time.Time) (crisis bool, count int, usual float64, err error) {
	key := baselineKey(topic)
	hour := now.UTC().Truncate(time.Hour)
	for range maxCASAttempts {
		b := &Baseline{Topic: topic}
		val, rev, gerr := w.store.kv.get(ctx, key)
		switch {
		case errors.Is(gerr, ErrCaseNotFound):
			rev = 0
		case gerr != nil:
			return false, 0, 0, gerr
		default:
			if err := json.Unmarshal(val, b); err != nil {
				return false, 0, 0, fmt.Errorf("decode baseline %s: %w", topic, err)
			}
		}
		b.roll(hour)
		b.Count++
		crisis = false
		u, ok := b.usual(now)
		if ok && b.Count >= spikeMin && float64(b.Count) >= spikeFactor*max(u, spikeFloor) &&
			(b.LastCrisis.IsZero() || now.Sub(b.LastCrisis) >= spikeCooldown) {
			crisis = true
			b.LastCrisis = now
		}
		out, merr := json.Marshal(b)
		if merr != nil {
			return false, 0, 0, merr
		}
		if rev == 0 {
			_, err = w.store.kv.create(ctx, key, out)
			if errors.Is(err, errKeyExists) {
				continue
			}
		} else {
			_, err = w.store.kv.update(ctx, key, out, rev)
			if errors.Is(err, errRevisionMismatch) {
				continue
			}
		}
		if err != nil {
			return false, 0, 0, fmt.Errorf("store baseline %s: %w", topic, err)
		}
		return crisis, b.Count, u, nil
	}
	return false, 0, 0, fmt.Errorf("store baseline %s: %w", topic, errRevisionMismatch)
}

// Baseline returns the learnt baseline of topic (nil when none yet).
func (w *Workflow) Baseline(ctx context.Context, topic string) (*Baseline, error) {
	val, _, err := w.store.kv.get(ctx, baselineKey(topic))
	if errors.Is(err, ErrCaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var b Baseline
	if err := json.Unmarshal(val, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// watchSpike counts a critical mention for its topic's baseline and, on a
// spike, raises a crisis alert to the escalate_to of the route the mention
// takes (else its owner), as a direct message. Silenced and unrouted
// mentions count too: the baseline is about the topic, not the alerts.
func (w *Workflow) watchSpike(ctx context.Context, v *mention.Verdict, matches []RouteMatch) {
	topic := v.Topic()
	if topic == "" {
		return
	}
	crisis, count, usual, err := w.observe(ctx, topic, w.now())
	if err != nil {
		w.log.Warn("baseline not updated", "topic", topic, "err", err)
		return
	}
	if !crisis {
		return
	}
	w.metrics.Crises.Inc()
	w.log.Warn("criticism spike", "topic", topic, "count", count, "usual", usual)
	who := ""
	for _, m := range matches {
		if who = m.Route.EscalateTo; who == "" {
			who = m.Route.Owner
		}
		if who != "" {
			break
		}
	}
	hour := w.now().UTC().Truncate(time.Hour)
	text := fmt.Sprintf(":rotating_light: *Possible crisis:* %d critical mentions about *%s* since %s, usually about %.1f in this hour of the week.",
		count, clip(topic, 100), hour.In(time.Local).Format("15:04 MST"), usual)
	if link := safeURL(v.Mention.URL); link != "" {
		text += " Latest: <" + link + "|" + clip(oneLine(v.Mention.Title), 150) + ">"
	}
	console := fmt.Sprintf("=== CRISIS? %d critical mentions about %s this hour (usual %.1f) ===", count, topic, usual)
	err = w.async(func(ctx context.Context) {
		if who == "" {
			w.admin(ctx, text) // an unrouted topic: tell the admins
			return
		}
		p, err := w.users.resolve(ctx, who)
		if err != nil {
			w.log.Warn("crisis recipient not resolved", "topic", topic, "err", err)
		}
		dest := p.id
		if dest == "" {
			dest = who
		}
		msg := message{Text: mentionUser(p.id, who) + " " + text, Console: console}
		if _, err := w.send(ctx, "crisis", func(ctx context.Context) error {
			if err := w.disp.wait(ctx, dest); err != nil {
				return err
			}
			_, _, err := w.notifier.post(ctx, dest, msg)
			return err
		}); err != nil && ctx.Err() == nil {
			w.logError(ctx, "crisis alert not delivered", "topic", topic, "err", err)
		}
	})
	if err != nil {
		w.log.Error("crisis alert not queued", "topic", topic)
	}
}
