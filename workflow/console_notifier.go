package workflow

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// consoleNotifier prints alerts for setups without a Slack bot token, as
// the spine did: readable text, one alert after the other.
type consoleNotifier struct {
	mu  sync.Mutex
	out io.Writer
	seq int
}

func newConsoleNotifier(out io.Writer) *consoleNotifier {
	if out == nil {
		out = io.Discard
	}
	return &consoleNotifier{out: out}
}

func (c *consoleNotifier) kind() string { return "console" }

func (c *consoleNotifier) post(_ context.Context, dest string, msg message) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	ts := fmt.Sprintf("console-%d", c.seq)
	text := msg.Console
	if text == "" {
		text = msg.Text
	}
	prefix := ""
	if msg.ThreadTS != "" {
		prefix = "  ↳ "
	}
	var b strings.Builder
	for line := range strings.Lines(text) {
		b.WriteString(prefix + line)
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	if msg.ThreadTS == "" {
		b.WriteString("\n")
	}
	if _, err := io.WriteString(c.out, b.String()); err != nil {
		return "", "", fmt.Errorf("console: %w", err)
	}
	if dest == "" {
		dest = "console"
	}
	return dest, ts, nil
}

func (c *consoleNotifier) update(_ context.Context, channel, ts string, msg message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := fmt.Fprintf(c.out, "[update %s] %s\n", ts, firstLine(msg.Console))
	return err
}

func (c *consoleNotifier) lookupUser(_ context.Context, email string) (string, string, error) {
	name, _, _ := strings.Cut(email, "@")
	return "", name, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// consoleAlert renders an alert as plain text for the terminal. The text
// is not escaped: a terminal does not act on Slack markup, but control
// characters are dropped so that a feed cannot move the cursor, and what
// a mention brings is one line each, so that it cannot add lines (a
// forged "owner:").
func consoleAlert(a alertView) string {
	c := a.Case
	v := &c.Verdict
	m := &v.Mention
	loc := a.Loc
	if loc == nil {
		loc = time.UTC
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if isDroppedControl(r) {
				return -1
			}
			return r
		}, s)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s ===\n", clean(oneLine(headline(v))))
	fmt.Fprintf(&b, "source:   %s\n", clean(oneLine(m.Source)))
	if m.Author != "" {
		fmt.Fprintf(&b, "author:   %s\n", clean(oneLine(m.Author)))
	}
	if m.Title != "" {
		fmt.Fprintf(&b, "title:    %s\n", clean(oneLine(m.Title)))
	}
	text := oneLine(m.Text)
	if r := []rune(text); len(r) > 500 {
		text = string(r[:499]) + "…"
	}
	if text != "" {
		fmt.Fprintf(&b, "excerpt:  %s\n", clean(text))
	}
	if m.URL != "" {
		fmt.Fprintf(&b, "link:     %s\n", clean(oneLine(m.URL)))
	}
	fmt.Fprintf(&b, "owner:    %s\n", clean(oneLine(c.Owner)))
	if c.Deputy != "" {
		fmt.Fprintf(&b, "deputy:   %s\n", clean(oneLine(c.Deputy)))
	}
	if !c.Escalation.DueAt.IsZero() {
		fmt.Fprintf(&b, "deadline: %s\n", c.Escalation.DueAt.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
	}
	if g := a.Guideline; g != nil {
		fmt.Fprintf(&b, "guideline %s: %s\n", g.name, g.cfg.Summary)
		for i, s := range g.cfg.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
		for _, s := range g.cfg.Do {
			fmt.Fprintf(&b, "  do:    %s\n", s)
		}
		for _, s := range g.cfg.Dont {
			fmt.Fprintf(&b, "  don't: %s\n", s)
		}
		if a.Reply != "" {
			b.WriteString("reply template:\n")
			for line := range strings.Lines(a.Reply) {
				b.WriteString("  | " + clean(strings.TrimRight(line, "\n")) + "\n")
			}
		}
	}
	fmt.Fprintf(&b, "case:     %s (route %s)\n", c.ID, clean(oneLine(c.Route)))
	return b.String()
}
