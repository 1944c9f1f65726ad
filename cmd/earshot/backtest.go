package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// readStream calls fn for every message stored in stream since the given
// time, in order, up to the last message stored when it started: it never
// waits for new ones.
func readStream(ctx context.Context, js jetstream.JetStream, stream string, since time.Time, fn func(jetstream.Msg) error) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime:  &since,
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	for left := info.NumPending; left > 0; {
		batch, err := cons.Fetch(int(min(left, 500)), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		n := uint64(0)
		for msg := range batch.Messages() {
			n++
			if err := fn(msg); err != nil {
				return err
			}
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		if n == 0 {
			return fmt.Errorf("read %s: %d messages announced but none arrived", stream, left)
		}
		left -= min(n, left)
	}
	return nil
}

// decision is what was, or would be, decided about one mention.
type decision struct {
	isMention bool
	criticism bool
	topic     string
	route     string
}

func (d decision) String() string {
	switch {
	case !d.isMention:
		return "not a mention"
	case !d.criticism:
		return "not criticism, topic " + orNone(d.topic)
	}
	return fmt.Sprintf("criticism, topic %s, route %s", orNone(d.topic), orNone(d.route))
}

// backtestChange is one kind of difference, with its examples.
type backtestChange struct {
	title    string
	count    int
	examples []string
}

// cmdBacktest replays the stored mentions of a period through the
// classifier and router built from FILE and shows what would change
// against what was decided then.
func cmdBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("backtest", stdout, stderr)
	path := fs.requiredString("config", "config file with the changed rules")
	sinceFlag := fs.String("since", "30d", "how far back to replay, e.g. 7d")
	examples := fs.Int("examples", 3, "examples to show for each kind of change")
	if code, ok := fs.parse(args, false); !ok {
		return code
	}
	since, err := config.ParseDuration(*sinceFlag)
	if err == nil && since <= 0 {
		err = fmt.Errorf("%q: must be positive", *sinceFlag)
	}
	if err != nil {
		fmt.Fprintln(stderr, "earshot backtest: --since", err)
		return exitUsage
	}
	b, ok := loadBuild(*path, stderr)
	if !ok {
		return exitFailed
	}
	cfg := b.cfg
	st, err := openStore(ctx, cfg, newLogger(config.Log{Level: "warn"}, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "earshot backtest:", err)
		return exitFailed
	}
	defer st.close()
	res, err := backtest(ctx, b, st, time.Now().Add(-since.D()), progressTo(stderr))
	if err != nil {
		fmt.Fprintln(stderr, "earshot backtest:", err)
		return exitFailed
	}
	res.print(stdout, *sinceFlag, *examples)
	return exitOK
}

type backtestResult struct {
	mentions int
	changes  []*backtestChange
}

// backtest compares, for every mention stored since from, the verdict and
// route stored then with what b decides now.
func backtest(ctx context.Context, b *build, st *broker, from time.Time, progress func(done, total int)) (*backtestResult, error) {
	// What was decided then: the verdicts, and the routes of the cases.
	then := map[string]decision{}
	err := readStream(ctx, st.js, mention.VerdictsStream, from, func(msg jetstream.Msg) error {
		v, err := mention.DecodeVerdict(msg.Data())
		if err == nil && !v.Mention.Update {
			then[v.Mention.ID] = decision{isMention: true, criticism: v.Criticism, topic: v.Topic()}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := caseRoutes(ctx, st.cases, then); err != nil {
		return nil, err
	}

	var mentions []mention.Mention
	err = readStream(ctx, st.js, mention.MentionsStream, from, func(msg jetstream.Msg) error {
		if m, err := mention.DecodeMention(msg.Data()); err == nil && !m.Update {
			mentions = append(mentions, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	kinds := map[string]*backtestChange{}
	order := []string{"newly flagged as criticism", "no longer flagged", "different topic", "different route", "now a mention", "no longer a mention"}
	for _, k := range order {
		kinds[k] = &backtestChange{title: k}
	}
	res := &backtestResult{mentions: len(mentions)}
	var v mention.Verdict
	for i := range mentions {
		m := &mentions[i]
		if progress != nil && (i%256 == 0 || i == len(mentions)-1) {
			progress(i+1, len(mentions))
		}
		old := then[m.ID]
		now := decision{isMention: b.cls.Classify(m, &v)}
		if now.isMention {
			now.criticism, now.topic = v.Criticism, v.Topic()
			if v.Criticism {
				if rs := b.router.Route(&v); len(rs) > 0 {
					now.route = rs[0].ID
				}
			}
		}
		var kind string
		switch {
		case old.isMention && !now.isMention:
			kind = "no longer a mention"
		case !old.isMention && now.isMention && now.criticism:
			kind = "newly flagged as criticism"
		case !old.isMention && now.isMention:
			kind = "now a mention"
		case !old.criticism && now.criticism:
			kind = "newly flagged as criticism"
		case old.criticism && !now.criticism:
			kind = "no longer flagged"
		case old.topic != now.topic:
			kind = "different topic"
		case old.criticism && old.route != "" && old.route != now.route:
			kind = "different route"
		default:
			continue
		}
		c := kinds[kind]
		c.count++
		c.examples = append(c.examples, fmt.Sprintf("%s: %q\n      then: %s\n      now:  %s", m.Source, excerpt(m.Body(), 100), old, now))
	}
	for _, k := range order {
		res.changes = append(res.changes, kinds[k])
	}
	return res, nil
}

// caseRoutes adds the route of every stored case to the decisions.
func caseRoutes(ctx context.Context, kv jetstream.KeyValue, then map[string]decision) error {
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("read cases: %w", err)
	}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue // deleted or expired since listed
		}
		var c struct {
			Route   string          `json:"route"`
			Verdict mention.Verdict `json:"verdict"`
		}
		if json.Unmarshal(e.Value(), &c) != nil {
			continue
		}
		d := then[c.Verdict.Mention.ID]
		if d.route == "" {
			d.route = c.Route
			then[c.Verdict.Mention.ID] = d
		}
	}
	return nil
}

func (r *backtestResult) print(w io.Writer, since string, examples int) {
	changed := 0
	for _, c := range r.changes {
		changed += c.count
	}
	fmt.Fprintf(w, "replayed %d mentions of the last %s: %d would be decided differently\n", r.mentions, since, changed)
	for _, c := range r.changes {
		if c.count == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d\n", c.title, c.count)
		for _, e := range c.examples[:min(examples, len(c.examples))] {
			fmt.Fprintf(w, "  - %s\n", e)
		}
	}
}

// progressTo returns a progress bar writer when w is a terminal, else nil.
func progressTo(w io.Writer) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) {
		const width = 30
		n := width * done / max(total, 1)
		fmt.Fprintf(f, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
		if done == total {
			fmt.Fprintln(f)
		}
	}
}
