// Package workflow turns critical verdicts into cases that someone answers.
//
// It is built as a pipeline of stages, like Alertmanager's notify package:
// route each critical verdict to its owner (router.go), deduplicate it
// against the case store (case_store.go), send the alert with rate limits and
// retries (dispatcher.go, slack_notifier.go, console_notifier.go), and record
// the delivered message on the case only after Slack accepted it. Escalation
// timers (escalation.go) are stored with the case, so they survive restarts,
// and are counted in business hours (business_hours.go).
//
// Cases live in the mention.CasesBucket KV bucket under "case.<id>", where
// id is CaseID(mention ID, route ID): 20 hex digits of a SHA-256, so the
// same verdict delivered twice finds its case. A case is one JSON record
// holding the verdict, the people copied from the route, the delivery
// (intent, channel, ts), the escalation deadlines and steps taken, and the
// history of who did what when. Every change is a compare-and-set on the
// record's revision (Store.Modify).
//
// The same bucket holds the other records of the workflow, each under its
// own key prefix:
//
//   - "silence.<id>" (id: 8 hex digits): a silence set from Slack with
//     /earshot silence, JSON with its matchers (topic, rule, source, text),
//     until, author (Slack user ID), reason and created. It ends on its own
//     at until; expired records are purged when the list is next loaded
//     (silence_store.go). Silences from the config are not stored.
//   - "incident.<sha256(key)[:16 hex]>": where an incident message was
//     posted (channel, ts), the IDs of the cases in its thread and how many
//     were alerted before it (incidents.go).
//   - "baseline.<sha256(topic)[:16 hex]>": a topic's learnt rate of critical
//     mentions per hour of the week and the hour being counted, changed by
//     compare-and-set, so that the spike detector survives restarts
//     (spike.go).
//
// Staff work from Slack (interactions.go, modal.go, command.go): the
// alert's buttons and menus, the reply draft and false-positive modals and
// the /earshot slash command reach the workflow over HTTP, with Slack's
// request signature checked (InteractionHandler), or over Socket Mode
// (socketmode.go), and both feed the same handlers.
//
// Untrusted text from feeds never becomes live Slack markup: everything is
// escaped and truncated by the helpers in escape.go before it is put into a
// Block Kit message (blocks.go).
package workflow
