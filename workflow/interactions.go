package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Slack interactions reach the workflow two ways, handled by the same
// functions: HTTP (InteractionHandler, signed requests on POST
// /slack/interactions) and Socket Mode (socketmode.go, when an app token is
// configured). Both answer at once with what Slack needs to see within
// three seconds (an empty acknowledgement, a modal's errors, a slash
// command's reply) and leave the rest (the case change, chat.update, the
// thread line, views.open) to a bounded pool of workers that Run starts.

// Interaction limits.
const (
	// maxSignatureAge is how old a signed request may be.
	maxSignatureAge = 5 * time.Minute
	// maxInteractionBody caps a request body (a modal's state is the
	// largest payload Slack sends).
	maxInteractionBody = 1 << 20
	// syncBudget bounds the work done before answering Slack, which
	// waits three seconds.
	syncBudget = 2500 * time.Millisecond
	// interactionWorkers and interactionQueue bound the asynchronous work.
	interactionWorkers = 4
	interactionQueue   = 128
	// ephemeralTimeout bounds the retries of an ephemeral answer.
	ephemeralTimeout = 30 * time.Second
)

// The callback IDs of earshot's modals, and the extra action IDs besides
// the case actions.
const (
	callbackDraft         = "draft"
	callbackFalsePositive = "false_positive"
	actionDraft           = "draft"
	blockDraftText        = "draft_text"
	blockFPReason         = "fp_reason"
	elementText           = "text"
)

// The snooze choices offered by the alert's snooze menu.
var snoozeChoices = []struct{ value, label string }{
	{"1h", "1 hour"}, {"4h", "4 hours"}, {"1d", "1 day"}, {"tomorrow", "Until tomorrow 9:00"},
}

// errBusy is returned when the interaction queue is full.
var errBusy = errors.New("interaction queue full")

// async queues job for the interaction workers; it fails with errBusy when
// the queue is full, rather than making Slack wait.
func (w *Workflow) async(job func(ctx context.Context)) error {
	select {
	case w.jobs <- job:
		return nil
	default:
		w.metrics.Interactions.WithLabelValues("busy").Inc()
		w.log.Warn("interaction queue full, request dropped")
		return errBusy
	}
}

// runJobs runs the interaction workers until ctx is done.
func (w *Workflow) runJobs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-w.jobs:
			_ = w.guard("interaction_job", func() { job(ctx) })
		}
	}
}

// InteractionHandler serves POST /slack/interactions: Slack's interactive
// payloads (form field payload) and the /earshot slash command (form
// fields command and text) on the same URL. It checks Slack's signature
// with the signing secret over the raw body and refuses with 401 requests
// that are forged, unsigned or more than five minutes old (by the
// workflow's clock and slack-go's); the payload is read from the body only,
// a request with a query string is refused. A signed request that comes
// again within those five minutes is acknowledged and not done again
// (replay.go). It answers within three seconds and continues the work
// asynchronously on the workers Run starts.
// Without a signing secret it answers 404 to everything.
func (w *Workflow) InteractionHandler() http.Handler {
	if sc := w.slack.Load(); !sc.SigningSecret.IsSet() {
		// Only worth a warning where Slack is used without Socket Mode.
		level := slog.LevelInfo
		if sc.BotToken.IsSet() && !sc.AppToken.IsSet() {
			level = slog.LevelWarn
		}
		w.log.Log(context.Background(), level, "slack signing secret not set, refusing slack interactions over http")
	}
	return http.HandlerFunc(w.serveInteraction)
}

