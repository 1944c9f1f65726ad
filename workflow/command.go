package workflow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
)

// commandHelp is the /earshot command's help text.
const commandHelp = "*/earshot* commands:\n" +
	"• `/earshot silence topic=delivery for 2h because outage`: mute alerts (matchers: topic, rule, source, text; values separated by commas; `for 30m|2h|1d` or `until 2026-11-26 09:00|17:00|tomorrow`)\n" +
	"• `/earshot unsilence ID`: end a silence\n" +
	"• `/earshot status`: silences in force and open cases\n" +
	"Only the people named on a route (owner, deputy, escalation contact, team) can use them."

// onCommand handles the /earshot slash command and returns its ephemeral
// answer. Only the people named on any route may set, end or list
// silences: the list shows who set them and why, and the count of open
// cases, which are not for every member of the workspace. The help is
// for everyone.
func (w *Workflow) onCommand(ctx context.Context, cmd slack.SlashCommand) any {
	w.metrics.Interactions.WithLabelValues("command").Inc()
	verb, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	var text string
	switch strings.ToLower(verb) {
	case "silence", "mute":
		text = w.cmdSilence(ctx, cmd.UserID, rest)
	case "unsilence", "unmute":
		text = w.cmdUnsilence(ctx, cmd.UserID, strings.TrimSpace(rest))
	case "status":
		text = w.cmdStatus(ctx, cmd.UserID)
	default:
		text = commandHelp
	}
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}

// onAnyRoute reports whether user is one of the people of any route.
func (w *Workflow) onAnyRoute(ctx context.Context, user string) bool {
	r := w.router.Load()
	for i := range r.routes {
		rc := &r.routes[i].cfg
		c := &Case{Owner: rc.Owner, Deputy: rc.Deputy, EscalateTo: rc.EscalateTo, Team: rc.Team}
		if w.MayAct(ctx, c, user) {
			return true
		}
	}
	return false
}

// refuseCommand counts a command refused to someone on no route and
// returns the answer that says why.
func (w *Workflow) refuseCommand(user, verb, may string) string {
	w.metrics.Interactions.WithLabelValues("refused_permission").Inc()
	w.log.Info("command refused", "actor", user, "command", verb, "reason", "not_on_route")
	return "Only the people named on a route (owner, deputy, escalation contact, team) can " + may + "."
}

func (w *Workflow) cmdSilence(ctx context.Context, user, args string) string {
	if !w.onAnyRoute(ctx, user) {
		return w.refuseCommand(user, "silence", "set silences")
	}
	sil, err := parseSilence(args, w.now(), time.Local)
	if err != nil {
		return clip("Not understood: "+err.Error(), 500) + "\n" + commandHelp
	}
	sil.Author = user
	s, err := w.silences.add(ctx, sil)
	if err != nil {
		w.logError(ctx, "silence not stored", "err", err)
		return "The silence could not be stored, please try again."
	}
	w.log.Info("silence set", "silence", s.ID, "author", user, "until", s.Until)
	return fmt.Sprintf(":mute: Silence `%s` set by %s until %s: %s, because %s. Muted mentions are still counted. End it with `/earshot unsilence %s`.",
		s.ID, mentionUser(user, user), s.Until.In(time.Local).Format("Mon 2 Jan 15:04 MST"), describeMatch(s.Match()), clip(s.Reason, 300), s.ID)
}

func (w *Workflow) cmdUnsilence(ctx context.Context, user, id string) string {
	if !w.onAnyRoute(ctx, user) {
		return w.refuseCommand(user, "unsilence", "end silences")
	}
	id = strings.ToLower(id)
	s, err := w.silences.remove(ctx, id)
	if errors.Is(err, ErrCaseNotFound) {
		return "No silence " + clip(id, 20) + " (it may have ended already). `/earshot status` lists them."
	}
	if err != nil {
		w.logError(ctx, "silence not removed", "silence", id, "err", err)
		return "The silence could not be removed, please try again."
	}
	w.log.Info("silence ended", "silence", id, "actor", user)
	return fmt.Sprintf(":loud_sound: Silence `%s` (%s) ended by %s.", s.ID, describeMatch(s.Match()), mentionUser(user, user))
}

func (w *Workflow) cmdStatus(ctx context.Context, user string) string {
	if !w.onAnyRoute(ctx, user) {
		return w.refuseCommand(user, "status", "see the silences and open cases")
	}
	var b strings.Builder
	act, err := w.silences.active(ctx)
	if err != nil {
		w.log.Warn("silences not loaded", "err", err)
	}
	cfg := w.router.Load().silences
	now := w.now()
	n := 0
	b.WriteString("*Silences in force:*")
	for _, s := range act {
		n++
		fmt.Fprintf(&b, "\n• `%s` %s until %s, by %s: %s", s.ID, describeMatch(s.Match()),
			s.Until.In(time.Local).Format("Mon 2 Jan 15:04 MST"), mentionUser(s.Author, s.Author), clip(s.Reason, 200))
	}
	for _, s := range cfg {
		if !s.Until.IsZero() && !now.Before(s.Until) {
			continue
		}
		n++
		until := "further notice"
		if !s.Until.IsZero() {
			until = s.Until.In(time.Local).Format("Mon 2 Jan 15:04 MST")
		}
		fmt.Fprintf(&b, "\n• (config) %s until %s: %s", describeMatch(s.Match), until, clip(s.Reason, 200))
	}
	if n == 0 {
		b.WriteString(" none")
	}
	if open, ok := w.openCases(ctx); ok {
		fmt.Fprintf(&b, "\n*Open cases:* %d", open)
	}
	return b.String()
}

