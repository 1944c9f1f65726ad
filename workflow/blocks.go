package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/mention"
)

// alertView is everything an alert message shows besides the case itself:
// the resolved people and the rendered guideline. Building it is the
// workflow's job; rendering it is a pure function, tested with golden files.
type alertView struct {
	Case *Case
	// OwnerID and DeputyID are Slack user IDs ("" when unresolved, then
	// the configured name is shown as text).
	OwnerID  string
	DeputyID string
	// Guideline is nil when the route has none; Reply is its rendered
	// template.
	Guideline *guideline
	Reply     string
	// Loc is the time zone deadlines are shown in.
	Loc *time.Location
	// Status is a line about the case's state, shown once someone acted
	// (for the in-place update); "" for a fresh alert.
	Status string
}

// The block IDs of an alert, stable so that interactions can find them.
const (
	blockIDActions = "case_actions"
	blockIDStatus  = "case_status"
)

var buttonLabels = map[Action]string{
	ActionAck:           "Acknowledge",
	ActionTake:          "Take it",
	ActionSnooze:        "Snooze",
	ActionReplied:       "Replied",
	ActionResolve:       "Resolve",
	ActionFalsePositive: "False positive",
}

var severityMarks = map[mention.Severity]string{
	mention.SeverityLow:    ":large_yellow_circle:",
	mention.SeverityMedium: ":large_orange_circle:",
	mention.SeverityHigh:   ":red_circle:",
	mention.SeverityCrisis: ":rotating_light:",
}

func mrkdwn(s string) *slack.TextBlockObject {
	// verbatim: Slack must not turn URLs, #channels or @names in the text
	// into links or mentions on its own.
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clipMarkup(s, maxSectionText)), nil, nil)
}

// headline is the alert's header text, unescaped: "HIGH criticism · delivery".
func headline(v *mention.Verdict) string {
	sev := strings.ToUpper(string(v.Severity))
	if sev == "" {
		sev = "CRITICAL"
	}
	topic := v.Topic()
	if topic == "" {
		topic = "no topic"
	}
	return sev + " criticism · " + topic
}

