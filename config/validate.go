package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

var clock = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Presets are the source presets the listener knows.
var Presets = []string{
	"google-alerts", "google-news", "bing-news", "reddit-search", "reddit-subreddit",
	"mastodon-tag", "hackernews", "bluesky-profile", "youtube-channel", "lemmy-community",
	"github-releases",
}

var weekdays = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}

// validator collects problems.
type validator struct {
	c    *Config
	errs []error
	// named are the fields whose unset ${VAR}s a problem named already
	// (env does not warn of them again).
	named map[string]bool
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{Pos: v.c.At(path), Path: path, Err: fmt.Errorf(format, args...)})
}

func (v *validator) warn(path, format string, args ...any) {
	v.c.Warnings = append(v.c.Warnings, fmt.Sprintf("%s: %s: %s", v.c.At(path), path, fmt.Sprintf(format, args...)))
}

// Validate checks the decoded config (after ApplyDefaults) and reports every
// problem at once. It checks what the config alone can tell; the rules'
// queries are compiled by the classifier, cron schedules parsed again by the
// scheduler's own parser, and routes resolved against Slack by the
// workflow, and all of them report *FieldError too. (The config package does
// not import the cron library, so that the classifier, which reads its rules
// from here, never pulls it in: cron.go reads schedules the way it does.)
func (c *Config) Validate() error {
	v := &validator{c: c}
	c.Warnings = nil
	v.nats()
	v.http()
	v.brand()
	v.limits()
	v.sources()
	v.rules()
	v.routes()
	v.guidelines()
	v.slack()
	v.reports()
	v.silences()
	v.tests()
	v.env()
	return errors.Join(v.errs...)
}

// env warns about every ${VAR} without a default whose variable is unset:
// it reads as empty, which is rarely what a misspelt name meant.
func (v *validator) env() {
	paths := make([]string, 0, len(v.c.blank))
	for p := range v.c.blank {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		pa, pb := v.c.pos[a], v.c.pos[b]
		if pa.line != pb.line {
			return pa.line - pb.line
		}
		return pa.col - pb.col
	})
	for _, p := range paths {
		if v.named[p] {
			continue
		}
		for _, r := range v.c.blank[p] {
			if !r.set {
				v.warn(p, "%s, so it reads as empty (write ${%s:-} if empty is meant)", r, r.name)
			}
		}
	}
}

// blankVars describes the ${VAR} references that left the field at path
// empty: "" when none did.
func (v *validator) blankVars(path string) string {
	refs := v.c.blank[path]
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.String()
	}
	return strings.Join(parts, " and ")
}

func (v *validator) nats() {
	n := &v.c.NATS
	if n.URL != "" {
		for _, u := range strings.Split(n.URL, ",") {
			pu, err := url.Parse(strings.TrimSpace(u))
			if err != nil || pu.Host == "" {
				v.add("nats.url", "%q is not a NATS URL, e.g. nats://127.0.0.1:4222", strings.TrimSpace(u))
				continue
			}
			switch pu.Scheme {
			case "nats", "tls", "ws", "wss":
			default:
				v.add("nats.url", "scheme %q not supported (nats, tls, ws, wss)", pu.Scheme)
			}
		}
		if n.Listen != "" {
			v.add("nats.listen", "only for the embedded server: leave it empty when nats.url is set")
		}
	}
	if n.Listen != "" {
		if err := checkHostPort(n.Listen); err != nil {
			v.add("nats.listen", "%q %v, e.g. 127.0.0.1:4222", n.Listen, err)
		}
	}
	if (n.TLS.Cert == "") != (n.TLS.Key == "") {
		v.add("nats.tls", "cert and key go together")
	}
	if n.Replicas < 1 || n.Replicas > 5 {
		v.add("nats.replicas", "%d out of range 1..5", n.Replicas)
	}
	if n.URL == "" && n.Replicas > 1 {
		v.add("nats.replicas", "the embedded server is a single node: replicas must be 1")
	}
}

