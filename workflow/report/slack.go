package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot/earshot/workflow"
	"github.com/slack-go/slack"
)

// Slack limits and retry bounds.
const (
	// maxSlackText keeps the summary well under chat.postMessage's limit.
	maxSlackText = 12000
	// slackAttempts and maxRetryAfter bound the retries after HTTP 429.
	slackAttempts = 3
	maxRetryAfter = time.Minute
)

// Post sends the report to a Slack channel (a #name or a channel ID): the
// summary as a message, then the mentions chart as a PNG in the same
// channel through the file upload flow (files.getUploadURLExternal, the
// upload, files.completeUploadExternal). Text from the web is escaped, so
// a title with "<!channel>" or a link is shown, never acted upon.
// Rate-limited calls are retried after the time Slack asks for.
func Post(ctx context.Context, api *slack.Client, channel string, r *Report) error {
	if api == nil {
		return errors.New("post report: no slack client")
	}
	png, err := r.ChartPNG()
	if err != nil {
		return fmt.Errorf("post report: %w", err)
	}
	text := r.SlackText()
	title, _, _ := strings.Cut(text, "\n")
	var channelID string
	err = retry(ctx, func() error {
		var err error
		channelID, _, err = api.PostMessageContext(ctx, channel,
			// The text in blocks marked verbatim, so that Slack turns no
			// URL or name in it into a link or mention; the plain text
			// is the notification's.
			slack.MsgOptionBlocks(sections(text)...),
			slack.MsgOptionText(title, false),
			slack.MsgOptionDisableLinkUnfurl(),
			slack.MsgOptionDisableMediaUnfurl())
		return err
	})
	if err != nil {
		return fmt.Errorf("post report to %s: %w", channel, err)
	}
	if channelID == "" {
		channelID = channel
	}
	name := "earshot-report-" + r.To.In(r.Location).Format("2006-01-02") + ".png"
	err = retry(ctx, func() error {
		_, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader:   bytes.NewReader(png),
			FileSize: len(png),
			Filename: name,
			Title:    "Mentions per day, " + r.periodText(),
			AltTxt:   "Bar chart of mentions per day, critical stacked on the others",
			Channel:  channelID,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("upload report chart to %s: %w", channel, err)
	}
	return nil
}

// Block Kit's limits: blocks in a message, characters in a section.
const (
	maxBlocks      = 50
	maxSectionText = 3000
)

// sections splits mrkdwn text into verbatim section blocks, at line breaks
// where it can, within Block Kit's limits; what does not fit is cut off
// with "…" (the files hold the full report).
func sections(text string) []slack.Block {
	var blocks []slack.Block
	add := func(s string) {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, s, false, true), nil, nil))
	}
	for text != "" && len(blocks) < maxBlocks {
		r := []rune(text)
		if len(r) <= maxSectionText {
			add(text)
			break
		}
		cut := string(r[:maxSectionText-1])
		if i := strings.LastIndexByte(cut, '\n'); i > 0 {
			cut = cut[:i]
		} else if i := strings.LastIndexByte(cut, '&'); i > 0 && len(cut)-i < len("&amp;") && !strings.Contains(cut[i:], ";") {
			// A line longer than a section is cut inside it: not
			// inside an escaped "&amp;", "&lt;" or "&gt;", which
			// Slack would show as "&am" and "p;".
			cut = cut[:i]
		}
		if len(blocks) == maxBlocks-1 {
			add(cut + "…")
			break
		}
		add(cut)
		text = strings.TrimPrefix(text[len(cut):], "\n")
	}
	return blocks
}

// retry runs fn until it succeeds, fails with an error other than a rate
// limit, or slackAttempts are used up.
func retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || attempt == slackAttempts {
			return err
		}
		t := time.NewTimer(min(max(rl.RetryAfter, time.Second), maxRetryAfter))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// SlackText renders the report's summary as Slack mrkdwn: the figures