func (w *Workflow) serveInteraction(rw http.ResponseWriter, r *http.Request) {
	secret := w.slack.Load().SigningSecret
	if !secret.IsSet() {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.RawQuery != "" {
		w.metrics.Interactions.WithLabelValues("refused").Inc()
		w.log.Warn("slack request refused", "reason", "query_string")
		http.Error(rw, "query string not accepted", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxInteractionBody))
	if err != nil {
		http.Error(rw, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	signed, reason := w.verify(r.Header, body, secret.Value())
	if reason != "" {
		w.metrics.Interactions.WithLabelValues("refused").Inc()
		w.log.Warn("slack request refused", "reason", reason, "remote", r.RemoteAddr)
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	// A request served before is acknowledged and not done again
	// (replay.go); one that is not acknowledged below is forgotten.
	key := replayKey(r.Header)
	first, evicted := w.replays.first(key, signed, w.now())
	if evicted {
		w.log.Warn("slack replay record full, the oldest request forgotten", "max", maxReplays)
	}
	if !first {
		w.metrics.Interactions.WithLabelValues("replayed").Inc()
		retry := r.Header.Get("X-Slack-Retry-Num")
		w.log.Warn("slack request refused", "reason", "replayed", "remote", r.RemoteAddr, "retry_num", retry[:min(len(retry), 10)])
		rw.WriteHeader(http.StatusOK)
		return
	}
	acked := false
	defer func() {
		if !acked {
			w.replays.forget(key)
		}
	}()
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(rw, "bad form", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), syncBudget)
	defer cancel()
	var answer any
	switch {
	case form.Has("payload"):
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(rw, "bad payload", http.StatusBadRequest)
			return
		}
		answer = w.answerInteraction(ctx, &cb)
	case form.Get("command") != "":
		answer = w.answerCommand(ctx, slashCommand(form))
	default:
		http.Error(rw, "no payload", http.StatusBadRequest)
		return
	}
	acked = true
	if answer == nil {
		rw.WriteHeader(http.StatusOK)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(answer)
}

// verify checks a request's signature; it returns why it is refused, or
// "" and when it was signed when it is genuine.
func (w *Workflow) verify(h http.Header, body []byte, secret string) (signed time.Time, reason string) {
	ts, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return signed, "no_timestamp"
	}
	signed = time.Unix(ts, 0)
	if age := w.now().Sub(signed); age > maxSignatureAge || age < -maxSignatureAge {
		return signed, "stale"
	}
	if !strings.HasPrefix(h.Get("X-Slack-Signature"), "v0=") {
		return signed, "bad_signature"
	}
	sv, err := slack.NewSecretsVerifier(h, secret)
	if errors.Is(err, slack.ErrExpiredTimestamp) {
		return signed, "stale"
	}
	if err != nil {
		return signed, "bad_signature"
	}
	if _, err := sv.Write(body); err != nil {
		return signed, "bad_signature"
	}
	if sv.Ensure() != nil {
		return signed, "bad_signature"
	}
	return signed, ""
}

// slashCommand reads a slash command from its form.
func slashCommand(f url.Values) slack.SlashCommand {
	return slack.SlashCommand{
		TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"), Command: f.Get("command"),
		Text: f.Get("text"), ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"),
	}
}

// onInteraction handles an interactive payload and returns the immediate
// answer for Slack (nil: an empty acknowledgement).
func (w *Workflow) onInteraction(ctx context.Context, cb *slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			w.onBlockAction(cb, a)
		}
		return nil
	case slack.InteractionTypeViewSubmission:
		w.metrics.Interactions.WithLabelValues("view_submission").Inc()
		switch cb.View.CallbackID {
		case callbackDraft:
			return w.submitDraft(ctx, cb)
		case callbackFalsePositive:
			return w.submitFalsePositive(cb)
		}
	}
	w.metrics.Interactions.WithLabelValues("ignored").Inc()
	return nil
}

// onBlockAction queues the work for one click on an alert.
func (w *Workflow) onBlockAction(cb *slack.InteractionCallback, a *slack.BlockAction) {
	user, channel, trigger := cb.User.ID, cb.Channel.ID, cb.TriggerID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	action := Action(a.ActionID)
	id := a.Value
	var dur string
	if action == ActionSnooze && a.SelectedOption.Value != "" {
		id, dur, _ = strings.Cut(a.SelectedOption.Value, "|")
	}
	if !validCaseID(id) {
		w.metrics.Interactions.WithLabelValues("ignored").Inc()
		return
	}
	var job func(ctx context.Context)
	switch action {
	case ActionAck, ActionTake, ActionReplied, ActionResolve, ActionSnooze:
		job = func(ctx context.Context) { w.click(ctx, user, channel, id, action, dur, "") }
	case ActionFalsePositive:
		job = func(ctx context.Context) { w.openFalsePositive(ctx, user, channel, id, trigger) }
	case actionDraft:
		job = func(ctx context.Context) { w.openDraft(ctx, user, channel, id, trigger) }
	default:
		w.metrics.Interactions.WithLabelValues("ignored").Inc()
		return
	}
	w.metrics.Interactions.WithLabelValues(string(action)).Inc()
	// A full queue drops the click (counted and logged in async): Slack
	// shows nothing, the person clicks again.
	_ = w.async(job)
}

