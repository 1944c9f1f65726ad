package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/earshot/earshot/mention"
)

// State is where a case stands.
type State string

// The case states. New cases are waiting for their alert to be delivered;
// resolved and false_positive are final.
const (
	StateNew           State = "new"
	StateAlerted       State = "alerted"
	StateAcknowledged  State = "acknowledged"
	StateReplied       State = "replied"
	StateResolved      State = "resolved"
	StateFalsePositive State = "false_positive"
	StateSnoozed       State = "snoozed"
)

// Final reports whether no action can change s any more.
func (s State) Final() bool { return s == StateResolved || s == StateFalsePositive }

// Escalating reports whether a case in state s is still waiting for a
// first reaction, so that its reminders and escalations run.
func (s State) Escalating() bool { return s == StateNew || s == StateAlerted }

// Action is what a person (or the workflow) does to a case. The action
// names are the Slack button action IDs.
type Action string

// The actions on a case. The first six are the alert's buttons.
const (
	ActionAck           Action = "ack"
	ActionTake          Action = "take"
	ActionSnooze        Action = "snooze"
	ActionReplied       Action = "replied"
	ActionResolve       Action = "resolve"
	ActionFalsePositive Action = "false_positive"
)

// Actions returns the alert's buttons in the order they are shown.
func Actions() []Action {
	return []Action{ActionAck, ActionTake, ActionSnooze, ActionReplied, ActionResolve, ActionFalsePositive}
}

// transitions says from which states an action may be taken and where it
// leads. An action not allowed from the current state fails with a
// *TransitionError: that is how the second of two simultaneous clicks loses.
var transitions = map[Action]struct {
	from []State
	to   State
}{
	ActionAck:           {[]State{StateNew, StateAlerted, StateSnoozed}, StateAcknowledged},
	ActionTake:          {[]State{StateNew, StateAlerted, StateAcknowledged, StateSnoozed}, StateAcknowledged},
	ActionSnooze:        {[]State{StateNew, StateAlerted, StateAcknowledged}, StateSnoozed},
	ActionReplied:       {[]State{StateNew, StateAlerted, StateAcknowledged, StateSnoozed}, StateReplied},
	ActionResolve:       {[]State{StateNew, StateAlerted, StateAcknowledged, StateSnoozed, StateReplied}, StateResolved},
	ActionFalsePositive: {[]State{StateNew, StateAlerted, StateAcknowledged, StateSnoozed, StateReplied}, StateFalsePositive},
}

// TransitionError says an action is not possible in the case's current
// state, for instance because someone else acknowledged it a moment earlier.
type TransitionError struct {
	Case   string
	Action Action
	State  State
	// By is who made the last change, so the loser can be told who won.
	By string
}

func (e *TransitionError) Error() string {
	if e.By != "" {
		return fmt.Sprintf("case %s: cannot %s: already %s by %s", e.Case, e.Action, e.State, e.By)
	}
	return fmt.Sprintf("case %s: cannot %s: case is %s", e.Case, e.Action, e.State)
}

// ErrCaseNotFound is returned for a case ID the store does not hold.
var ErrCaseNotFound = errors.New("case not found")