func (v *validator) http() {
	if l := v.c.HTTP.Listen; l != "off" {
		if err := checkHostPort(l); err != nil {
			v.add("http.listen", "%q %v, e.g. 127.0.0.1:9464 (or off)", l, err)
		}
	}
	switch v.c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.add("log.level", "%q is not one of debug, info, warn, error", v.c.Log.Level)
	}
	switch v.c.Log.Format {
	case "text", "json":
	default:
		v.add("log.format", "%q is not text or json", v.c.Log.Format)
	}
}

// checkHostPort checks a listen address: host:port with a port number
// 0-65535 (0: any free port).
func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("is not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.ContainsAny(port, "+-") {
		return fmt.Errorf("has no port number 0-65535 (%q)", port)
	}
	return nil
}

func (v *validator) brand() {
	for i, t := range v.c.Brand.Terms {
		if strings.TrimSpace(t) == "" {
			v.add(fmt.Sprintf("brand.terms[%d]", i), "empty term")
		}
	}
	for i, t := range v.c.Brand.Exclude {
		if strings.TrimSpace(t) == "" {
			v.add(fmt.Sprintf("brand.exclude[%d]", i), "empty term")
		}
	}
}

// positive refuses a zero (or negative) value that the file set: a field
// left empty takes its default, but "timeout: 0s" would otherwise turn
// silently into the default too.
func (v *validator) positive(path string, n int64) {
	if n < 0 || n == 0 && v.c.given[path] {
		v.add(path, "must be positive (leave it out for the default)")
	}
}

func (v *validator) limits() {
	v.positive("store.retention", int64(v.c.Store.Retention))
	v.positive("store.max_bytes", int64(v.c.Store.MaxBytes))
	v.positive("store.seen_ttl", int64(v.c.Store.SeenTTL))
	l := &v.c.Listener
	v.positive("listener.timeout", int64(l.Timeout))
	v.positive("listener.max_size", int64(l.MaxSize))
	v.positive("listener.per_host", int64(l.PerHost))
	v.positive("listener.max_backoff", int64(l.MaxBackoff))
	v.positive("listener.max_items", int64(l.MaxItems))
}

func (v *validator) sources() {
	seen := map[string]int{}
	for i := range v.c.Sources {
		s := &v.c.Sources[i]
		p := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			v.add(p+".name", "missing: every source needs a name")
		case !validSourceName(s.Name):
			v.add(p+".name", "%q: use letters, digits, - and _ (at most 64)", s.Name)
		default:
			if j, dup := seen[s.Name]; dup {
				v.add(p+".name", "%q already used by sources[%d]", s.Name, j)
			}
			seen[s.Name] = i
		}
		switch {
		case s.URL == "" && s.Preset == "":
			v.add(p, "needs url or preset")
		case s.URL != "" && s.Preset != "":
			v.add(p, "url and preset exclude each other")
		case s.URL != "":
			u, err := url.Parse(s.URL)
			if err != nil {
				v.add(p+".url", "not a URL: %v", err)
				break
			}
			switch u.Scheme {
			case "http", "https":
				if u.Host == "" {
					v.add(p+".url", "%q has no host", s.URL)
				}
			case "file":
				if u.Path == "" && u.Opaque == "" {
					v.add(p+".url", "%q has no path", s.URL)
				}
			default:
				v.add(p+".url", "scheme %q not supported (http, https, file)", u.Scheme)
			}
		default:
			if !slices.Contains(Presets, s.Preset) {
				v.add(p+".preset", "unknown preset %q (known: %s)", s.Preset, strings.Join(Presets, ", "))
			}
		}
		if (s.Every != 0 || v.c.given[p+".every"]) && s.Schedule != "" {
			v.add(p, "every and schedule exclude each other")
		}
		if s.TimeZone != "" {
			if _, err := time.LoadLocation(s.TimeZone); err != nil {
				v.add(p+".time_zone", "unknown time zone %q, e.g. Europe/Berlin", s.TimeZone)
			}
		}
		if s.Schedule != "" {
			v.schedule(p+".schedule", s.Schedule, s.TimeZone)
		} else if s.TimeZone != "" {
			v.add(p+".time_zone", "applies to a schedule only")
		}
		if s.Schedule == "" {
			switch d := s.Every.D(); {
			case d == 0:
				v.add(p+".every", "must be positive, e.g. 10m (leave it out for the default, %s)", DefaultEvery)
			case d < time.Second:
				v.add(p+".every", "%s is too short (at least 1s)", s.Every)
			case d < time.Minute:
				v.warn(p+".every", "%s polls more than once a minute; fine for tests and demos, rude to real sites", s.Every)
			}
		}
		v.positive(p+".timeout", int64(s.Timeout))
		v.positive(p+".max_size", int64(s.MaxSize))
		v.positive(p+".max_items", int64(s.MaxItems))
		for k := range s.Headers {
			if strings.ContainsAny(k, " :\r\n") || k == "" {
				v.add(p+".headers", "%q is not a header name", k)
			}
		}
	}
}

