package workflow

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/slack-go/slack"
)

// The workflow's goroutines handle text that comes from outside: feed
// text in cases, feed errors in health events, Slack payloads. A bug that
// such text finds must cost that one piece of work, not the daemon (which
// would meet the same text again after a restart). Each unit of work a
// goroutine takes is therefore run under guard: alert delivery (deliver),
// verdicts (onVerdict), health events (onEvent), escalation steps
// (escalateGuarded), messages on a destination's queue (dispatcher.run1,
// incident flushes), interaction jobs (runJobs) and Slack's interactions
// and commands (answerInteraction, answerCommand). The listener's parser
// and the classifier's stage have guards of their own; cron jobs run
// under cron.Recover.

// catch calls fn and returns its panic, if it panics, as an error with the
// stack.
func catch(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	fn()
	return nil
}

// guard calls fn; a panic in it is logged with its stack, counted in
// earshot_workflow_panics_total{where} and returned as an error.
func (w *Workflow) guard(where string, fn func()) error {
	err := catch(fn)
	if err != nil {
		w.metrics.Panics.WithLabelValues(where).Inc()
		w.log.Error("recovered from a panic, the daemon goes on", "where", where, "err", err)
	}
	return err
}

// escalateGuarded is escalate for the escalator's loop: a panic stops
// this case's escalation until the next start (which tries it again,
// once).
func (w *Workflow) escalateGuarded(ctx context.Context, id string) (at time.Time, ok bool) {
	if w.guard("escalation", func() { at, ok = w.escalate(ctx, id) }) != nil {
		return time.Time{}, false
	}
	return at, ok
}

// panicAnswer is the answer to a command whose handling panicked.
const panicAnswer = "Sorry, earshot failed on this request (the details are in its log). Please try again or tell your earshot admin."

// answerInteraction is onInteraction under guard: a panic is acknowledged
// with an empty answer, so that Slack does not send it again.
func (w *Workflow) answerInteraction(ctx context.Context, cb *slack.InteractionCallback) (answer any) {
	if w.guard("interaction", func() { answer = w.onInteraction(ctx, cb) }) != nil {
		return nil
	}
	return answer
}

// answerCommand is onCommand under guard: a panic is answered with a
// short ephemeral apology.
func (w *Workflow) answerCommand(ctx context.Context, cmd slack.SlashCommand) (answer any) {
	if w.guard("command", func() { answer = w.onCommand(ctx, cmd) }) != nil {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: panicAnswer}
	}
	return answer
}