// validCaseID reports whether id looks like a CaseID, so that a value from
// a payload is never used as anything else in a KV key.
func validCaseID(id string) bool {
	if len(id) != 20 {
		return false
	}
	for _, r := range id {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// permitted loads case id and checks that user is one of its people; on
// refusal the user is told why in an ephemeral message.
func (w *Workflow) permitted(ctx context.Context, user, channel, id string) (*Case, bool) {
	c, _, err := w.store.Get(ctx, id)
	if err != nil {
		w.log.Warn("interaction on unknown case", "case", id, "err", err)
		w.tell(ctx, channel, user, "This case is not known to earshot (any more).")
		return nil, false
	}
	if !w.MayAct(ctx, c, user) {
		w.metrics.Interactions.WithLabelValues("refused_permission").Inc()
		w.log.Info("interaction refused", "case", id, "actor", user, "reason", "not_on_route")
		w.tell(ctx, channel, user, fmt.Sprintf("Only the people on this case's route (owner %s, deputy, escalation contact or team) can act on it. Ask %s to take it over or to add you to the route's team.",
			w.personTag(ctx, c.Owner), w.personTag(ctx, c.Owner)))
		return c, false
	}
	return c, true
}

// personTag mentions a configured person: <@U…> when resolved, else the
// escaped name.
func (w *Workflow) personTag(ctx context.Context, ref string) string {
	p, _ := w.users.resolve(ctx, ref)
	return mentionUser(p.id, ref)
}

// click applies a button of the alert for user.
func (w *Workflow) click(ctx context.Context, user, channel, id string, action Action, dur, note string) {
	c, ok := w.permitted(ctx, user, channel, id)
	if !ok {
		return
	}
	var err error
	if action == ActionSnooze {
		_, err = w.Snooze(ctx, id, user, w.snoozeFor(c, dur))
	} else {
		_, err = w.Act(ctx, id, user, action, note)
	}
	var te *TransitionError
	switch {
	case errors.As(err, &te):
		msg := fmt.Sprintf("Not possible: the case is already %s.", strings.ReplaceAll(string(te.State), "_", " "))
		if te.By != "" && te.By != "earshot" {
			msg = fmt.Sprintf("Not possible: the case is already %s (last change by %s).", strings.ReplaceAll(string(te.State), "_", " "), mentionUser(te.By, te.By))
		}
		w.tell(ctx, channel, user, msg)
	case err != nil:
		w.logError(ctx, "case action failed", "case", id, "action", string(action), "err", err)
		w.tell(ctx, channel, user, "That did not work, please try again.")
	}
}

// snoozeFor turns a snooze choice into a duration: 1h, 4h, 1d, or
// "tomorrow" (until 9:00 tomorrow in the route's business-hours time zone,
// else the host's).
func (w *Workflow) snoozeFor(c *Case, choice string) time.Duration {
	now := w.now()
	switch choice {
	case "1h", "":
		return time.Hour
	case "4h":
		return 4 * time.Hour
	case "1d":
		return 24 * time.Hour
	case "tomorrow":
		loc := time.Local
		if cr := w.router.Load().route(c.Route); cr != nil && cr.hours != nil {
			loc = cr.hours.loc
		}
		t := now.In(loc)
		nine := time.Date(t.Year(), t.Month(), t.Day()+1, 9, 0, 0, 0, loc)
		return nine.Sub(now)
	}
	return DefaultSnooze
}

// tell sends user an ephemeral message in channel (with Slack), or logs
// it (console).
func (w *Workflow) tell(ctx context.Context, channel, user, text string) {
	if w.ui == nil || channel == "" || user == "" {
		w.log.Info("ephemeral message not sent", "actor", user)
		return
	}
	// An answer to a click is worth little after a while: do not hold a
	// worker through a Slack outage.
	ctx, cancel := context.WithTimeout(ctx, ephemeralTimeout)
	defer cancel()
	if _, err := w.send(ctx, "ephemeral", func(ctx context.Context) error {
		return w.ui.postEphemeral(ctx, channel, user, text)
	}); err != nil && ctx.Err() == nil {
		w.log.Warn("ephemeral message not sent", "actor", user, "err", err)
	}
}
