package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// maxRetryAfter caps the Retry-After of Slack's 429 answers. Slack counts
// its rate limits per minute and asks for seconds, so every genuine value
// is honoured; a broken or hostile one (a proxy or stand-in at
// slack.api_url answering Retry-After: 1000000000) would otherwise hold
// the destination's queue, whose one worker sends its messages in order,
// for years. Five minutes keeps one such answer below the 15 minutes after
// which the alert rule on unsent alerts fires, and a server that keeps
// sending it gets one call per destination every five minutes: no retry
// storm. (The reports cap at a minute, the listener's feeds at a day.)
const maxRetryAfter = 5 * time.Minute

// send calls fn until it succeeds, ctx is done, or it fails for good:
// Retry-After is honoured on 429 (up to maxRetryAfter), 5xx and network
// errors are retried with backoff for as long as it takes, terminal Slack
// errors are returned at once. The decision comes from the error's type
// (classify). Every wait ends when ctx does.
func (w *Workflow) send(ctx context.Context, what string, fn func(ctx context.Context) error) (reason string, err error) {
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return "", nil
		}
		if ctx.Err() != nil {
			return "canceled", ctx.Err()
		}
		retry, reason, after := classify(err)
		if !retry {
			return reason, err
		}
		wait := after
		if wait > maxRetryAfter {
			w.log.Warn("slack retry-after capped", "what", what, "retry_after", after, "cap", maxRetryAfter)
			wait = maxRetryAfter
		}
		if wait <= 0 {
			wait = w.backoff.delay(attempt)
		}
		w.metrics.DeliveryRetries.WithLabelValues(reason).Inc()
		w.log.Warn("slack call failed, retrying", "what", what, "reason", reason, "attempt", attempt+1, "retry_in", wait, "err", err)
		if !pause(ctx, wait) {
			return "canceled", ctx.Err()
		}
	}
}

// retryStore runs fn, a case store operation, until it succeeds, fails for
// good (the case is gone, a transition is refused) or ctx ends: a NATS
// hiccup must not leave a case undelivered until the next restart.
func (w *Workflow) retryStore(ctx context.Context, what string, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		var te *TransitionError
		if err == nil || errors.Is(err, ErrCaseNotFound) || errors.As(err, &te) || ctx.Err() != nil {
			return err
		}
		wait := w.backoff.delay(attempt)
		w.log.Warn("case store failed, retrying", "what", what, "attempt", attempt+1, "retry_in", wait, "err", err)
		if !pause(ctx, wait) {
			return ctx.Err()
		}
	}
}

// view builds what an alert shows for c: the people resolved to Slack
// users and the guideline rendered for this mention.
func (w *Workflow) view(ctx context.Context, c *Case) (alertView, error) {
	r := w.router.Load()
	// Times are shown in the route's business-hours zone, else the host's.
	a := alertView{Case: c, Loc: time.Local}
	owner, err := w.users.resolve(ctx, c.Owner)
	if err != nil {
		w.log.Warn("owner not resolved", "case", c.ID, "err", err)
	}
	a.OwnerID = owner.id
	if c.Deputy != "" {
		dep, err := w.users.resolve(ctx, c.Deputy)
		if err != nil {
			w.log.Warn("deputy not resolved", "case", c.ID, "err", err)
		}
		a.DeputyID = dep.id
	}
	if cr := r.route(c.Route); cr != nil && cr.hours != nil {
		a.Loc = cr.hours.loc
	}
	if g := r.guidelines[c.Guideline]; g != nil {
		a.Guideline = g
		reply, err := g.reply(replyData(&c.Verdict, owner.name))
		if err != nil {
			w.log.Warn("reply template failed", "case", c.ID, "guideline", c.Guideline, "err", err)
		}
		a.Reply = reply
	}
	if a.OwnerID == "" && c.Channel == "" && w.notifier.kind() == "slack" {
		return a, errNoRecipient
	}
	return a, nil
}

// target is the Slack destination to post to for dest: the channel, or the
// owner's user ID for a direct message.
func target(c *Case, a alertView) string {
	if c.Channel != "" {
		return c.Channel
	}
	if a.OwnerID != "" {
		return a.OwnerID
	}
	return c.Owner // console
}