// openCases counts the cases that are not resolved or false positives;
// ok is false when the store did not answer in time.
func (w *Workflow) openCases(ctx context.Context) (int, bool) {
	n := 0
	err := w.store.Each(ctx, func(c *Case) error {
		if !c.State.Final() {
			n++
		}
		return nil
	}, func(string, error) {})
	return n, err == nil
}

// parseSilence reads "topic=delivery,returns source=reddit text="lost
// parcel" for 2h because outage" (or "until …"): at least one matcher, a
// duration or end, and a reason.
func parseSilence(args string, now time.Time, loc *time.Location) (config.Silence, error) {
	toks, err := tokens(args)
	if err != nil {
		return config.Silence{}, err
	}
	var s config.Silence
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch low := strings.ToLower(t); {
		case low == "because":
			s.Reason = strings.TrimSpace(strings.Join(toks[i+1:], " "))
			i = len(toks)
		case low == "for" && i+1 < len(toks):
			d, err := parseLength(toks[i+1])
			if err != nil {
				return s, err
			}
			s.Until = now.Add(d)
			i++
		case low == "until" && i+1 < len(toks):
			end, used, err := parseEnd(toks[i+1:], now, loc)
			if err != nil {
				return s, err
			}
			s.Until = end
			i += used
		case strings.Contains(t, "="):
			k, v, _ := strings.Cut(t, "=")
			var list config.StringList
			for p := range strings.SplitSeq(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, p)
				}
			}
			if len(list) == 0 {
				return s, fmt.Errorf("%s= needs a value", k)
			}
			switch strings.ToLower(k) {
			case "topic":
				s.Match.Topic = append(s.Match.Topic, list...)
			case "rule":
				s.Match.Rule = append(s.Match.Rule, list...)
			case "source":
				s.Match.Source = append(s.Match.Source, list...)
			case "text":
				s.Match.Text = v
			default:
				return s, fmt.Errorf("unknown matcher %q (topic, rule, source, text)", k)
			}
		default:
			return s, fmt.Errorf("unexpected %q", t)
		}
	}
	switch {
	case len(s.Match.Topic)+len(s.Match.Rule)+len(s.Match.Source) == 0 && s.Match.Text == "":
		return s, errors.New("say what to mute (topic=, rule=, source= or text=)")
	case s.Until.IsZero():
		return s, errors.New("say for how long (for 2h) or until when (until 17:00)")
	case !s.Until.After(now):
		return s, errors.New("the end is in the past")
	case s.Until.Sub(now) > maxSilence:
		return s, errors.New("at most 30 days")
	case s.Reason == "":
		return s, errors.New("say why (because …)")
	}
	return s, nil
}

// tokens splits on white space, keeping "quoted parts" together (quotes
// removed; key="a b" stays one token).
func tokens(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for _, r := range s {
		switch {
		case r == '"' || r == '“' || r == '”':
			in = !in
			has = true
		case unicode.IsSpace(r) && !in:
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if in {
		return nil, errors.New("unclosed quote")
	}
	if has {
		out = append(out, cur.String())
	}
	return out, nil
}

// parseLength reads 30m, 2h, 1h30m or 3d.
func parseLength(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(strings.ToLower(s), "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("bad length %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad length %q (30m, 2h, 1d)", s)
	}
	return d, nil
}

// parseEnd reads an end time from the start of toks: RFC 3339,
// "2006-01-02 15:04", "15:04" (the next such time) or "tomorrow" (9:00),
// in loc; it returns how many tokens it used.
func parseEnd(toks []string, now time.Time, loc *time.Location) (time.Time, int, error) {
	t0 := toks[0]
	if strings.EqualFold(t0, "tomorrow") {
		n := now.In(loc)
		return time.Date(n.Year(), n.Month(), n.Day()+1, 9, 0, 0, 0, loc), 1, nil
	}
	if t, err := time.Parse(time.RFC3339, t0); err == nil {
		return t, 1, nil
	}
	if len(toks) > 1 {
		if t, err := time.ParseInLocation("2006-01-02 15:04", t0+" "+toks[1], loc); err == nil {
			return t, 2, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", t0, loc); err == nil {
		return t, 1, nil
	}
	if hm, err := time.Parse("15:04", t0); err == nil {
		n := now.In(loc)
		t := time.Date(n.Year(), n.Month(), n.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
		if !t.After(now) {
			t = t.AddDate(0, 0, 1)
		}
		return t, 1, nil
	}
	return time.Time{}, 0, fmt.Errorf("bad time %q", t0)
}