// against the previous period, wins, top lists, response times, open cases
// and hints. The full tables are in the Markdown and CSV files.
func (r *Report) SlackText() string {
	var b strings.Builder
	cur, prev := r.Current, r.Previous
	title := "earshot report"
	if r.Name != "" {
		title += ": " + esc(r.Name)
	}
	fmt.Fprintf(&b, "*%s*, %s\n\n", title, esc(r.periodText()))
	fmt.Fprintf(&b, "*Mentions:* %d (previous period %d, %s)\n", cur.Mentions, prev.Mentions, change(cur.Mentions, prev.Mentions))
	fmt.Fprintf(&b, "*Critical:* %d, %s of all (%s)\n", cur.Critical, pct(cur.CriticalShare), points(cur.CriticalShare, prev.CriticalShare))
	fmt.Fprintf(&b, "*Tonality:* mean score %.2f (%+.2f; higher is more critical)\n", cur.MeanScore, cur.MeanScore-prev.MeanScore)
	fmt.Fprintf(&b, "*Cases:* %d opened; answered within the agreed time: %s; first reply median %s, 90%% within %s\n",
		cur.Cases, ofDue(cur), fmtDur(r.Response.Reply.Median), fmtDur(r.Response.Reply.P90))
	fmt.Fprintf(&b, "*Open:* %d, of which %d overdue\n", len(r.Open), len(r.Overdue))

	if len(r.Wins) > 0 {
		b.WriteString("\n*Wins*\n")
		for _, w := range r.Wins {
			fmt.Fprintf(&b, "• %s\n", esc(w))
		}
	}

	b.WriteString("\n")
	for _, top := range []struct {
		title string
		rows  []Count
	}{{"Top topics", r.Topics}, {"Top sources", r.Sources}, {"Top authors", r.Authors}} {
		if len(top.rows) == 0 {
			continue
		}
		parts := make([]string, 0, topN)
		for _, c := range top.rows[:min(len(top.rows), topN)] {
			parts = append(parts, fmt.Sprintf("%s %d (%d critical)", esc(oneLine(clipRunes(c.Name, 60))), c.Mentions, c.Critical))
		}
		fmt.Fprintf(&b, "*%s:* %s\n", top.title, strings.Join(parts, ", "))
	}

	if len(r.ByOwner) > 0 {
		b.WriteString("\n*Response times by owner* (acknowledge / first reply / resolve, median)\n")
		for _, t := range r.ByOwner[:min(len(r.ByOwner), topN)] {
			fmt.Fprintf(&b, "• %s: %d cases, %s / %s / %s, in time %s\n", esc(oneLine(t.Group)), t.Cases,
				fmtDur(t.Ack.Median), fmtDur(t.Reply.Median), fmtDur(t.Resolve.Median), withinText(t.Within, t.Due))
		}
	}

	if len(r.Hints) > 0 {
		b.WriteString("\n*Hints*\n")
		for _, h := range r.Hints {
			fmt.Fprintf(&b, "• %s\n", esc(oneLine(clipRunes(h, 400))))
		}
	}
	s := strings.TrimRight(b.String(), "\n")
	if utf8.RuneCountInString(s) > maxSlackText {
		// Cut at a line end so no entity or markup is split.
		s = string([]rune(s)[:maxSlackText])
		if i := strings.LastIndexByte(s, '\n'); i > 0 {
			s = s[:i]
		}
		s += "\n…"
	}
	return s
}

// periodText is the period in the report's time zone.
func (r *Report) periodText() string {
	return fmtTime(r.From, r.Location) + " to " + fmtTime(r.To, r.Location)
}

// oneLine folds runs of white space, line breaks included, into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// esc escapes text for Slack as the alerts do (workflow.SlackText): "<!channel>",
// "<@U123>" and "<https://x|label>" are shown, never acted upon, mrkdwn's
// formatting characters become look-alikes, control characters other
// than newline and tab are dropped.
func esc(s string) string { return workflow.SlackText(s) }