// deliver is the send and record stages for one case: it records the
// intent, posts the alert (in threadTS of channel when grouped), and
// records the message's ts. A case delivered or closed meanwhile is left
// alone.
func (w *Workflow) deliver(ctx context.Context, id, groupChannel, threadTS string) {
	var c *Case
	err := w.retryStore(ctx, "load case", func() (err error) {
		c, _, err = w.store.Get(ctx, id)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			w.logError(ctx, "load case for delivery", "case", id, "err", err)
		}
		return
	}
	if !waitsForDelivery(c) {
		w.clearPending(ctx, id)
		return
	}
	// Intent first: a crash after the post and before the record below
	// posts the alert once more on restart, it never loses it.
	err = w.retryStore(ctx, "record delivery intent", func() (err error) {
		c, err = w.store.Modify(ctx, id, func(c *Case) error {
			c.Delivery.Intent = w.now()
			c.Delivery.Attempts++
			c.Delivery.ThreadTS = threadTS
			return nil
		})
		return err
	})
	if err != nil {
		w.logError(ctx, "record delivery intent", "case", id, "err", err)
		return
	}
	var channel, ts, why string
	// A panic while rendering or posting (a bug that this mention's text
	// found) fails this case: left waiting, it would be posted again, and
	// crash again, on every restart.
	perr := catch(func() {
		a, verr := w.view(ctx, c)
		msg := message{Text: alertText(c), Blocks: alertBlocks(a), Console: consoleAlert(a), ThreadTS: threadTS}
		dest := target(c, a)
		if threadTS != "" && groupChannel != "" {
			dest = groupChannel
		}
		why, err = "no_recipient", verr
		if verr == nil {
			why, err = w.send(ctx, "alert", func(ctx context.Context) error {
				var perr error
				channel, ts, perr = w.notifier.post(ctx, dest, msg)
				return perr
			})
		}
	})
	if perr != nil {
		why, err = "earshot_panic", perr
	}
	if err != nil {
		if ctx.Err() != nil {
			return // stays new; delivered by the next run
		}
		w.fail(ctx, c, why, err)
		return
	}
	w.metrics.AlertsSent.WithLabelValues(c.Route, w.notifier.kind()).Inc()
	w.disp.alias(channel, w.dest(c))
	// Its reminders are scheduled before the delivery is recorded, so
	// that a click on the alert, once the record shows it, always comes
	// after and cancels them. (A click in between leaves a schedule that
	// finds the case answered when it fires, and does nothing.)
	sent := *c
	sent.Delivery.Channel, sent.Delivery.TS = channel, ts
	if sent.State == StateNew {
		sent.State = StateAlerted
	}
	w.track(&sent)
	err = w.retryStore(ctx, "record delivery", func() (err error) {
		c, err = w.store.Modify(ctx, id, func(c *Case) error {
			c.Delivery.Channel, c.Delivery.TS, c.Delivery.Sent = channel, ts, w.now()
			c.Delivery.Failed = ""
			if c.State == StateNew {
				c.record(w.now(), "earshot", "alerted", StateAlerted, "")
			}
			return nil
		})
		return err
	})
	if err != nil {
		// Posted but not recorded: the next run posts it again (one duplicate).
		w.logError(ctx, "record delivery", "case", id, "err", err)
		return
	}
	w.clearPending(ctx, id)
	w.log.Info("alert sent", "case", id, "route", c.Route, "channel", channel, "ts", ts)
}

// fail records a terminal delivery error on the case and reports it to the
// admin channel.
func (w *Workflow) fail(ctx context.Context, c *Case, reason string, err error) {
	w.metrics.DeliveryFailures.WithLabelValues(reason).Inc()
	w.log.Error("alert not delivered", "case", c.ID, "route", c.Route, "reason", reason, "err", err)
	if _, merr := w.store.Modify(ctx, c.ID, func(c *Case) error {
		c.Delivery.Failed = reason
		c.record(w.now(), "earshot", "delivery_failed", "", reason)
		return nil
	}); merr != nil {
		w.logError(ctx, "record delivery failure", "case", c.ID, "err", merr)
	} else {
		w.clearPending(ctx, c.ID)
	}
	if c.Delivery.Retries > 0 {
		return // reported when it first failed; the metric and the log go on
	}
	dest := c.Channel
	if dest == "" {
		dest = "a direct message to " + c.Owner
	}
	w.admin(ctx, fmt.Sprintf(":warning: An alert could not be delivered to %s: %s. Case %s, route %s: %s",
		clip(dest, 200), clip(reason, 100), c.ID, clip(c.Route, 100), clip(c.Verdict.Mention.URL, 500)))
}