var packs = []string{"de", "en"}

var severities = []string{"low", "medium", "high", "crisis"}

func (v *validator) rules() {
	r := &v.c.Rules
	for i, p := range r.Packs {
		if !slices.Contains(packs, p) {
			v.add(fmt.Sprintf("rules.packs[%d]", i), "unknown pack %q (known: de, en)", p)
		}
	}
	if r.Threshold < 0 || r.Threshold == 0 && v.c.given["rules.threshold"] {
		v.add("rules.threshold", "must be positive")
	}
	seen := map[string]int{}
	for i, c := range r.Custom {
		p := fmt.Sprintf("rules.custom[%d]", i)
		if c.Name == "" {
			v.add(p+".name", "missing: every rule needs a name")
		} else if j, dup := seen[c.Name]; dup {
			v.add(p+".name", "%q already used by rules.custom[%d]", c.Name, j)
		} else {
			seen[c.Name] = i
		}
		if strings.TrimSpace(c.Query) == "" {
			v.add(p+".query", "missing: what should the rule look for?")
		}
		if c.Criticism == nil && c.Topic == "" {
			v.add(p, "a rule needs a topic, criticism: true/false, or both")
		}
		if c.Weight < 0 || c.Weight == 0 && v.c.given[p+".weight"] {
			v.add(p+".weight", "must be positive (use criticism: false to lower the score)")
		}
		if c.Severity != "" && !slices.Contains(severities, c.Severity) {
			v.add(p+".severity", "%q is not one of low, medium, high, crisis", c.Severity)
		}
	}
}

// timeNow is the clock schedules are checked against (a variable for tests).
var timeNow = time.Now

// schedule checks a cron schedule in time zone tz ("" = local): what the
// cron library refuses, a step larger than its field, and, as a warning, a
// schedule that never fires ("0 8 31 2 *").
func (v *validator) schedule(path, spec, tz string) {
	loc := time.Local
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	if tz != "" && (strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")) {
		v.add(path, "%q names its time zone, and so does time_zone: give it once", spec)
		return
	}
	cs, loc, err := parseCron(spec, loc)
	if err != nil {
		v.add(path, "%q: %v", spec, err)
		return
	}
	if cs.nextDay(timeNow(), loc).IsZero() {
		v.warn(path, "%q never fires: no month it names has a day it names", spec)
	}
}

func (v *validator) person(path, who string, required bool) {
	switch {
	case who == "":
		if required {
			v.add(path, "missing: who answers? a Slack user ID (U...) or e-mail")
		}
	case IsSlackUserID(who):
	case strings.Contains(who, "@") && !strings.HasPrefix(who, "@"):
		if _, err := mail.ParseAddress(who); err != nil {
			v.add(path, "%q is not an e-mail address", who)
		}
	default:
		v.add(path, "%q: give a Slack user ID (U...) or an e-mail address", who)
	}
}

