package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// escalator keeps the next escalation time of every open case and fires
// when one is due. The times themselves live in the cases (Escalation), so
// a restart only has to read them back (Workflow.resume).
type escalator struct {
	now  func() time.Time
	mu   sync.Mutex
	due  map[string]time.Time
	kick chan struct{}
}

func newEscalator(now func() time.Time) *escalator {
	return &escalator{now: now, due: map[string]time.Time{}, kick: make(chan struct{}, 1)}
}

// schedule makes id fire at at (replacing an earlier schedule).
func (e *escalator) schedule(id string, at time.Time) {
	e.mu.Lock()
	e.due[id] = at
	e.mu.Unlock()
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// cancel forgets id's schedule: someone reacted.
func (e *escalator) cancel(id string) {
	e.mu.Lock()
	delete(e.due, id)
	e.mu.Unlock()
}

// scheduled reports whether id waits for an escalation step.
func (e *escalator) scheduled(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.due[id]
	return ok
}

// pending returns how many cases wait for an escalation step.
func (e *escalator) pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.due)
}

// run waits for the earliest due time and calls fire for every case that
// is due; fire returns the case's next time, if it has one.
func (e *escalator) run(ctx context.Context, fire func(ctx context.Context, id string) (time.Time, bool)) {
	for {
		e.mu.Lock()
		var next time.Time
		for _, at := range e.due {
			if next.IsZero() || at.Before(next) {
				next = at
			}
		}
		e.mu.Unlock()
		if !sleepUntil(ctx, e.now, next, e.kick) {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		now := e.now()
		var ids []string
		e.mu.Lock()
		for id, at := range e.due {
			if !at.After(now) {
				ids = append(ids, id)
				delete(e.due, id)
			}
		}
		e.mu.Unlock()
		for _, id := range ids {
			if at, ok := fire(ctx, id); ok {
				e.mu.Lock()
				if _, again := e.due[id]; !again {
					e.due[id] = at
				}
				e.mu.Unlock()
			}
		}
	}
}

// staleClaim is how long an instance's claim on an escalation step holds:
// after it, another instance assumes the claimer died and sends the step.
const staleClaim = 15 * time.Minute

// errClaimed stops a compare-and-set because another instance is sending
// the step.
var errClaimed = errors.New("escalation step claimed by another instance")

// escalate runs the escalation steps of case id that are due: the
// reminder to the owner, then telling the deputy once the deadline passed,
// then escalate_to. It stops as soon as the case left new/alerted (someone
// acknowledged, took, replied or closed it); a snoozed case comes back when
// its snooze ends, with fresh deadlines. Each step is claimed with a
// compare-and-set before it is sent and recorded after, so that of several
// instances only one sends it and a crash in between repeats it at most
// once.
func (w *Workflow) escalate(ctx context.Context, id string) (time.Time, bool) {
	for {
		c, _, err := w.store.Get(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				w.logError(ctx, "load case for escalation", "case", id, "err", err)
			}
			return time.Time{}, false
		}
		if c.State == StateSnoozed {
			if c.SnoozedUntil.After(w.now()) {
				return c.SnoozedUntil, true
			}
			if err := w.wake(ctx, id); err != nil {
				return time.Time{}, false
			}
			continue
		}
		if !c.State.Escalating() || c.Delivery.TS == "" {
			return time.Time{}, false
		}
		step, at, ok := c.Escalation.next(c.EscalateTo != "")
		if !ok {
			return time.Time{}, false
		}
		if at.After(w.now()) {
			return at, true
		}
		// Claim the step.
		c, err = w.store.Modify(ctx, id, func(c *Case) error {
			if s, _, ok := c.Escalation.next(c.EscalateTo != ""); !ok || s != step || !c.State.Escalating() {
				return errStepGone
			}
			if c.Escalation.Claim == step && w.now().Sub(c.Escalation.ClaimedAt) < staleClaim {
				return errClaimed
			}
			c.Escalation.Claim, c.Escalation.ClaimedAt = step, w.now()
			return nil
		})
		switch {
		case errors.Is(err, errStepGone):
			continue
		case errors.Is(err, errClaimed):
			return c.Escalation.ClaimedAt.Add(staleClaim), true
		case err != nil:
			w.logError(ctx, "claim escalation", "case", id, "step", step, "err", err)
			return time.Time{}, false
		}
		if err := w.sendStep(ctx, c, step); err != nil {
			if ctx.Err() != nil {
				return time.Time{}, false
			}
			w.logError(ctx, "escalation not delivered", "case", id, "step", step, "err", err)
		} else {
			w.metrics.Escalations.WithLabelValues(step).Inc()
		}
		if _, err := w.store.Modify(ctx, id, func(c *Case) error {
			switch step {
			case stepReminder:
				c.Escalation.Reminded = true
			case stepDeputy:
				c.Escalation.DeputyTold = true
			case stepEscalate:
				c.Escalation.Escalated = true
			}
			c.Escalation.Claim, c.Escalation.ClaimedAt = "", time.Time{}
			c.record(w.now(), "earshot", step, "", "")
			return nil
		}); err != nil {
			w.logError(ctx, "record escalation", "case", id, "step", step, "err", err)
			return time.Time{}, false
		}
	}
}

