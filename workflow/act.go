package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/earshot/earshot/config"
)

// DefaultSnooze is how long the snooze button mutes a case when no
// duration is chosen.
const DefaultSnooze = time.Hour

// statusWords are how the alert's status line names each state.
var statusWords = map[State]string{
	StateAcknowledged:  ":eyes: Acknowledged",
	StateReplied:       ":speech_balloon: Replied",
	StateResolved:      ":white_check_mark: Resolved",
	StateFalsePositive: ":no_entry: False positive",
	StateSnoozed:       ":zzz: Snoozed",
	StateAlerted:       ":bell: Open",
}

// Act applies a person's action to a case, as the alert's buttons do: a
// compare-and-set on the case (of two concurrent conflicting clicks exactly
// one wins, the other gets a *TransitionError saying who was faster), then
// the alert is updated in place and a line is added to its thread.
// Escalation stops with any action that leaves the case new/alerted. actor
// is a Slack user ID; note is kept in the history (a false-positive
// reason). ActionSnooze snoozes for DefaultSnooze; use Snooze to choose.
func (w *Workflow) Act(ctx context.Context, id, actor string, action Action, note string) (*Case, error) {
	if action == ActionSnooze {
		return w.Snooze(ctx, id, actor, DefaultSnooze)
	}
	c, err := w.store.Act(ctx, id, actor, action, note)
	if err != nil {
		return c, err
	}
	w.afterAct(ctx, c, actor, action, note)
	return c, nil
}

// MayAct reports whether the Slack user userID is one of the case's
// people (owner, deputy, escalate_to, team), resolving e-mail addresses
// through the cached users.lookupByEmail.
func (w *Workflow) MayAct(ctx context.Context, c *Case, userID string) bool {
	people := append([]string{c.Owner, c.Deputy, c.EscalateTo}, c.Team...)
	for _, ref := range people {
		if ref == "" {
			continue
		}
		if ref == userID {
			return true
		}
		if p, err := w.users.resolve(ctx, ref); err == nil && p.id == userID {
			return true
		}
	}
	return false
}

// Snooze mutes a case's escalation for d; when it ends, the case is open
// again, the owner is reminded in the thread and the deadlines start anew.
func (w *Workflow) Snooze(ctx context.Context, id, actor string, d time.Duration) (*Case, error) {
	if d <= 0 {
		d = DefaultSnooze
	}
	until := w.now().Add(d)
	c, err := w.store.Modify(ctx, id, func(c *Case) error {
		if err := c.apply(ActionSnooze, actor, "until "+until.UTC().Format(time.RFC3339), w.now()); err != nil {
			return err
		}
		c.SnoozedUntil = until
		return nil
	})
	if err != nil {
		return c, err
	}
	w.metrics.Transitions.WithLabelValues(string(ActionSnooze)).Inc()
	w.esc.schedule(c.ID, until)
	w.afterAct(ctx, c, actor, ActionSnooze, "")
	return c, nil
}

// afterAct updates the alert in place and writes the action into its
// thread. Failures are logged: the case itself is already changed.
func (w *Workflow) afterAct(ctx context.Context, c *Case, actor string, action Action, note string) {
	w.log.Info("case changed", "case", c.ID, "action", string(action), "actor", actor, "state", string(c.State))
	if !c.State.Escalating() && c.State != StateSnoozed {
		// Someone reacted: the reminders and escalations stop here.
		w.esc.cancel(c.ID)
	}
	if c.Delivery.TS == "" {
		return
	}
	if err := w.refresh(ctx, c); err != nil {
		w.log.Warn("alert not updated", "case", c.ID, "err", err)
	}
	line := fmt.Sprintf("%s %s", mentionUser(actor, actor), actionWords(action, c))
	if note != "" {
		line += ": " + clip(note, 500)
	}
	if err := w.threadLine(ctx, c, line); err != nil {
		w.log.Warn("thread line not posted", "case", c.ID, "err", err)
	}
}

func actionWords(a Action, c *Case) string {
	switch a {
	case ActionAck:
		return "acknowledged the case"
	case ActionTake:
		return "took the case over"
	case ActionSnooze:
		return "snoozed the case until " + c.SnoozedUntil.UTC().Format("Mon 2 Jan 15:04 MST")
	case ActionReplied:
		return "replied to the mention"
	case ActionResolve:
		return "resolved the case"
	case ActionFalsePositive:
		return "marked the case a false positive"
	}
	return string(a)
}

// refresh updates the alert message in place with the case's state.
func (w *Workflow) refresh(ctx context.Context, c *Case) error {
	a, err := w.view(ctx, c)
	if err != nil && err != errNoRecipient {
		return err
	}
	if n := len(c.History); n > 0 {
		last := c.History[n-1]
		word := statusWords[c.State]
		if word == "" {
			word = string(c.State)
		}
		a.Status = fmt.Sprintf("%s by %s, %s", word, mentionUser(last.Actor, last.Actor),
			last.At.In(locOr(a.Loc)).Format("Mon 2 Jan 15:04 MST"))
	}
	msg := message{Text: alertText(c), Blocks: alertBlocks(a), Console: a.Status}
	_, err = w.send(ctx, "update", func(ctx context.Context) error {
		return w.notifier.update(ctx, c.Delivery.Channel, c.Delivery.TS, msg)
	})
	return err
}

// threadLine posts a line into the alert's thread.
func (w *Workflow) threadLine(ctx context.Context, c *Case, text string) error {
	thread := c.Delivery.TS
	if c.Delivery.ThreadTS != "" {
		thread = c.Delivery.ThreadTS
	}
	msg := message{Text: text, ThreadTS: thread, Console: fmt.Sprintf("[case %s] %s", c.ID, text)}
	_, err := w.send(ctx, "thread", func(ctx context.Context) error {
		if err := w.disp.wait(ctx, c.Delivery.Channel); err != nil {
			return err
		}
		_, _, err := w.notifier.post(ctx, c.Delivery.Channel, msg)
		return err
	})
	return err
}

func locOr(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

// Draft renders the reply template of the case's guideline for its
// mention and owner: the starting point of a reply (issue 6's modal).
// It returns "" when the guideline has no template.
func (w *Workflow) Draft(ctx context.Context, c *Case) (string, error) {
	g := w.router.Load().guidelines[c.Guideline]
	if g == nil {
		return "", nil
	}
	owner, _ := w.users.resolve(ctx, c.Owner)
	return g.reply(replyData(&c.Verdict, owner.name))
}

// Policy returns the company-wide reply policy in force.
func (w *Workflow) Policy() config.Policy { return w.router.Load().policy }