func (v *validator) routes() {
	names := map[string]int{}
	for i := range v.c.Routes {
		r := &v.c.Routes[i]
		p := fmt.Sprintf("routes[%d]", i)
		if r.Name != "" {
			if j, dup := names[r.Name]; dup {
				v.add(p+".name", "%q already used by routes[%d]", r.Name, j)
			}
			names[r.Name] = i
		}
		v.person(p+".owner", r.Owner, true)
		v.person(p+".deputy", r.Deputy, false)
		v.person(p+".escalate_to", r.EscalateTo, false)
		for j, t := range r.Team {
			v.person(fmt.Sprintf("%s.team[%d]", p, j), t, true)
		}
		if r.Channel != "" && !IsSlackChannel(r.Channel) {
			v.add(p+".channel", "%q: give #name (lower case) or a channel ID (C...)", r.Channel)
		}
		if r.RespondWithin.D() < time.Minute {
			v.add(p+".respond_within", "%s is too short (at least 1m)", r.RespondWithin)
		}
		if r.RemindBefore != 0 && r.RemindBefore >= r.RespondWithin {
			v.add(p+".remind_before", "%s is not shorter than respond_within %s", r.RemindBefore, r.RespondWithin)
		}
		if r.Guideline != "" {
			if _, ok := v.c.Guidelines[r.Guideline]; !ok {
				v.add(p+".guideline", "unknown guideline %q%s", r.Guideline, knownKeys(v.c.Guidelines))
			}
		}
		if r.Match.Severity != "" && !slices.Contains(severities, r.Match.Severity) {
			v.add(p+".match.severity", "%q is not one of low, medium, high, crisis", r.Match.Severity)
		}
		for j, s := range r.Match.Source {
			if !v.sourceKnown(s) {
				v.add(fmt.Sprintf("%s.match.source[%d]", p, j), "unknown source %q (sources: %s)", s, v.sourceNames())
			}
		}
		for j, l := range r.Match.Lang {
			if !slices.Contains(langs, strings.ToLower(l)) {
				v.add(fmt.Sprintf("%s.match.lang[%d]", p, j), "%q is not a language earshot tells apart (%s)", l, strings.Join(langs, ", "))
			}
		}
		v.ruleNames(p+".match.rule", r.Match.Rule)
		if bh := r.BusinessHours; bh != nil {
			v.businessHours(p+".business_hours", bh)
		}
	}
	switch {
	case len(v.c.Routes) == 0 && len(v.c.Sources) > 0:
		// A classify-only file (no sources) needs no routes.
		v.warn("routes", "none: critical mentions are counted but alert nobody; add at least one (match: {} takes every one)")
	case len(v.c.Routes) > 0 && !v.hasCatchAll():
		v.warn("routes", "no route matches everything (match: {}): critical mentions no route matches are counted but alert nobody")
	}
}

// langs are the languages a verdict can have: the listener tells German
// and English apart from stop words, and calls the rest other.
var langs = []string{"de", "en", "other"}

// ruleNames checks the rule names of a route's or silence's match. A rule
// of a pack is named pack:rule ("de:lieferung"), and so are the cue
// scores ("cues:criticism"): those are the classifier's to know. Any other
// name can only be a custom rule's.
func (v *validator) ruleNames(path string, names StringList) {
	for j, n := range names {
		if strings.Contains(n, ":") || slices.ContainsFunc(v.c.Rules.Custom, func(r Rule) bool { return strings.EqualFold(r.Name, n) }) {
			continue
		}
		known := make([]string, 0, len(v.c.Rules.Custom))
		for _, r := range v.c.Rules.Custom {
			if r.Name != "" {
				known = append(known, r.Name)
			}
		}
		list := "no custom rules are defined"
		if len(known) > 0 {
			list = "custom rules: " + strings.Join(known, ", ")
		}
		v.add(fmt.Sprintf("%s[%d]", path, j), "unknown rule %q (%s; a pack's rules are named like de:lieferung)", n, list)
	}
}