// errStepGone stops a claim because the case changed meanwhile.
var errStepGone = errors.New("escalation step no longer due")

// wake ends a case's snooze: it is open again, its deadlines start anew
// from now, and the owner is told in the thread.
func (w *Workflow) wake(ctx context.Context, id string) error {
	r := w.router.Load()
	c, err := w.store.Modify(ctx, id, func(c *Case) error {
		if c.State != StateSnoozed {
			return errStepGone
		}
		c.record(w.now(), "earshot", "snooze_ended", StateAlerted, "")
		c.SnoozedUntil = time.Time{}
		if cr := r.route(c.Route); cr != nil {
			c.Escalation = cr.deadlines(w.now())
		} else {
			c.Escalation = Escalation{Reminded: true, DeputyTold: true, Escalated: true}
		}
		return nil
	})
	if errors.Is(err, errStepGone) {
		return nil
	}
	if err != nil {
		w.logError(ctx, "end snooze", "case", id, "err", err)
		return err
	}
	owner, _ := w.users.resolve(ctx, c.Owner)
	if err := w.threadLine(ctx, c, mentionUser(owner.id, c.Owner)+" the snooze is over: this case is open again."); err != nil {
		w.log.Warn("thread line not posted", "case", id, "err", err)
	}
	if err := w.refresh(ctx, c); err != nil {
		w.log.Warn("alert not updated", "case", id, "err", err)
	}
	return nil
}

// sendStep posts one escalation step in the alert's thread, mentioning the
// person it is for; the deputy's and escalation's lines are also shown in
// the channel. Without a channel (a direct-message route) the deputy and
// escalate_to get a direct message.
func (w *Workflow) sendStep(ctx context.Context, c *Case, step string) error {
	who := c.Owner
	switch step {
	case stepDeputy:
		who = c.Deputy
		if who == "" {
			who = c.Owner
		}
	case stepEscalate:
		who = c.EscalateTo
	}
	p, err := w.users.resolve(ctx, who)
	if err != nil {
		w.log.Warn("escalation recipient not resolved", "case", c.ID, "step", step, "err", err)
	}
	r := w.router.Load()
	loc := time.Local
	if cr := r.route(c.Route); cr != nil && cr.hours != nil {
		loc = cr.hours.loc
	}
	due := c.Escalation.DueAt.In(loc).Format("Mon 2 Jan 15:04 MST")
	tag := mentionUser(p.id, who)
	var text string
	switch step {
	case stepReminder:
		text = fmt.Sprintf(":hourglass_flowing_sand: %s reminder: this critical mention needs an answer by %s.", tag, due)
	case stepDeputy:
		text = fmt.Sprintf(":alarm_clock: %s the deadline (%s) passed and nobody acknowledged this case. Please take it over.", tag, due)
	case stepEscalate:
		text = fmt.Sprintf(":rotating_light: %s this critical mention is still unanswered, owner and deputy did not react (deadline was %s).", tag, due)
	}
	summary := alertText(c)
	msg := message{Text: text, Console: fmt.Sprintf("[%s] case %s (%s): %s", step, c.ID, who, summary)}
	channel, thread := c.Delivery.Channel, c.Delivery.TS
	if c.Delivery.ThreadTS != "" {
		thread = c.Delivery.ThreadTS
	}
	if c.Channel == "" && step != stepReminder {
		// A direct-message route: tell the person directly.
		channel, thread = p.id, ""
		if channel == "" {
			channel = who
		}
		msg.Text = text + "\n" + summary
		if link := safeURL(c.Verdict.Mention.URL); link != "" {
			msg.Text += "\n<" + link + "|open the mention>"
		}
	}
	msg.ThreadTS = thread
	msg.Broadcast = thread != "" && step != stepReminder
	// Sent by the destination's queue worker, in its turn (dispatcher.run1).
	var serr error
	if err := w.disp.run1(ctx, channel, func(ctx context.Context) {
		_, serr = w.send(ctx, step, func(ctx context.Context) error {
			if err := w.disp.wait(ctx, channel); err != nil {
				return err
			}
			_, _, err := w.notifier.post(ctx, channel, msg)
			return err
		})
	}); err != nil {
		return err
	}
	return serr
}

// sleepUntil waits until next (zero: no deadline), a kick, or the end of
// ctx, and reports whether next has come (false: kicked, or ctx is done).
func sleepUntil(ctx context.Context, now func() time.Time, next time.Time, kick <-chan struct{}) bool {
	var timer <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(max(next.Sub(now()), 0))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-kick:
		return false
	case <-timer:
		return true
	}
}