// deliverGroup posts the group message that stands for cases and returns
// where it is, so that the alerts can follow in its thread; ok is false
// when it could not be posted.
func (w *Workflow) deliverGroup(ctx context.Context, dest string, ids []string) (channel, ts string, ok bool) {
	var cases []*Case
	for _, id := range ids {
		c, _, err := w.store.Get(ctx, id)
		if err != nil || c.State != StateNew || c.Delivery.TS != "" {
			continue
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return "", "", false
	}
	post := dest
	if c := cases[0]; c.Channel == "" {
		a, err := w.view(ctx, c)
		if err != nil {
			return "", "", false
		}
		post = target(c, a)
	}
	var console string
	for _, c := range cases {
		console += "  - " + headline(&c.Verdict) + ": " + oneLine(c.Verdict.Mention.Title) + "\n"
	}
	msg := message{Text: groupText(len(cases)), Blocks: groupBlocks(cases),
		Console: fmt.Sprintf("=== %d critical mentions (details follow) ===\n%s", len(cases), console)}
	why, err := w.send(ctx, "group", func(ctx context.Context) error {
		var perr error
		channel, ts, perr = w.notifier.post(ctx, post, msg)
		return perr
	})
	if err != nil {
		if ctx.Err() == nil {
			w.metrics.DeliveryFailures.WithLabelValues(why).Inc()
			w.logError(ctx, "group message not delivered", "dest", dest, "reason", why, "err", err)
		}
		return "", "", false
	}
	w.metrics.Groups.Inc()
	w.log.Info("group message sent", "dest", dest, "alerts", len(cases))
	return channel, ts, true
}

// admin reports an operational problem to the admin channel (with Slack)
// or the console; without an admin channel it is only logged.
func (w *Workflow) admin(ctx context.Context, text string) {
	ch := w.slack.Load().AdminChannel
	if w.notifier.kind() == "slack" && ch == "" {
		return
	}
	msg := message{Text: text, Console: "[admin] " + text}
	why, err := w.send(ctx, "admin", func(ctx context.Context) error {
		if err := w.disp.wait(ctx, ch); err != nil {
			return err
		}
		_, _, err := w.notifier.post(ctx, ch, msg)
		return err
	})
	if err != nil && ctx.Err() == nil {
		w.metrics.DeliveryFailures.WithLabelValues(why).Inc()
		w.logError(ctx, "admin report not delivered", "reason", why, "err", err)
	}
}

// onEvent reports source health changes to the admin channel. An event
// whose report panics (a bug that a feed's error text found) is not
// redelivered.
func (w *Workflow) onEvent(ctx context.Context, msg jetstream.Msg) {
	if w.guard("health_event", func() { w.reportHealth(ctx, msg) }) != nil {
		_ = msg.Term() // after an Ack, refused by the server: nothing to do
	}
}

func (w *Workflow) reportHealth(ctx context.Context, msg jetstream.Msg) {
	h, err := mention.DecodeSourceHealth(msg.Data())
	if err != nil {
		w.log.Warn("health event refused", "err", err)
		_ = msg.Term()
		return
	}
	w.log.Info("source health changed", "source", h.Source, "state", string(h.State), "previous", string(h.Previous))
	text := fmt.Sprintf(":satellite_antenna: Source %s is %s", clip(h.Source, 200), clip(string(h.State), 50))
	if h.Previous != "" {
		text += " (was " + clip(string(h.Previous), 50) + ")"
	}
	if h.Error != "" {
		text += ": " + clip(h.Error, 500)
	}
	if !h.Until.IsZero() {
		text += ", until " + h.Until.UTC().Format(time.RFC3339)
	}
	// Acknowledged before the report, and the server's confirmation
	// awaited: while Slack is down the report waits in send, and a
	// redelivered event would report twice. A crash in between loses one
	// report; the log above still has it.
	if err := msg.DoubleAck(ctx); err != nil {
		w.log.Warn("ack health event", "err", err)
	}
	w.admin(ctx, text)
}