func (v *validator) hasCatchAll() bool {
	for _, r := range v.c.Routes {
		m := r.Match
		if len(m.Topic)+len(m.Source)+len(m.Lang)+len(m.Rule) == 0 && m.Severity == "" {
			return true
		}
	}
	return false
}

func (v *validator) sourceKnown(name string) bool {
	for _, s := range v.c.Sources {
		if s.Name == name {
			return true
		}
	}
	return len(v.c.Sources) == 0 // a classify-only config cannot tell
}

// sourceNames lists the configured sources for an error message.
func (v *validator) sourceNames() string {
	names := make([]string, 0, len(v.c.Sources))
	for _, s := range v.c.Sources {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func (v *validator) businessHours(p string, bh *BusinessHours) {
	for i, d := range bh.Days {
		if !weekdays[strings.ToLower(d)] {
			v.add(fmt.Sprintf("%s.days[%d]", p, i), "%q is not a weekday (mon, tue, ...)", d)
		}
	}
	okStart, okEnd := clock.MatchString(bh.Start), clock.MatchString(bh.End)
	if !okStart {
		v.add(p+".start", "%q is not a time of day, e.g. 09:00", bh.Start)
	}
	if !okEnd {
		v.add(p+".end", "%q is not a time of day, e.g. 17:00", bh.End)
	}
	if okStart && okEnd && bh.Start >= bh.End {
		v.add(p, "start %s is not before end %s", bh.Start, bh.End)
	}
	if bh.TimeZone != "" {
		if _, err := time.LoadLocation(bh.TimeZone); err != nil {
			v.add(p+".time_zone", "unknown time zone %q, e.g. Europe/Berlin", bh.TimeZone)
		}
	}
	for i, h := range bh.Holidays {
		if _, err := time.Parse("2006-01-02", h); err != nil {
			v.add(fmt.Sprintf("%s.holidays[%d]", p, i), "%q is not a date, e.g. 2026-12-24", h)
		}
	}
}

func (v *validator) guidelines() {
	for name, g := range v.c.Guidelines {
		if g.Template == "" {
			continue
		}
		if _, err := template.New(name).Option("missingkey=error").Parse(g.Template); err != nil {
			v.add("guidelines."+name+".template", "%v", err)
		}
	}
	if v.c.Policy.MaxLength < 0 {
		v.add("policy.max_length", "must be positive")
	}
}

func (v *validator) slack() {
	s := &v.c.Slack
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("slack.api_url", "%q is not an http(s) URL", s.APIURL)
		}
	}
	if s.BotToken.IsSet() && !strings.HasPrefix(s.BotToken.Value(), "xoxb-") {
		v.add("slack.bot_token", "a bot token starts with xoxb-")
	}
	if s.AppToken.IsSet() && !strings.HasPrefix(s.AppToken.Value(), "xapp-") {
		v.add("slack.app_token", "an app-level token starts with xapp-")
	}
	if s.AdminChannel != "" && !IsSlackChannel(s.AdminChannel) {
		v.add("slack.admin_channel", "%q: give #name (lower case) or a channel ID (C...)", s.AdminChannel)
	}
	// Without a bot token every alert goes to the console. That is the
	// point of a config without Slack, but a section that sets the other
	// secrets and misses the token (a misspelt ${VAR}) is a mistake.
	if !s.BotToken.IsSet() {
		var set []string
		if s.AppToken.IsSet() {
			set = append(set, "slack.app_token")
		}
		if s.SigningSecret.IsSet() {
			set = append(set, "slack.signing_secret")
		}
		secrets := len(set) > 0
		if s.AdminChannel != "" {
			set = append(set, "slack.admin_channel")
		}
		if len(set) > 0 {
			why := "missing"
			if vars := v.blankVars("slack.bot_token"); vars != "" {
				why = vars
				v.named = map[string]bool{"slack.bot_token": true}
			} else if v.c.given["slack.bot_token"] {
				why = "empty"
			}
			verb := "is"
			if len(set) > 1 {
				verb = "are"
			}
			const msg = "%s, so alerts would only be printed to the console, though %s %s set: give the bot token (xoxb-...), or leave the slack section out to print alerts on purpose"
			// An error when another secret came through: Slack was
			// meant. A warning when only the channel is set (a shipped
			// template run before its secrets are), or the token is left
			// out on purpose beside a signing secret alone.
			if secrets && (v.c.given["slack.bot_token"] || s.AppToken.IsSet()) {
				v.add("slack.bot_token", msg, why, andList(set), verb)
			} else {
				v.warn("slack.bot_token", msg, why, andList(set), verb)
			}
		}
	}
	if s.PerChannelRate <= 0 {
		v.add("slack.per_channel_rate", "must be positive")
	}
}

