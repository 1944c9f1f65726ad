package workflow

import (
	"context"
	"errors"
	"time"
)

// An alert that Slack refused for good (channel_not_found, not_in_channel,
// invalid_auth, an owner Slack does not know, ...) is given up on: the
// case keeps the error in Delivery.Failed, the admin channel is told once,
// and earshot_workflow_delivery_failures_total counts it. Most such errors
// are fixed outside earshot (the bot invited, a token renewed) or by a
// reload (a channel's or an owner's name corrected), and the alert is
// still owed then. So a given-up alert is tried again: at every start,
// after every reload, and every retryEvery while the daemon runs; the
// last only for errors that the same message may not meet again (not for
// a message Slack found malformed, nor for one whose rendering panicked).
// A retry that fails again is logged and counted, not reported again.

// retryEvery is how often given-up alerts are tried again while running.
const retryEvery = 15 * time.Minute

// sameAgain are terminal errors that the same message meets again: tried
// again only at a start or after a reload (a new version or config may
// change the message), not by the periodic retry.
var sameAgain = map[string]bool{
	"earshot_panic":         true,
	"invalid_blocks":        true,
	"invalid_blocks_format": true,
	"msg_too_long":          true,
	"no_text":               true,
	"invalid_arguments":     true,
	"too_many_attachments":  true,
	"invalid_attachments":   true,
}

// gaveUp reports whether case c's alert was given up on: still new, never
// posted, with a terminal error.
func gaveUp(c *Case) bool {
	return c.State == StateNew && c.Delivery.TS == "" && c.Delivery.Failed != ""
}

// requeue queues a claimed case for delivery; a given-up one is marked as
// tried again first (Failed cleared, Retries counted, an event recorded).
func (w *Workflow) requeue(ctx context.Context, c *Case) {
	if gaveUp(c) {
		prev := c.Delivery.Failed
		nc, err := w.store.Modify(ctx, c.ID, func(c *Case) error {
			if !gaveUp(c) {
				return errStepGone
			}
			c.Delivery.Failed = ""
			c.Delivery.Retries++
			c.record(w.now(), "earshot", "delivery_retry", "", prev)
			return nil
		})
		if err != nil {
			w.clearPending(ctx, c.ID)
			if !errors.Is(err, errStepGone) {
				w.logError(ctx, "retry delivery", "case", c.ID, "err", err)
			}
			return
		}
		w.log.Info("alert given up on before is tried again", "case", c.ID, "route", c.Route, "failed", prev, "retries", nc.Delivery.Retries)
		c = nc
	}
	w.track(c)
}

// runRetries tries given-up alerts again every retryEvery and after each
// reload (retryKick), until ctx is done.
func (w *Workflow) runRetries(ctx context.Context) {
	t := time.NewTicker(retryEvery)
	defer t.Stop()
	for {
		all := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.retryKick:
			all = true
		}
		w.retryGivenUp(ctx, all)
	}
}

// retryGivenUp queues the given-up alerts again that no live instance
// has claimed; all includes those whose error the same message would meet
// again. The open-case watcher knows which cases those are; without it
// (before it has read the bucket, or in the in-memory store of tests)
// every stored case is read.
func (w *Workflow) retryGivenUp(ctx context.Context, all bool) {
	var cases []*Case
	if ids, ok := w.metrics.Open.givenUp(all); ok {
		for _, id := range ids {
			c, _, err := w.store.Get(ctx, id)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				// Gone or unreadable: the watcher has told the log.
				continue
			case gaveUp(c):
				cases = append(cases, c)
			}
		}
	} else {
		err := w.store.Each(ctx, func(c *Case) error {
			if gaveUp(c) && (all || !sameAgain[c.Delivery.Failed]) {
				cases = append(cases, c)
			}
			return nil
		}, func(string, error) {})
		if err != nil {
			w.logError(ctx, "read cases to retry", "err", err)
			return
		}
	}
	for _, c := range cases {
		if w.claim(ctx, c.ID, false) {
			w.requeue(ctx, c)
		}
	}
}
