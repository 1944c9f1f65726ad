package workflow

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// RouteMatch is one route a verdict matched, with its guideline.
type RouteMatch struct {
	// Index is the route's position in the config's routes list.
	Index int
	// ID is the route's name as tests and reports know it (config.Route.ID).
	ID        string
	Route     config.Route
	Guideline config.Guideline
}

// Router decides which routes a verdict takes. It is immutable once built,
// so a reload swaps the whole Router.
type Router struct {
	routes     []compiledRoute
	guidelines map[string]*guideline
	policy     config.Policy
	shadow     bool
	silences   []config.Silence
}

type compiledRoute struct {
	id          string
	cfg         config.Route
	minSeverity mention.Severity
	hours       *hours // nil: every hour counts
	guideline   *guideline
}

// NewRouter compiles the routes, guidelines and policy of cfg. Every problem
// is a *config.FieldError naming the field; all of them are returned at once
// (errors.Join).
func NewRouter(cfg *config.Config) (*Router, error) {
	var errs []error
	r := &Router{guidelines: map[string]*guideline{}, policy: cfg.Policy, shadow: cfg.Shadow,
		silences: append([]config.Silence(nil), cfg.Silences...)}
	for _, name := range sortedKeys(cfg.Guidelines) {
		g, err := compileGuideline(name, cfg.Guidelines[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.guidelines[name] = g
	}
	ids := map[string]int{}
	for i := range cfg.Routes {
		rc := cfg.Routes[i]
		p := fmt.Sprintf("routes[%d]", i)
		cr := compiledRoute{id: rc.ID(i), cfg: rc}
		if j, dup := ids[cr.id]; dup {
			errs = append(errs, config.Errorf(p+".name", "route name %q already used by routes[%d] (set name: to tell them apart)", cr.id, j))
		}
		ids[cr.id] = i
		if rc.Match.Severity != "" {
			s, err := mention.ParseSeverity(rc.Match.Severity)
			if err != nil {
				errs = append(errs, config.Errorf(p+".match.severity", "%w", err))
			}
			cr.minSeverity = s
		}
		errs = append(errs, checkPerson(p+".owner", rc.Owner, true)...)
		errs = append(errs, checkPerson(p+".deputy", rc.Deputy, false)...)
		errs = append(errs, checkPerson(p+".escalate_to", rc.EscalateTo, false)...)
		for j, t := range rc.Team {
			errs = append(errs, checkPerson(fmt.Sprintf("%s.team[%d]", p, j), t, true)...)
		}
		if rc.Channel != "" && !config.IsSlackChannel(rc.Channel) {
			errs = append(errs, config.Errorf(p+".channel", "%q: give #name (lower case) or a channel ID (C...)", rc.Channel))
		}
		if rc.RespondWithin < 0 {
			errs = append(errs, config.Errorf(p+".respond_within", "must be positive"))
		}
		if rc.RemindBefore < 0 || (rc.RemindBefore != 0 && rc.RespondWithin != 0 && rc.RemindBefore >= rc.RespondWithin) {
			errs = append(errs, config.Errorf(p+".remind_before", "%s is not between 0 and respond_within %s", rc.RemindBefore, rc.RespondWithin))
		}
		h, herrs := compileHours(p+".business_hours", rc.BusinessHours)
		errs = append(errs, herrs...)
		cr.hours = h
		if rc.Guideline != "" {
			g, ok := r.guidelines[rc.Guideline]
			_, known := cfg.Guidelines[rc.Guideline]
			switch {
			case !known:
				errs = append(errs, config.Errorf(p+".guideline", "unknown guideline %q%s", rc.Guideline, knownGuidelines(cfg.Guidelines)))
			case ok:
				cr.guideline = g
			}
		}
		r.routes = append(r.routes, cr)
	}
	errs = append(errs, checkPolicy(cfg.Policy)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// checkPerson checks a Slack user reference: an ID (U..., W...) or an
// e-mail address that is resolved through users.lookupByEmail.
func checkPerson(path, who string, required bool) []error {
	switch {
	case who == "":
		if required {
			return []error{config.Errorf(path, "missing: who answers? a Slack user ID (U...) or e-mail")}
		}
	case config.IsSlackUserID(who):
	case strings.Contains(who, "@") && !strings.HasPrefix(who, "@"):
		if a, err := mail.ParseAddress(who); err != nil || a.Address != who {
			return []error{config.Errorf(path, "%q is not an e-mail address", who)}
		}
	default:
		return []error{config.Errorf(path, "unknown Slack user %q: give a Slack user ID (U...) or an e-mail address", who)}
	}
	return nil
}

func checkPolicy(p config.Policy) []error {
	var errs []error
	for i, s := range p.NeverDisclose {
		if strings.TrimSpace(s) == "" {
			errs = append(errs, config.Errorf(fmt.Sprintf("policy.never_disclose[%d]", i), "empty term"))
		}
	}
	for i, s := range p.AvoidPhrases {
		if strings.TrimSpace(s) == "" {
			errs = append(errs, config.Errorf(fmt.Sprintf("policy.avoid_phrases[%d]", i), "empty phrase"))
		}
	}
	if p.MaxLength < 0 {
		errs = append(errs, config.Errorf("policy.max_length", "must be positive"))
	}
	return errs
}

func knownGuidelines(m map[string]config.Guideline) string {
	if len(m) == 0 {
		return " (no guidelines are defined)"
	}
	return " (known: " + strings.Join(sortedKeys(m), ", ") + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Route returns the routes v takes, in config order: the first route that
// matches, and after it the following matching routes for as long as each
// matched route says continue: true. It does not look at whether v is
// critical: the caller decides that (the workflow alerts only on critical,
// non-baseline verdicts; `earshot routes test` shows any text's route).
func (r *Router) Route(v *mention.Verdict) []RouteMatch {
	var out []RouteMatch
	for i := range r.routes {
		cr := &r.routes[i]
		if !cr.matches(v) {
			continue
		}
		rm := RouteMatch{Index: i, ID: cr.id, Route: cr.cfg}
		if cr.guideline != nil {
			rm.Guideline = cr.guideline.cfg
		}
		out = append(out, rm)
		if !cr.cfg.Continue {
			break
		}
	}
	return out
}

// matches reports whether every matcher of the route accepts v. The topic
// matcher looks at the primary topic, the source matcher at every source
// that found the item, the rule matcher at every rule that fired.
func (cr *compiledRoute) matches(v *mention.Verdict) bool {
	m := &cr.cfg.Match
	if cr.minSeverity != mention.SeverityNone && v.Severity.Rank() < cr.minSeverity.Rank() {
		return false
	}
	if !m.Topic.Contains(v.Topic()) {
		return false
	}
	if !anySource(m.Source, v) {
		return false
	}
	if len(m.Lang) > 0 {
		lang := v.Lang
		if lang == "" {
			lang = v.Mention.Lang
		}
		if !m.Lang.Contains(lang) {
			return false
		}
	}
	return anyRule(m.Rule, v)
}

// anySource reports whether list is empty or names a source that found v.
func anySource(list config.StringList, v *mention.Verdict) bool {
	if len(list) == 0 || list.Contains(v.Mention.Source) {
		return true
	}
	for _, s := range v.Mention.Sources {
		if list.Contains(s) {
			return true
		}
	}
	return false
}

// anyRule reports whether list is empty or names a rule that fired on v.
func anyRule(list config.StringList, v *mention.Verdict) bool {
	if len(list) == 0 {
		return true
	}
	for _, r := range v.Rules {
		if list.Contains(r.Rule) {
			return true
		}
	}
	return false
}

// route returns the compiled route with id, or nil when a reload removed it.
func (r *Router) route(id string) *compiledRoute {
	for i := range r.routes {
		if r.routes[i].id == id {
			return &r.routes[i]
		}
	}
	return nil
}

// deadlines computes a new case's reminder, deadline and escalation times:
// the deadline is respond_within of business time after created; the
// reminder remind_before (default a quarter of respond_within) earlier; the
// escalation to escalate_to another respond_within after the deadline.
func (cr *compiledRoute) deadlines(created time.Time) Escalation {
	within := cr.cfg.RespondWithin.D()
	if within <= 0 {
		within = config.DefaultRespondWithin.D()
	}
	before := cr.cfg.RemindBefore.D()
	if before <= 0 || before >= within {
		before = within / 4
	}
	due := cr.hours.add(created, within)
	e := Escalation{DueAt: due, RemindAt: cr.hours.sub(due, before)}
	if cr.cfg.EscalateTo != "" {
		e.EscalateAt = cr.hours.add(due, within)
	}
	return e
}