func (v *validator) reports() {
	seen := map[string]bool{}
	for i, r := range v.c.Reports {
		p := fmt.Sprintf("reports[%d]", i)
		if r.Name == "" {
			v.add(p+".name", "missing")
		} else if seen[r.Name] {
			v.add(p+".name", "%q used twice", r.Name)
		}
		seen[r.Name] = true
		if r.Schedule == "" {
			v.add(p+".schedule", "missing, e.g. \"0 8 * * MON\"")
		} else {
			v.schedule(p+".schedule", r.Schedule, r.TimeZone)
		}
		if r.TimeZone != "" {
			if _, err := time.LoadLocation(r.TimeZone); err != nil {
				v.add(p+".time_zone", "unknown time zone %q, e.g. Europe/Berlin", r.TimeZone)
			}
		}
		if r.Channel == "" || !IsSlackChannel(r.Channel) {
			v.add(p+".channel", "%q: give #name (lower case) or a channel ID (C...)", r.Channel)
		}
		if r.Period.D() < time.Hour {
			v.add(p+".period", "%s is too short (at least 1h)", r.Period)
		}
	}
}

func (v *validator) silences() {
	for i, s := range v.c.Silences {
		p := fmt.Sprintf("silences[%d]", i)
		m := s.Match
		if len(m.Topic)+len(m.Rule)+len(m.Source) == 0 && m.Text == "" {
			v.add(p+".match", "empty: a silence must say what it mutes")
		}
		if s.Until.IsZero() {
			v.add(p+".until", "missing: a silence must end")
		}
		if s.Reason == "" {
			v.add(p+".reason", "missing: say why, so others know")
		}
		for j, src := range m.Source {
			if !v.sourceKnown(src) {
				v.add(fmt.Sprintf("%s.match.source[%d]", p, j), "unknown source %q (sources: %s)", src, v.sourceNames())
			}
		}
		v.ruleNames(p+".match.rule", m.Rule)
	}
}

func (v *validator) tests() {
	for i, t := range v.c.Tests {
		p := fmt.Sprintf("tests[%d]", i)
		if strings.TrimSpace(t.Text) == "" && strings.TrimSpace(t.Title) == "" {
			v.add(p+".text", "missing")
		}
		e := t.Expect
		if e.Criticism == nil && e.Topic == "" && e.Route == "" && e.Severity == "" {
			v.add(p+".expect", "empty: say what the text must give (criticism, topic, route, severity)")
		}
		if e.Route != "" && !v.routeKnown(e.Route) {
			v.add(p+".expect.route", "unknown route %q", e.Route)
		}
		if e.Severity != "" && !slices.Contains(severities, e.Severity) {
			v.add(p+".expect.severity", "%q is not one of low, medium, high, crisis", e.Severity)
		}
		if t.Source != "" && !v.sourceKnown(t.Source) {
			v.add(p+".source", "unknown source %q (sources: %s)", t.Source, v.sourceNames())
		}
	}
}

func (v *validator) routeKnown(id string) bool {
	for i := range v.c.Routes {
		if v.c.Routes[i].ID(i) == id {
			return true
		}
	}
	return id == "none"
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func knownKeys[V any](m map[string]V) string {
	if len(m) == 0 {
		return " (none are defined under guidelines)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return " (known: " + strings.Join(keys, ", ") + ")"
}
