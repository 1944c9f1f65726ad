package workflow

import (
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics are the workflow's Prometheus metrics. One Metrics is shared by
// the stages of one Workflow.
type Metrics struct {
	// AlertsSent counts alerts delivered, by route and notifier (slack, console).
	AlertsSent *counterVec
	// Verdicts counts verdicts read, by what the workflow did with them.
	Verdicts *counterVec
	// Shadowed counts alerts that shadow mode kept back, by route.
	Shadowed *counterVec
	// DeliveryRetries counts failed attempts that are retried, by reason.
	DeliveryRetries *counterVec
	// DeliveryFailures counts messages given up on, by Slack error (or
	// earshot_panic: rendering or posting one panicked).
	DeliveryFailures *counterVec
	// Groups counts group messages posted because a channel was over its rate.
	Groups *metrics.Counter
	// Escalations counts reminders and escalations sent, by step.
	Escalations *counterVec
	// Transitions counts case state changes, by action.
	Transitions *counterVec
	// Conflicts counts compare-and-set conflicts on the case store.
	Conflicts *metrics.Counter
	// Interactions counts Slack interactions, by kind (an action ID,
	// view_submission, command, refused, refused_permission, busy, ignored).
	Interactions *counterVec
	// DraftChecks counts reply drafts checked, by outcome (blocked, warned, saved).
	DraftChecks *counterVec
	// Silenced counts critical mentions muted by a silence, by origin
	// (config, slack).
	Silenced *counterVec
	// Panics counts panics recovered, by the work that panicked
	// (escalation, health_event, interaction, ...; see guard.go).
	Panics *counterVec
	// Incidents counts incident messages opened, and Crises the crisis
	// alerts raised by the spike detector.
	Incidents *metrics.Counter
	Crises    *metrics.Counter
	// Open is the gauge of cases not yet closed, by state and route.
	Open *openCases
}

// NewMetrics creates the workflow metrics in set (nil: a set of their own,
// for tests and one-off commands); MetricsHelp lists them.
func NewMetrics(set *metrics.Set) *Metrics {
	if set == nil {
		set = metrics.NewSet()
	}
	vec := func(name string, labels ...string) *counterVec {
		return &counterVec{set: set, name: name, labels: labels}
	}
	m := &Metrics{
		AlertsSent:       vec("earshot_alerts_sent_total", "route", "notifier"),
		Verdicts:         vec("earshot_workflow_verdicts_total", "outcome"),
		Shadowed:         vec("earshot_workflow_shadowed_total", "route"),
		DeliveryRetries:  vec("earshot_workflow_delivery_retries_total", "reason"),
		DeliveryFailures: vec("earshot_workflow_delivery_failures_total", "error"),
		Groups:           set.GetOrCreateCounter("earshot_workflow_groups_total"),
		Escalations:      vec("earshot_workflow_escalations_total", "step"),
		Transitions:      vec("earshot_workflow_case_transitions_total", "action"),
		Conflicts:        set.GetOrCreateCounter("earshot_workflow_case_conflicts_total"),
		Interactions:     vec("earshot_workflow_interactions_total", "kind"),
		DraftChecks:      vec("earshot_workflow_draft_checks_total", "outcome"),
		Silenced:         vec("earshot_workflow_silenced_total", "origin"),
		Panics:           vec("earshot_workflow_panics_total", "where"),
		Incidents:        set.GetOrCreateCounter("earshot_workflow_incidents_total"),
		Crises:           set.GetOrCreateCounter("earshot_workflow_crises_total"),
		Open:             newOpenCases(),
	}
	set.RegisterMetricsWriter(m.Open.write)
	// The series that alerting rules watch exist at 0 from the start:
	// Prometheus's increase() cannot see the first event of a series
	// that appears with its value already above 0.
	for _, e := range initialFailures {
		m.DeliveryFailures.WithLabelValues(e)
	}
	for _, where := range panicPlaces {
		m.Panics.WithLabelValues(where)
	}
	return m
}

// MetricsHelp is the help text of each of the workflow's metrics, as
// /metrics shows it.
var MetricsHelp = map[string]string{
	"earshot_alerts_sent_total":                "Alerts delivered to their owner, by route and notifier.",
	"earshot_workflow_verdicts_total":          "Verdicts read, by what was done with them.",
	"earshot_workflow_shadowed_total":          "Alerts routed but held back by shadow mode, by route.",
	"earshot_workflow_delivery_retries_total":  "Slack calls that failed and are retried, by reason.",
	"earshot_workflow_delivery_failures_total": "Messages given up on after a terminal Slack error (or earshot_panic), by error.",
	"earshot_workflow_groups_total":            "Group messages posted because a channel was over its rate.",
	"earshot_workflow_escalations_total":       "Reminders and escalations sent, by step.",
	"earshot_workflow_case_transitions_total":  "Case state changes, by action.",
	"earshot_workflow_case_conflicts_total":    "Compare-and-set conflicts on the case store.",
	"earshot_workflow_interactions_total":      "Slack interactions received, by kind.",
	"earshot_workflow_draft_checks_total":      "Reply drafts checked against the policy, by outcome.",
	"earshot_workflow_silenced_total":          "Critical mentions muted by a silence, by origin (config, slack).",
	"earshot_workflow_panics_total":            "Panics recovered (a bug met by one piece of work), by where.",
	"earshot_workflow_incidents_total":         "Incident messages opened.",
	"earshot_workflow_crises_total":            "Crisis alerts raised because criticism rose above its baseline.",
	"earshot_cases_open":                       "Cases not yet resolved or marked a false positive, by state and route.",
}

// initialFailures are the terminal errors most often met, created at 0.
var initialFailures = []string{"channel_not_found", "not_in_channel", "is_archived", "invalid_auth",
	"account_inactive", "token_revoked", "missing_scope", "no_recipient", "invalid_blocks", "msg_too_long", "earshot_panic"}

// panicPlaces are the values of earshot_workflow_panics_total's where
// label (see guard.go).
var panicPlaces = []string{"escalation", "message", "incident", "health_event", "interaction", "interaction_job", "command"}

// counterVec is a family of counters with the same labels.
type counterVec struct {
	set    *metrics.Set
	name   string
	labels []string
	// one holds the counters of a family with one label, by its value
	// (*metrics.Counter): a verdict or an interaction counts without
	// formatting its series' name.
	one sync.Map
}

// WithLabelValues returns the counter of the label values (one per label,
// in order), created at zero on first use.
func (v *counterVec) WithLabelValues(values ...string) *metrics.Counter {
	if len(values) != 1 || len(v.labels) != 1 {
		return v.set.GetOrCreateCounter(series(v.name, v.labels, values))
	}
	if c, ok := v.one.Load(values[0]); ok {
		return c.(*metrics.Counter)
	}
	c := v.set.GetOrCreateCounter(series(v.name, v.labels, values))
	v.one.Store(values[0], c)
	return c
}

// series formats a series name with its labels.
func series(name string, labels, values []string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		b.WriteString(`="`)
		labelValue.WriteString(&b, values[i])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// labelValue escapes a label value for the text exposition format.
var labelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
