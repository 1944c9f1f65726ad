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
// Untrusted text from feeds never becomes live Slack markup: everything is
// escaped and truncated by the helpers in escape.go before it is put into a
// Block Kit message (blocks.go).
package workflow