// alertBlocks renders the Block Kit alert of a case.
func alertBlocks(a alertView) []slack.Block {
	c := a.Case
	v := &c.Verdict
	m := &v.Mention
	loc := a.Loc
	if loc == nil {
		loc = time.UTC
	}
	var blocks []slack.Block

	mark := severityMarks[v.Severity]
	if mark == "" {
		mark = ":warning:"
	}
	// The mark is earshot's own emoji: not escaped, or it would be inert.
	blocks = append(blocks, slack.NewHeaderBlock(plain(mark+" "+clip(headline(v), maxHeaderText-utf8.RuneCountInString(mark)-1))))

	// Source and author.
	who := "*Source:* " + clip(m.Source, 200)
	if m.Author != "" {
		who += "   *Author:* " + clip(m.Author, 200)
	}
	switch {
	case !m.Published.IsZero() && m.Published.Equal(m.FirstSeen):
		// The feed gave no date (or one in the future): the listener used
		// the time it found the item.
		who += "   *First seen:* " + m.Published.In(loc).Format("Mon 2 Jan 15:04 MST")
	case !m.Published.IsZero():
		who += "   *Published:* " + m.Published.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	blocks = append(blocks, section(who))

	// Title and excerpt with the matched cues in bold.
	var ex strings.Builder
	if link := safeURL(m.URL); link != "" && m.Title != "" {
		ex.WriteString("*<" + link + "|" + clip(oneLine(m.Title), 250) + ">*\n")
	} else if m.Title != "" {
		ex.WriteString("*" + clip(oneLine(m.Title), 250) + "*\n")
	}
	ex.WriteString(excerpt(m, v.Rules, min(maxExcerpt, maxSectionText-utf8.RuneCountInString(ex.String())-10)))
	blocks = append(blocks, section(ex.String()))

	// Link, owner, deadline.
	var facts []string
	if link := safeURL(m.URL); link != "" {
		facts = append(facts, "*Link:* <"+link+"|open the mention>")
	} else if m.URL != "" {
		facts = append(facts, "*Link:* "+clip(m.URL, 300)+" (not a web link)")
	}
	facts = append(facts, "*Owner:* "+mentionUser(a.OwnerID, c.Owner))
	if c.Deputy != "" {
		facts = append(facts, "*Deputy:* "+mentionUser(a.DeputyID, c.Deputy))
	}
	if due := c.Escalation.DueAt; !due.IsZero() {
		facts = append(facts, "*Answer by:* "+due.In(loc).Format("Mon 2 Jan 15:04 MST"))
	}
	blocks = append(blocks, section(strings.Join(facts, "\n")))

	if a.Status != "" {
		blocks = append(blocks, slack.NewContextBlock(blockIDStatus, mrkdwn(clipMarkup(a.Status, maxSectionText))))
	}

	// Guideline.
	if g := a.Guideline; g != nil {
		blocks = append(blocks, slack.NewDividerBlock())
		var gb strings.Builder
		gb.WriteString("*Guideline " + clip(g.name, 100) + ":* " + clip(g.cfg.Summary, 1000))
		for i, s := range g.cfg.Steps {
			fmt.Fprintf(&gb, "\n%d. %s", i+1, clip(s, 500))
		}
		blocks = append(blocks, section(gb.String()))
		if len(g.cfg.Do)+len(g.cfg.Dont) > 0 {
			var dd strings.Builder
			for _, s := range g.cfg.Do {
				dd.WriteString(":white_check_mark: " + clip(s, 400) + "\n")
			}
			for _, s := range g.cfg.Dont {
				dd.WriteString(":no_entry_sign: " + clip(s, 400) + "\n")
			}
			blocks = append(blocks, section(strings.TrimSuffix(dd.String(), "\n")))
		}
		if a.Reply != "" {
			blocks = append(blocks, section("*Reply template:*\n```"+clip(strings.ReplaceAll(a.Reply, "```", "'''"), maxSectionText-40)+"```"))
		}
	}

	// Buttons.
	if !c.State.Final() {
		var els []slack.BlockElement
		for _, act := range Actions() {
			if act == ActionSnooze {
				els = append(els, snoozeMenu(c.ID))
				continue
			}
			b := slack.NewButtonBlockElement(string(act), c.ID, plain(buttonLabels[act]))
			if act == ActionAck {
				b = b.WithStyle(slack.StylePrimary)
			}
			els = append(els, b)
		}
		if a.Guideline != nil {
			els = append(els, slack.NewButtonBlockElement(actionDraft, c.ID, plain("Draft reply")))
		}
		blocks = append(blocks, slack.NewActionBlock(blockIDActions, els...))
	}

	// Footer: case, route, rules.
	rules := make([]string, 0, len(v.Rules))
	for _, r := range v.Rules {
		if !slices.Contains(rules, r.Rule) {
			rules = append(rules, r.Rule)
		}
	}
	foot := fmt.Sprintf("case %s · route %s · score %.1f", c.ID, clip(c.Route, 100), v.Score)
	if len(rules) > 0 {
		foot += " · rules: " + clip(strings.Join(rules, ", "), 500)
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(foot)))

	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}
	return blocks
}

// maxExcerpt keeps the excerpt readable: the link has the rest.
const maxExcerpt = 800

// alertText is the notification text of an alert (shown in push
// notifications and by clients without Block Kit), escaped.
func alertText(c *Case) string {
	m := &c.Verdict.Mention
	s := headline(&c.Verdict) + " from " + m.Source
	if m.Title != "" {
		s += ": " + oneLine(m.Title)
	}
	return clip(s, 300)
}

