package workflow

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the workflow's Prometheus metrics. One Metrics is shared by
// the stages of one Workflow.
type Metrics struct {
	// AlertsSent counts alerts delivered, by route and notifier (slack, console).
	AlertsSent *prometheus.CounterVec
	// Verdicts counts verdicts read, by what the workflow did with them.
	Verdicts *prometheus.CounterVec
	// Shadowed counts alerts that shadow mode kept back, by route.
	Shadowed *prometheus.CounterVec
	// DeliveryRetries counts failed attempts that are retried, by reason.
	DeliveryRetries *prometheus.CounterVec
	// DeliveryFailures counts messages given up on, by Slack error.
	DeliveryFailures *prometheus.CounterVec
	// Groups counts group messages posted because a channel was over its rate.
	Groups prometheus.Counter
	// Escalations counts reminders and escalations sent, by step.
	Escalations *prometheus.CounterVec
	// Transitions counts case state changes, by action.
	Transitions *prometheus.CounterVec
	// Conflicts counts compare-and-set conflicts on the case store.
	Conflicts prometheus.Counter
	// Interactions counts Slack interactions, by kind (an action ID,
	// view_submission, command, refused, refused_permission, busy, ignored).
	Interactions *prometheus.CounterVec
	// DraftChecks counts reply drafts checked, by outcome (blocked, warned, saved).
	DraftChecks *prometheus.CounterVec
	// Silenced counts critical mentions muted by a silence, by origin
	// (config, slack).
	Silenced *prometheus.CounterVec
	// Incidents counts incident messages opened, and Crises the crisis
	// alerts raised by the spike detector.
	Incidents prometheus.Counter
	Crises    prometheus.Counter
	// Open is the gauge of cases not yet closed, by state and route.
	Open *openCases
}

// NewMetrics creates the workflow metrics and registers them with reg
// (nil: not registered, for tests and one-off commands).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		AlertsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_alerts_sent_total",
			Help: "Alerts delivered to their owner, by route and notifier.",
		}, []string{"route", "notifier"}),
		Verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_verdicts_total",
			Help: "Verdicts read by the workflow, by outcome.",
		}, []string{"outcome"}),
		Shadowed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_shadowed_total",
			Help: "Alerts routed but not sent because of shadow mode, by route.",
		}, []string{"route"}),
		DeliveryRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_delivery_retries_total",
			Help: "Slack calls that failed and are retried, by reason.",
		}, []string{"reason"}),
		DeliveryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_delivery_failures_total",
			Help: "Messages given up on after a terminal Slack error, by error.",
		}, []string{"error"}),
		Groups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_workflow_groups_total",
			Help: "Group messages posted because a channel was over its rate.",
		}),
		Escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_escalations_total",
			Help: "Reminders and escalations sent, by step.",
		}, []string{"step"}),
		Transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_case_transitions_total",
			Help: "Case state changes, by action.",
		}, []string{"action"}),
		Conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_workflow_case_conflicts_total",
			Help: "Compare-and-set conflicts on the case store.",
		}),
		Interactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_interactions_total",
			Help: "Slack interactions received, by kind.",
		}, []string{"kind"}),
		DraftChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_draft_checks_total",
			Help: "Reply drafts checked against the policy, by outcome.",
		}, []string{"outcome"}),
		Silenced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_workflow_silenced_total",
			Help: "Critical mentions muted by a silence, by origin (config, slack).",
		}, []string{"origin"}),
		Incidents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_workflow_incidents_total",
			Help: "Incident messages opened for many critical mentions of one topic or thread.",
		}),
		Crises: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_workflow_crises_total",
			Help: "Crisis alerts raised because criticism rose above its baseline.",
		}),
		Open: newOpenCases(),
	}
	if reg != nil {
		reg.MustRegister(m.AlertsSent, m.Verdicts, m.Shadowed, m.DeliveryRetries,
			m.DeliveryFailures, m.Groups, m.Escalations, m.Transitions, m.Conflicts,
			m.Interactions, m.DraftChecks, m.Silenced, m.Incidents, m.Crises, m.Open)
	}
	return m
}
