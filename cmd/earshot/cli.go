package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/listener"
	"github.com/earshot/earshot/mention"
	"github.com/earshot/earshot/workflow"
)

// cmdCheck validates the config, compiles the rules and runs the config's
// tests, like promtool's rule tests.
func cmdCheck(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", stdout, stderr)
	path := fs.requiredString("config", "config file")
	if code, ok := fs.parse(args, false); !ok {
		return code
	}
	cfg, err := config.LoadAll(*path)
	if err != nil {
		if cfg != nil {
			err = errors.Join(err, checkBeside(cfg, *path, stdout))
		}
		printProblems(stderr, err)
		return exitFailed
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	b, err := compile(cfg)
	if err != nil {
		printProblems(stderr, err)
		return exitFailed
	}
	failed := runTests(b, stdout)
	fmt.Fprintf(stdout, "%s: %d sources, %d rules, %d routes; %d tests, %d failed\n",
		*path, len(cfg.Sources), len(cfg.Rules.Custom), len(cfg.Routes), len(cfg.Tests), failed)
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

// checkBeside goes on, for a config with problems, to what the problems
// do not touch, so that every problem shows at once: the schedules and
// presets of the sources and reports without problems are checked, the
// rules without problems are compiled (one rule's missing topic does not
// hide another's broken query), and the tests run when all they read is
// intact. It returns the problems it found.
func checkBeside(cfg *config.Config, path string, stdout io.Writer) error {
	problems := scheduleProblems(cfg)
	if !cfg.Intact("brand", "rules.packs") {
		return cfg.Locate(errors.Join(problems...))
	}
	rules := cfg.Rules
	rules.Custom = nil
	var index []int // of rules.Custom in cfg.Rules.Custom
	for i, r := range cfg.Rules.Custom {
		if cfg.Intact(fmt.Sprintf("rules.custom[%d]", i)) {
			rules.Custom, index = append(rules.Custom, r), append(index, i)
		}
	}
	cls, err := classifier.New(rules, cfg.Brand)
	if err != nil {
		return cfg.Locate(errors.Join(append(problems, renumberRules(err, index))...))
	}
	if len(rules.Custom) < len(cfg.Rules.Custom) || len(cfg.Tests) == 0 || !cfg.Intact("rules.threshold") || !cfg.Intact(routerSections...) {
		return cfg.Locate(errors.Join(problems...))
	}
	router, err := workflow.NewRouter(cfg)
	if err != nil {
		return cfg.Locate(errors.Join(append(problems, err)...))
	}
	failed := runTests(&build{cfg: cfg, cls: cls, router: router}, stdout)
	fmt.Fprintf(stdout, "%s: %d tests, %d failed; the config has problems too\n", path, len(cfg.Tests), failed)
	return cfg.Locate(errors.Join(problems...))
}

// renumberRules gives the problems of rules.custom[j] of a subset of the
// custom rules the paths of the rules they are, rules.custom[index[j]].
func renumberRules(err error, index []int) error {
	errs := config.Errors(err)
	for _, e := range errs {
		fe, ok := errors.AsType[*config.FieldError](e)
		if !ok {
			continue
		}
		rest, ok := strings.CutPrefix(fe.Path, "rules.custom[")
		if !ok {
			continue
		}
		num, rest, _ := strings.Cut(rest, "]")
		if j, err := strconv.Atoi(num); err == nil && j < len(index) {
			fe.Path = fmt.Sprintf("rules.custom[%d]%s", index[j], rest)
		}
	}
	return errors.Join(errs...)
}

// routerSections are the config's sections that routing reads
// (workflow.NewRouter), and its tests.
var routerSections = []string{"routes", "guidelines", "policy", "silences", "shadow", "tests"}

// runTests runs the config's tests and prints each failure with the cues
// that matched. It returns the number of failed tests.
func runTests(b *build, w io.Writer) int {
	failed := 0
	for i, t := range b.cfg.Tests {
		m := mention.Mention{ID: fmt.Sprintf("test-%d", i), Title: t.Title, Text: t.Text, Lang: t.Lang}
		if err := fromSource(b.cfg, t.Source, &m); err != nil {
			failed++
			fmt.Fprintf(w, "FAIL %s: tests[%d].source: %v\n", b.cfg.At(fmt.Sprintf("tests[%d].source", i)), i, err)
			continue
		}
		var v mention.Verdict
		isMention := b.cls.Classify(&m, &v)
		// With continue: true a mention takes every route it matches: the
		// expected route may be any of them.
		var routes []string
		if isMention && v.Criticism {
			for _, rm := range b.router.Route(&v) {
				routes = append(routes, rm.ID)
			}
		}
		route := orNone(strings.Join(routes, ", "))
		var problems []string
		e := t.Expect
		if e.Criticism != nil && (*e.Criticism != (isMention && v.Criticism)) {
			if !isMention {
				problems = append(problems, fmt.Sprintf("criticism: want %t, got false (the text does not name the brand)", *e.Criticism))
			} else {
				problems = append(problems, fmt.Sprintf("criticism: want %t, got %t (score %.2f)", *e.Criticism, v.Criticism, v.Score))
			}
		}
		if e.Topic != "" && !slices.Contains(v.Topics, e.Topic) {
			problems = append(problems, fmt.Sprintf("topic: want %s, got %s", e.Topic, orNone(strings.Join(v.Topics, ", "))))
		}
		if e.Route != "" && !slices.Contains(routes, e.Route) && !(e.Route == "none" && len(routes) == 0) {
			problems = append(problems, fmt.Sprintf("route: want %s, got %s", e.Route, route))
		}
		if e.Severity != "" && string(v.Severity) != e.Severity {
			problems = append(problems, fmt.Sprintf("severity: want %s, got %s", e.Severity, orNone(string(v.Severity))))
		}
		if len(problems) == 0 {
			continue
		}
		failed++
		fmt.Fprintf(w, "FAIL %s: tests[%d] %q\n", b.cfg.At(fmt.Sprintf("tests[%d]", i)), i, excerpt(m.Body(), 80))
		for _, p := range problems {
			fmt.Fprintf(w, "     %s\n", p)
		}
		fmt.Fprintf(w, "     matched: %s\n", describeMatches(&m, &v))
	}
	return failed
}

// fromSource makes m come from the configured source called name, as the
// listener would have it ("": no source).
func fromSource(cfg *config.Config, name string, m *mention.Mention) error {
	if name == "" {
		return nil
	}
	names := make([]string, 0, len(cfg.Sources))
	for i, s := range cfg.Sources {
		if s.Name == name {
			if !cfg.Intact(fmt.Sprintf("sources[%d]", i)) {
				return fmt.Errorf("source %q (sources[%d]) has problems", name, i)
			}
			m.Source, m.Sources, m.BrandOnly = s.Name, []string{s.Name}, s.BrandOnly
			return nil
		}
		names = append(names, s.Name)
	}
	return fmt.Errorf("unknown source %q (sources: %s)", name, orNone(strings.Join(names, ", ")))
}

// describeMatches lists the rules that matched, each with what it did: a
// criticism rule its weight (+), a praise or exclusion rule its weight (-),
// a rule that only assigns a topic its topic.
func describeMatches(m *mention.Mention, v *mention.Verdict) string {
	if len(v.Rules) == 0 {
		return "no rule"
	}
	body := m.Body()
	parts := make([]string, 0, len(v.Rules))
	for i, r := range v.Rules {
		var cues []string
		for _, s := range r.Spans {
			if s.Start >= 0 && s.End <= len(body) && s.Start < s.End {
				cues = append(cues, fmt.Sprintf("%q", body[s.Start:s.End]))
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s", r.Rule, ruleEffect(v, i), strings.Join(cues, " ")))
	}
	return strings.Join(parts, "; ")
}

// ruleEffect says what the matched rule v.Rules[i] did: added its weight
// (criticism), subtracted it (praise or exclusion), or only assigned its
// topic.
func ruleEffect(v *mention.Verdict, i int) string {
	switch r := v.Rules[i]; {
	case r.Criticism:
		return fmt.Sprintf("%+.2f", r.Weight)
	case r.TopicOnly:
		return "topic " + r.Topic
	default:
		return fmt.Sprintf("%+.2f", -r.Weight)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func excerpt(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// cmdClassify classifies stdin, one JSON line per input line.
func cmdClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("classify", stdout, stderr)
	path := fs.String("config", "", "config file (default: the built-in de and en packs, no brand terms)")
	if code, ok := fs.parse(args, false); !ok {
		return code
	}
	rules, brand := config.Rules{Packs: []string{"de", "en"}, Threshold: config.DefaultThreshold}, config.Brand{}
	if *path != "" {
		cfg, ok := loadConfig(*path, stderr)
		if !ok {
			return exitFailed
		}
		cls, err := classifier.New(cfg.Rules, cfg.Brand)
		if err != nil {
			printProblems(stderr, cfg.Locate(err))
			return exitFailed
		}
		return classifyLines(ctx, cls, stdin, stdout, stderr)
	}
	cls, err := classifier.New(rules, brand)
	if err != nil {
		printProblems(stderr, err)
		return exitFailed
	}
	return classifyLines(ctx, cls, stdin, stdout, stderr)
}

func classifyLines(ctx context.Context, cls *classifier.Classifier, stdin io.Reader, stdout, stderr io.Writer) int {
	if err := classifier.ClassifyLines(ctx, cls, stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "earshot classify:", err)
		return exitFailed
	}
	return exitOK
}

// cmdRoutesTest shows which route and guideline a text would get.
func cmdRoutesTest(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("routes test", stdout, stderr)
	path := fs.requiredString("config", "config file")
	source := fs.String("source", "", "pretend the text came from this source")
	if code, ok := fs.parse(args, true); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "earshot routes test: give the text to route")
		return exitUsage
	}
	b, ok := loadBuild(*path, stderr)
	if !ok {
		return exitFailed
	}
	m := mention.Mention{ID: "routes-test", Text: strings.Join(fs.Args(), " ")}
	if err := fromSource(b.cfg, *source, &m); err != nil {
		fmt.Fprintln(stderr, "earshot routes test: --source:", err)
		return exitUsage
	}
	var v mention.Verdict
	if !b.cls.Classify(&m, &v) {
		fmt.Fprintln(stdout, "not a mention: the text names no brand term (brand.terms)")
		return exitOK
	}
	fmt.Fprintf(stdout, "criticism: %t (score %.2f, severity %s)\ntopics: %s\nmatched: %s\n",
		v.Criticism, v.Score, orNone(string(v.Severity)), orNone(strings.Join(v.Topics, ", ")), describeMatches(&m, &v))
	routes := b.router.Route(&v)
	if len(routes) == 0 {
		fmt.Fprintln(stdout, "route: none matches")
		return exitOK
	}
	for _, r := range routes {
		where := r.Route.Channel
		if where == "" {
			where = "direct message"
		}
		fmt.Fprintf(stdout, "route: %s (routes[%d]) -> owner %s, %s, respond within %s\n", r.ID, r.Index, r.Route.Owner, where, r.Route.RespondWithin)
		if r.Route.Guideline != "" {
			fmt.Fprintf(stdout, "guideline: %s: %s\n", r.Route.Guideline, r.Guideline.Summary)
		}
	}
	if !v.Criticism {
		fmt.Fprintln(stdout, "(not criticism: no alert would be sent)")
	}
	return exitOK
}

// cmdSourcesTest fetches one or every source once and prints what would be
// published, without publishing.
func cmdSourcesTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources test", stdout, stderr)
	path := fs.requiredString("config", "config file")
	if code, ok := fs.parse(args, true); !ok {
		return code
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return exitFailed
	}
	known := make([]string, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		known = append(known, s.Name)
	}
	names := fs.Args()
	for _, n := range names {
		if !slices.Contains(known, n) {
			fmt.Fprintf(stderr, "earshot sources test: unknown source %q (sources: %s)\n", n, orNone(strings.Join(known, ", ")))
			return exitUsage
		}
	}
	if len(names) == 0 {
		names = known
	}
	log := newLogger(config.Log{Level: "warn"}, stderr)
	b, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "earshot sources test:", err)
		return exitFailed
	}
	defer b.close()
	lis, err := listener.New(cfg.Listener, cfg.Sources, cfg.Store, listener.Deps{
		JS: b.js, Seen: b.seen, Feeds: b.feeds, Metrics: listener.NewMetrics(nil),
	}, log)
	if err != nil {
		printProblems(stderr, cfg.Locate(err))
		return exitFailed
	}
	failed := 0
	for _, n := range names {
		if err := lis.Test(ctx, n, stdout); err != nil {
			fmt.Fprintf(stderr, "source %s: %v\n", n, err)
			failed++
		}
	}
	if failed == 0 {
		return exitOK
	}
	if len(names) > 1 {
		fmt.Fprintf(stderr, "earshot sources test: %d of %d sources failed\n", failed, len(names))
	}
	return exitFailed
}