// excerpt escapes the mention's body with the spans of the matched rules in
// bold, cut to at most max characters on rune boundaries. A long body is
// shown from shortly before the first matched cue.
func excerpt(m *mention.Mention, rules []mention.Match, max int) string {
	body := m.Body() // spans count from its start; the title is shown on its own line
	spans := cueSpans(body, rules)
	start := 0
	if m.Title != "" && m.Text != "" {
		start = len(m.Title) + 1
	}
	const lead = 200
	if len(spans) > 0 && spans[0].Start-start > 600 {
		start = spans[0].Start - lead
		for start > 0 && !utf8.RuneStart(body[start]) {
			start--
		}
	}
	var b strings.Builder
	n := 0
	prefix := ""
	if start > 0 && (m.Title == "" || start > len(m.Title)+1) {
		prefix = "…"
		n++
	}
	b.WriteString(prefix)
	// write writes an escaped piece, bold when cue; false when out of room.
	write := func(piece string, cue bool) bool {
		e := escapeText(piece)
		bold := cue && !strings.ContainsAny(piece, "*\n") && strings.TrimSpace(piece) == piece && piece != ""
		extra := 0
		if bold {
			extra = 2
		}
		if w := utf8.RuneCountInString(e) + extra; n+w <= max-1 {
			if bold {
				e = "*" + e + "*"
			}
			b.WriteString(e)
			n += w
			return true
		}
		b.WriteString(clip(piece, max-n))
		return false
	}
	pos := start
	for _, sp := range spans {
		if sp.End <= pos {
			continue
		}
		if sp.Start > pos {
			if !write(body[pos:sp.Start], false) {
				return b.String()
			}
			pos = sp.Start
		}
		if !write(body[pos:sp.End], true) {
			return b.String()
		}
		pos = sp.End
	}
	if pos < len(body) {
		write(body[pos:], false)
	}
	return b.String()
}

// cueSpans returns the valid spans of rules that flag criticism, sorted and
// merged. Invalid spans (out of range, inside a rune) are ignored.
func cueSpans(body string, rules []mention.Match) []mention.Span {
	var spans []mention.Span
	for _, r := range rules {
		if !r.Criticism {
			continue
		}
		for _, s := range r.Spans {
			if s.Start < 0 || s.End > len(body) || s.Start >= s.End {
				continue
			}
			if !utf8.RuneStart(body[s.Start]) || (s.End < len(body) && !utf8.RuneStart(body[s.End])) {
				continue
			}
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b mention.Span) int { return a.Start - b.Start })
	var out []mention.Span
	for _, s := range spans {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// groupBlocks renders the message that stands for several alerts to one
// channel when more arrived than the channel's rate allows: a line for
// each, with the full alerts following in its thread.
func groupBlocks(cases []*Case) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(fmt.Sprintf(":rotating_light: %d critical mentions", len(cases)))),
	}
	const room = maxBlocks - 3
	for i, c := range cases {
		if i == room {
			blocks = append(blocks, section(fmt.Sprintf("… and %d more", len(cases)-room)))
			break
		}
		m := &c.Verdict.Mention
		line := "*" + clip(headline(&c.Verdict), 120) + "* · " + clip(m.Source, 100)
		if m.Author != "" {
			line += " · " + clip(m.Author, 100)
		}
		title := m.Title
		if title == "" {
			title = m.Text
		}
		if link := safeURL(m.URL); link != "" {
			line += "\n<" + link + "|" + clip(oneLine(title), 200) + ">"
		} else {
			line += "\n" + clip(oneLine(title), 200)
		}
		blocks = append(blocks, section(line))
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn("Each alert, with its guideline and buttons, follows in the thread.")))
	return blocks
}

// groupText is the notification text of a group message.
func groupText(n int) string {
	return fmt.Sprintf("%d critical mentions", n)
}

// snoozeMenu is the alert's snooze control: a menu of durations whose
// values are "<case ID>|<choice>" (1h, 4h, 1d, tomorrow).
func snoozeMenu(id string) *slack.SelectBlockElement {
	opts := make([]*slack.OptionBlockObject, 0, len(snoozeChoices))
	for _, ch := range snoozeChoices {
		opts = append(opts, slack.NewOptionBlockObject(id+"|"+ch.value, plain(ch.label), nil))
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(buttonLabels[ActionSnooze]+"…"), string(ActionSnooze), opts...)
}