// Event is one line of a case's history: who did what when.
type Event struct {
	At time.Time `json:"at"`
	// Actor is a Slack user ID, or "earshot" for the workflow itself.
	Actor  string `json:"actor"`
	Action string `json:"action"`
	From   State  `json:"from,omitempty"`
	To     State  `json:"to,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Delivery is the state of a case's alert message. Intent is written
// before the message is posted and TS after, so that a crash in between
// causes at most one duplicate on restart and never a lost alert.
type Delivery struct {
	Intent   time.Time `json:"intent,omitzero"`
	Attempts int       `json:"attempts,omitempty"`
	// Channel and TS identify the alert message (Channel is the ID Slack
	// answered with); ThreadTS is set when the alert was posted in the
	// thread of a group message.
	Channel  string    `json:"channel,omitempty"`
	TS       string    `json:"ts,omitempty"`
	ThreadTS string    `json:"thread_ts,omitempty"`
	Sent     time.Time `json:"sent,omitzero"`
	// Failed holds the terminal error that made the workflow give up.
	Failed string `json:"failed,omitempty"`
	// Retries counts the times a given-up alert was tried again (at a
	// start, after a reload, or by the periodic retry; see retry.go).
	Retries int `json:"retries,omitempty"`
}

// Escalation holds a case's deadlines, stored with the case so they survive
// restarts, and which steps have been taken.
type Escalation struct {
	RemindAt   time.Time `json:"remind_at,omitzero"`
	DueAt      time.Time `json:"due_at,omitzero"`
	EscalateAt time.Time `json:"escalate_at,omitzero"`
	Reminded   bool      `json:"reminded,omitempty"`
	DeputyTold bool      `json:"deputy_told,omitempty"`
	Escalated  bool      `json:"escalated,omitempty"`
	// Claim is the step an instance is sending since ClaimedAt.
	Claim     string    `json:"claim,omitempty"`
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
}

// next returns the next escalation step and when it is due; ok is false
// when no step is left. Without a deputy the deputy step tells the owner
// that the deadline passed; without escalate_to there is no third step.
func (e *Escalation) next(hasEscalate bool) (step string, at time.Time, ok bool) {
	switch {
	case !e.Reminded && !e.RemindAt.IsZero():
		return stepReminder, e.RemindAt, true
	case !e.DeputyTold && !e.DueAt.IsZero():
		return stepDeputy, e.DueAt, true
	case !e.Escalated && hasEscalate && !e.EscalateAt.IsZero():
		return stepEscalate, e.EscalateAt, true
	}
	return "", time.Time{}, false
}

// The escalation steps, as metric labels and history actions.
const (
	stepReminder = "reminder"
	stepDeputy   = "deputy"
	stepEscalate = "escalate"
)

// Case is one critical mention on one route, and what became of it.
type Case struct {
	V     int    `json:"v"`
	ID    string `json:"id"`
	State State  `json:"state"`
	// Route is the route's ID; Guideline the guideline's name.
	Route     string `json:"route"`
	Guideline string `json:"guideline,omitempty"`
	// Owner, Deputy, EscalateTo and Channel are copied from the route when
	// the case is opened (Owner changes on take), so a reload does not
	// change who answers an open case.
	Owner      string          `json:"owner"`
	Deputy     string          `json:"deputy,omitempty"`
	EscalateTo string          `json:"escalate_to,omitempty"`
	Team       []string        `json:"team,omitempty"`
	Channel    string          `json:"channel,omitempty"`
	Verdict    mention.Verdict `json:"verdict"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
	// SnoozedUntil is set while the case is snoozed.
	SnoozedUntil time.Time  `json:"snoozed_until,omitzero"`
	Delivery     Delivery   `json:"delivery"`
	Escalation   Escalation `json:"escalation"`
	History      []Event    `json:"history,omitempty"`
	// FirstReplyAt is when someone first marked the case replied: the
	// time to first reply is FirstReplyAt minus Created (TimeToFirstReply).
	FirstReplyAt time.Time `json:"first_reply_at,omitzero"`
	// Draft is the last reply draft saved from the draft modal.
	Draft *Draft `json:"draft,omitempty"`
	// FalsePositive is set when the case was marked a false positive: the
	// rules that fired, so reports can show each rule's false-positive rate.
	FalsePositive *FalsePositive `json:"false_positive,omitempty"`
	// Incident is the key of the incident the case belongs to, if any.
	Incident string `json:"incident,omitempty"`
}

// Draft is a reply draft checked against the policy and saved on the case.
type Draft struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	// Findings are the policy findings the author saw and saved anyway.
	Findings []string `json:"findings,omitempty"`
}

// FalsePositive records why a case was not criticism after all.
type FalsePositive struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
	// Rules are the names of the rules that fired on the mention.
	Rules []string `json:"rules,omitempty"`
}

// TimeToFirstReply returns how long it took from opening the case to the
// first "replied"; ok is false while nobody replied.
func (c *Case) TimeToFirstReply() (d time.Duration, ok bool) {
	if c.FirstReplyAt.IsZero() {
		return 0, false
	}
	return c.FirstReplyAt.Sub(c.Created), true
}

// firedRules returns the distinct names of the rules that fired on the
// case's mention, in order.
func (c *Case) firedRules() []string {
	var out []string
	for _, r := range c.Verdict.Rules {
		if r.Rule != "" && !slices.Contains(out, r.Rule) {
			out = append(out, r.Rule)
		}
	}
	return out
}

// caseVersion is the case record's format version.
const caseVersion = 1

// CaseID returns the ID of the case for a mention on a route: stable, so
// that a verdict delivered twice finds its case instead of opening another,
// and a valid KV key token.
func CaseID(mentionID, routeID string) string {
	h := sha256.Sum256([]byte(mentionID + "\x00" + routeID))
	return hex.EncodeToString(h[:10])
}

// apply checks and applies action by actor at now; it appends to History.
func (c *Case) apply(action Action, actor, note string, now time.Time) error {
	t, ok := transitions[action]
	if !ok {
		return fmt.Errorf("case %s: unknown action %q", c.ID, action)
	}
	if !slices.Contains(t.from, c.State) {
		e := &TransitionError{Case: c.ID, Action: action, State: c.State}
		if n := len(c.History); n > 0 {
			e.By = c.History[n-1].Actor
		}
		return e
	}
	switch {
	case action == ActionTake && actor != "":
		// The route's owner stays one of the case's people.
		if c.Owner != "" && c.Owner != actor && !slices.Contains(c.Team, c.Owner) {
			c.Team = append(c.Team, c.Owner)
		}
		c.Owner = actor
	case action == ActionReplied && c.FirstReplyAt.IsZero():
		c.FirstReplyAt = now
	case action == ActionFalsePositive:
		c.FalsePositive = &FalsePositive{By: actor, At: now, Reason: note, Rules: c.firedRules()}
	}
	c.record(now, actor, string(action), t.to, note)
	return nil
}

// record moves the case to state to (unchanged when empty) and appends the
// history line.
func (c *Case) record(now time.Time, actor, action string, to State, note string) {
	ev := Event{At: now, Actor: actor, Action: action, From: c.State, To: to, Note: note}
	if to == "" {
		ev.To = ""
		ev.From = ""
	} else {
		c.State = to
	}
	c.History = append(c.History, ev)
	c.Updated = now
}
