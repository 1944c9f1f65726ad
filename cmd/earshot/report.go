package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/workflow/report"
)

// cmdReport renders a report of the stored mentions, verdicts and cases
// into a folder: a Markdown summary, PNG charts and CSV files.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", stdout, stderr)
	path := fs.requiredString("config", "config file")
	sinceFlag := fs.String("since", "7d", "the period that ends now, e.g. 7d or 30d")
	out := fs.String("out", "report", "folder to write summary.md, the charts and the CSV files into")
	tz := fs.String("time-zone", "", "time zone of the day buckets (default: local)")
	if code, ok := fs.parse(args, false); !ok {
		return code
	}
	since, err := config.ParseDuration(*sinceFlag)
	if err == nil && since <= 0 {
		err = fmt.Errorf("%q: must be positive", *sinceFlag)
	}
	if err != nil {
		fmt.Fprintln(stderr, "earshot report: --since", err)
		return exitUsage
	}
	loc := time.Local
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			fmt.Fprintln(stderr, "earshot report: --time-zone", err)
			return exitUsage
		}
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return exitFailed
	}
	st, err := openStore(ctx, cfg, newLogger(config.Log{Level: "warn"}, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "earshot report:", err)
		return exitFailed
	}
	defer st.close()
	to := time.Now()
	from := to.Add(-since.D())
	d, err := report.Collect(ctx, report.Store{JS: st.js, Cases: st.cases}, from, to)
	if err != nil {
		fmt.Fprintln(stderr, "earshot report:", err)
		return exitFailed
	}
	r := report.Compute(d, cfg, from, to, loc)
	r.Name = "last " + *sinceFlag
	if err := r.WriteDir(*out); err != nil {
		fmt.Fprintln(stderr, "earshot report:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "report of the last %s written to %s\n", *sinceFlag, filepath.Join(*out, "summary.md"))
	return exitOK
}

// slackClient returns the Web API client for the configured bot token, or
// nil when Slack is not configured.
func slackClient(c config.Slack) *slack.Client {
	if !c.BotToken.IsSet() {
		return nil
	}
	var opts []slack.Option
	if c.APIURL != "" {
		u := c.APIURL
		if u[len(u)-1] != '/' {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	return slack.New(c.BotToken.Value(), opts...)
}
