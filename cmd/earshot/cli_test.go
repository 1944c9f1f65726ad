package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/config"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckReportsTypoWithPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, "brand:\n  terms: [ACME]\nroutes:\n  - owner: U123ABC\n    chanel: \"#care\"\n")
	code, _, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	want := path + `:5:5: unknown field "chanel" in routes[0], did you mean "channel"?`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr\n%s\ndoes not contain\n%s", stderr, want)
	}
}

// TestCheckReportsRulesBesideConfigErrors: every problem at once: a rule
// that does not parse is reported beside a typo elsewhere in the file, but
// not when the rules section has problems of its own (its rules would be
// compiled from what is left of them).
func TestCheckReportsRulesBesideConfigErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
shaddow: true
rules:
  custom:
    - {name: r1, topic: t, query: 'foo AND (bar'}
routes:
  - {match: {}, owner: U123ABC}
`)
	code, _, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	for _, want := range []string{path + `:2:1: unknown field "shaddow"`, path + `:5:35: rules.custom[0].query: column 9: unclosed parenthesis`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr\n%s\ndoes not contain\n%s", stderr, want)
		}
	}

	writeFile(t, path, `brand: {terms: [ACME]}
rules:
  custom:
    - {name: r1, topic: t, qurey: 'foo'}
`)
	_, _, stderr = runCLI(t, "", "check", "--config", path)
	if !strings.Contains(stderr, `unknown field "qurey"`) || strings.Contains(stderr, "rules.custom[0].query") {
		t.Errorf("a broken rule must be reported once, by its typo:\n%s", stderr)
	}
}

// TestCheckRunsTestsBesideConfigErrors: the tests run when the problems
// lie outside what they read, a test of a source with problems fails
// naming it, and with a route broken no test runs.
func TestCheckRunsTestsBesideConfigErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	cfg := `brand: {terms: [ACME]}
sources:
  - {name: blog, url: "https://example.com/feed", schedule: "@every 5m"}
  - {name: forum, url: "ftp://example.com/feed"}
reports: [{name: weekly, chanel: "#reports"}]
rules:
  custom:
    - {name: paket, topic: delivery, criticism: true, query: '"nicht angekommen"'}
routes:
  - {name: delivery, match: {topic: delivery}, owner: U123ABC}
tests:
  - text: "Mein Paket von ACME ist nicht angekommen"
    source: blog
    expect: {criticism: true, topic: delivery, route: delivery}
  - text: "Mein Paket von ACME kam pünktlich"
    expect: {criticism: true}
  - text: "ACME: Paket nicht angekommen"
    source: forum
    expect: {criticism: true}
`
	writeFile(t, path, cfg)
	code, stdout, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	for _, want := range []string{`unknown field "chanel"`, "sources[1].url"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr)
		}
	}
	for _, want := range []string{"3 tests, 2 failed; the config has problems too", "tests[1]", "criticism: want true, got false",
		`tests[2].source: source "forum" (sources[1]) has problems`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "tests[0]") {
		t.Errorf("the passing test is reported as failed:\n%s", stdout)
	}

	writeFile(t, path, strings.Replace(cfg, "owner: U123ABC", "ownr: U123ABC", 1))
	_, stdout, stderr = runCLI(t, "", "check", "--config", path)
	if !strings.Contains(stderr, `unknown field "ownr"`) || strings.Contains(stdout, "tests") {
		t.Errorf("with a route broken the tests must not run:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

// TestCheckReportsEveryProblem: one rule's problem does not hide another
// rule's broken query, a source's problem not another source's preset or
// schedule; the problems come in the order of the file.
func TestCheckReportsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
sources:
  - {name: a, url: "https://example.com/a"}
  - {name: a, url: "https://example.com/b"}
  - {name: f, preset: reddit-search}
  - {name: g, url: "https://example.com/g", schedule: "61 * * * *"}
rules:
  threshold: -1
  custom:
    - {name: r1, topic: t, query: '(lieferung OR'}
    - {name: r2, query: 'paket'}
`)
	code, _, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	want := []string{
		path + `:4:12: sources[1].name: "a" already used by sources[0]`,
		path + `:5:5: sources[2].query: preset reddit-search needs a query`,
		path + `:6:55: sources[3].schedule: "61 * * * *"`,
		path + `:8:14: rules.threshold: must be positive`,
		path + `:10:35: rules.custom[0].query: column 12: OR needs an expression on its right`,
		path + `:11:7: rules.custom[1]: a rule needs a topic`,
	}
	last := -1
	for _, w := range want {
		i := strings.Index(stderr, w)
		if i < 0 {
			t.Errorf("stderr\n%s\ndoes not contain\n%s", stderr, w)
			continue
		}
		if i < last {
			t.Errorf("%q is not in the order of the file:\n%s", w, stderr)
		}
		last = i
	}
}

func TestCheckRunsTests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
rules:
  custom:
    - {name: paket, topic: delivery, criticism: true, query: '"nicht angekommen"'}
routes:
  - {name: delivery, match: {topic: delivery}, owner: U123ABC}
tests:
  - text: "Mein Paket von ACME ist nicht angekommen"
    expect: {criticism: true, topic: delivery, route: delivery}
  - text: "Mein Paket von ACME kam pünktlich"
    expect: {criticism: true}
`)
	code, stdout, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d (one test fails)\n%s%s", code, exitFailed, stdout, stderr)
	}
	if !strings.Contains(stdout, "2 tests, 1 failed") || !strings.Contains(stdout, "tests[1]") || !strings.Contains(stdout, "criticism: want true, got false") {
		t.Errorf("stdout does not name the failed test and why:\n%s", stdout)
	}
	if strings.Contains(stdout, "FAIL "+path+":8") {
		t.Errorf("the passing test is reported as failed:\n%s", stdout)
	}
}

// TestCheckRouteWithContinue: with continue: true a mention takes every
// route it matches, so a test may expect any of them (only the first
// counted before).
func TestCheckRouteWithContinue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
rules:
  custom:
    - {name: paket, topic: delivery, criticism: true, query: '"nicht angekommen"'}
routes:
  - {name: delivery, match: {topic: delivery}, owner: U123ABC, continue: true}
  - {name: catchall, match: {}, owner: U456DEF}
tests:
  - text: "Mein Paket von ACME ist nicht angekommen"
    expect: {route: catchall}
  - text: "Mein Paket von ACME ist nicht angekommen"
    expect: {route: delivery}
  - text: "Mein Paket von ACME kam pünktlich"
    expect: {route: catchall}
`)
	code, stdout, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitFailed || !strings.Contains(stdout, "3 tests, 1 failed") || !strings.Contains(stdout, "route: want catchall, got none") {
		t.Errorf("exit %d, want %d, the third test failing only:\n%s%s", code, exitFailed, stdout, stderr)
	}
}

func TestCheckCompileErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"query", `rules:
  packs: []
  custom:
    - {name: broken, topic: delivery, criticism: true, query: '(paket'}
`, ":4:63: rules.custom[0].query: column 1"},
		{"topic", `rules:
  packs: []
  custom:
    - {name: paket, topic: delivery, criticism: true, query: 'paket'}
routes:
  - {match: {topic: shipping}, owner: U123ABC}
`, `:6:21: routes[0].match.topic[0]: no rule assigns topic "shipping"`},
		{"silence topic", `rules:
  packs: []
  custom:
    - {name: paket, topic: delivery, criticism: true, query: 'paket'}
silences:
  - {match: {topic: shipping}, until: 2030-01-01, reason: test}
`, `:6:21: silences[0].match.topic[0]: no rule assigns topic "shipping"`},
		{"preset", `sources:
  - {name: m, preset: reddit-search}
`, `:2:5: sources[0].query: preset reddit-search needs a query`},
		{"schedule", `sources:
  - {name: a, url: 'https://a.example/', schedule: '61 * * * *'}
`, `:2:52: sources[0].schedule: "61 * * * *"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot.yaml")
			writeFile(t, path, tc.yaml)
			code, _, stderr := runCLI(t, "", "check", "--config", path)
			if code != exitFailed {
				t.Errorf("exit code %d, want %d", code, exitFailed)
			}
			if !strings.Contains(stderr, path+tc.want) {
				t.Errorf("stderr\n%s\ndoes not contain %q", stderr, path+tc.want)
			}
		})
	}
}

func TestDemoConfigChecks(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "check", "--config", filepath.Join("..", "..", "deploy", "examples", "demo.yaml"))
	if code != exitOK {
		t.Errorf("demo config: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestClassifyCLI(t *testing.T) {
	code, stdout, stderr := runCLI(t, `{"id":"a","text":"Still no refund after 5 weeks. Never again!"}
{"id":"b","text":"Great service, thank you!"}
`, "classify")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"id":"a"`) || !strings.Contains(lines[0], `"criticism":true`) ||
		!strings.Contains(lines[1], `"criticism":false`) {
		t.Errorf("classify output:\n%s", stdout)
	}
}

func TestVersionAndUsage(t *testing.T) {
	if code, stdout, _ := runCLI(t, "", "version"); code != exitOK || !strings.HasPrefix(stdout, "earshot ") {
		t.Errorf("version: %d %q", code, stdout)
	}
	if code, _, stderr := runCLI(t, "", "frobnicate"); code != exitUsage || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "run", "--roles", "listener,judge", "--config", "x"); code != exitUsage || !strings.Contains(stderr, `unknown role "judge"`) {
		t.Errorf("bad role: %d %q", code, stderr)
	}
}

func TestRunRefusesInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, "routes: [{owner: nobody}]\n")
	code, _, stderr := runCLI(t, "", "run", "--config", path)
	if code != exitConfig || !strings.Contains(stderr, "routes[0].owner") {
		t.Errorf("run with an invalid config: exit %d, want %d\n%s", code, exitConfig, stderr)
	}
}

func TestSourcesAndRoutesTestCLI(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "feed.xml"), e2eFeed)
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, "data_dir: "+filepath.Join(dir, "data")+`
brand: {terms: [Lumora]}
sources: [{name: feed, url: "file:feed.xml"}]
routes:
  - {name: care, match: {}, owner: U123ABC, channel: "#care", guideline: general}
guidelines: {general: {summary: "Thank, answer as a person."}}
`)
	code, stdout, stderr := runCLI(t, "", "sources", "test", "--config", path)
	if code != exitOK || !strings.Contains(stdout, "Lumora order still not delivered") {
		t.Errorf("sources test: exit %d\n%s%s", code, stdout, stderr)
	}
	// It published nothing: a second run finds the same items new (the
	// fetch's duration may differ).
	code, again, _ := runCLI(t, "", "sources", "test", "--config", path, "feed")
	took := regexp.MustCompile(` in [0-9.]+(ns|µs|ms|s|m[0-9.]+s)`)
	if code != exitOK || took.ReplaceAllString(again, " in T") != took.ReplaceAllString(stdout, " in T") {
		t.Errorf("second sources test differs (something was published or recorded):\n%s\n---\n%s", stdout, again)
	}
	code, stdout, stderr = runCLI(t, "", "routes", "test", "--config", path, "Lumora order still not delivered after weeks, never again!")
	if code != exitOK || !strings.Contains(stdout, "route: care") || !strings.Contains(stdout, "criticism: true") {
		t.Errorf("routes test: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestSourceBrandOnly checks that a test's source and routes test --source
// count as the source: a text from a brand_only source needs no brand term,
// as in the daemon; and that a source the config does not have is refused.
func TestSourceBrandOnly(t *testing.T) {
	const review = "Nie wieder! Die Hotline legt einfach auf, schrecklicher Service."
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
sources:
  - {name: news, url: "https://news.example/feed"}
  - {name: reviews, url: "https://reviews.example/acme.json", brand_only: true}
tests:
  - {text: "`+review+`", source: reviews, expect: {criticism: true}}
  - {text: "`+review+`", source: news, expect: {criticism: false}}
`)
	code, stdout, stderr := runCLI(t, "", "check", "--config", path)
	if code != exitOK || !strings.Contains(stdout, "2 tests, 0 failed") {
		t.Errorf("check: exit %d, want %d\n%s%s", code, exitOK, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "routes", "test", "--config", path, "--source", "reviews", review)
	if code != exitOK || !strings.Contains(stdout, "criticism: true") {
		t.Errorf("routes test --source reviews: exit %d\n%s%s", code, stdout, stderr)
	}

	code, stdout, stderr = runCLI(t, "", "routes", "test", "--config", path, "--source", "nosuch", review)
	if want := `unknown source "nosuch" (sources: news, reviews)`; code != exitUsage || !strings.Contains(stderr, want) {
		t.Errorf("routes test --source nosuch: exit %d, want %d and %q\n%s%s", code, exitUsage, want, stdout, stderr)
	}
	writeFile(t, path, `brand: {terms: [ACME]}
sources: [{name: news, url: "https://news.example/feed"}]
tests:
  - {text: "ACME ist schrecklich", source: nosuch, expect: {criticism: true}}
`)
	code, stdout, stderr = runCLI(t, "", "check", "--config", path)
	// refused by the config's validation (stderr) before any test runs
	if want := path + `:4:44: tests[0].source: unknown source "nosuch" (sources: news)`; code != exitFailed || !strings.Contains(stdout+stderr, want) {
		t.Errorf("check with an unknown tests[].source: exit %d, want %d and %q\n%s%s", code, exitFailed, want, stdout, stderr)
	}
}

// TestMatchedRulesShowWhatTheyDid checks routes test's "matched:" line: a
// criticism rule with its weight, a praise rule with its negative weight, a
// rule that only assigns a topic with its topic (it was shown as -1.00).
func TestMatchedRulesShowWhatTheyDid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	writeFile(t, path, `brand: {terms: [ACME]}
rules:
  packs: [de]
  custom:
    - {name: topiconly, topic: delivery, query: paket}
    - {name: bad, criticism: true, query: schrecklich}
    - {name: thanks, criticism: false, weight: 0.5, query: danke}
`)
	for _, tc := range []struct{ text, want string }{
		{"ACME: das Paket ist schrecklich, danke", `topiconly (topic delivery) "Paket"; bad (+1.00) "schrecklich"; thanks (-0.50) "danke"`},
		{"ACME Lieferung", `de:lieferung (topic delivery) "Lieferung"`},
		// A praise rule with a topic that no rule assigned.
		{"ACME hat den Fehler behoben", `de:behoben (-1.20) "Fehler" "behoben"`},
		// de:app only assigns its topic, de:behoben (whose topic is app
		// too) lowers the score: the verdict says which (Match.TopicOnly).
		{"Die ACME App: Fehler behoben", `de:app (topic app) "App"; de:behoben (-1.20)`},
	} {
		code, stdout, stderr := runCLI(t, "", "routes", "test", "--config", path, tc.text)
		if code != exitOK || !strings.Contains(stdout, tc.want) {
			t.Errorf("routes test %q: exit %d, want matched: ... %s ...\n%s%s", tc.text, code, tc.want, stdout, stderr)
		}
	}
}

// TestSourcesTestShowsURL checks that sources test shows the URL it fetches
// with its path and query, the credentials hidden, and a cron source's
// schedule (it showed scheme and host only, and "every 0s").
func TestSourcesTestShowsURL(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, e2eFeed)
	}))
	defer feed.Close()
	u := strings.Replace(feed.URL, "http://", "http://bob:s3cret@", 1) + "/feeds/lumora.rss?q=lumora+gmbh&api_key=s3cret&hl=de"
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, "data_dir: "+filepath.Join(dir, "data")+`
brand: {terms: [Lumora]}
sources: [{name: feed, url: "`+u+`", schedule: "0 9 * * 1-5", time_zone: Europe/Berlin}]
`)
	code, stdout, stderr := runCLI(t, "", "sources", "test", "--config", path, "feed")
	want := "source feed: " + strings.Replace(feed.URL, "http://", "http://bob:xxxxx@", 1) +
		`/feeds/lumora.rss?q=lumora+gmbh&api_key=xxxxx&hl=de (schedule "0 9 * * 1-5" in Europe/Berlin)`
	if code != exitOK || !strings.Contains(stdout, want+"\n") || strings.Contains(stdout+stderr, "s3cret") {
		t.Errorf("sources test: exit %d, want a line\n%s\n%s%s", code, want, stdout, stderr)
	}
}

// TestSourcesTestFails checks that sources test without a name tests every
// source and exits 1 when any failed, and that an unknown name is refused
// with the names the config has.
func TestSourcesTestFails(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer down.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "feed.xml"), e2eFeed)
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, "data_dir: "+filepath.Join(dir, "data")+`
brand: {terms: [Lumora]}
sources:
  - {name: first, url: "file:feed.xml"}
  - {name: down, url: "`+down.URL+`/feed"}
  - {name: missing, url: "file:missing.xml"}
  - {name: last, url: "file:feed.xml"}
`)
	code, stdout, stderr := runCLI(t, "", "sources", "test", "--config", path)
	if code != exitFailed {
		t.Errorf("sources test with 2 of 4 sources failing: exit %d, want %d", code, exitFailed)
	}
	for _, n := range []string{"first", "down", "missing", "last"} {
		if !strings.Contains(stdout, "source "+n+": ") {
			t.Errorf("source %s not tested", n)
		}
	}
	if !strings.Contains(stderr, "source down: ") || !strings.Contains(stderr, "source missing: ") ||
		!strings.Contains(stderr, "2 of 4 sources failed") {
		t.Errorf("stderr does not name the failed sources:\n%s", stderr)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", stdout)
	}

	// A body that is no feed fails after the fetch: its error names the
	// source once.
	writeFile(t, filepath.Join(dir, "junk.xml"), "<rss><channel><item>"+strings.Repeat("<x:a xmlns:x='urn:x'>", 200))
	conf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(conf)+"  - {name: junk, url: \"file:junk.xml\"}\n")
	code, _, stderr = runCLI(t, "", "sources", "test", "--config", path, "junk")
	if code != exitFailed || strings.Count(stderr, "junk") != 1 || !strings.Contains(stderr, "source junk: malformed feed: nested deeper than") {
		t.Errorf("sources test junk: exit %d, want %d and one line naming the source once:\n%s", code, exitFailed, stderr)
	}

	code, _, stderr = runCLI(t, "", "sources", "test", "--config", path, "nosuch")
	if want := `unknown source "nosuch" (sources: first, down, missing, last, junk)`; code != exitUsage || !strings.Contains(stderr, want) {
		t.Errorf("sources test nosuch: exit %d, want %d and %q\n%s", code, exitUsage, want, stderr)
	}
}

// TestCommandHelp checks that every command's --help prints its help on
// stdout and exits 0, and that check and run refuse arguments they do not
// take.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--help"}, {"check", "--help"}, {"check", "-h"}, {"classify", "--help"}, {"report", "--help"}, {"backtest", "--help"},
		{"sources", "--help"}, {"sources", "test", "--help"}, {"routes", "--help"}, {"routes", "test", "--help"},
	} {
		code, stdout, stderr := runCLI(t, "", args...)
		cmd := args[0]
		if args[1] == "test" {
			cmd += " test"
		}
		if code != exitOK || !strings.Contains(stdout, "Usage:\n  earshot "+cmd+" ") || stderr != "" {
			t.Errorf("earshot %s: exit %d, want %d and the command's usage on stdout\nstdout:\n%s\nstderr:\n%s",
				strings.Join(args, " "), code, exitOK, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"check", "--config", "a.yaml", "extra"}, {"run", "--config", "a.yaml", "extra"}} {
		code, _, stderr := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(stderr, `unexpected argument "extra"`) {
			t.Errorf("earshot %s: exit %d, want %d and the argument refused\n%s", strings.Join(args, " "), code, exitUsage, stderr)
		}
	}
}

// TestSinceMustBePositive: --since of report and backtest is a positive
// duration, and a zero or negative one is named as such.
func TestSinceMustBePositive(t *testing.T) {
	for _, cmd := range []string{"report", "backtest"} {
		for since, want := range map[string]string{"0d": `"0d": must be positive`, "-1d": `"-1d": a duration cannot be negative`} {
			code, _, stderr := runCLI(t, "", cmd, "--config", "../../deploy/examples/demo.yaml", "--since", since)
			if code != exitUsage || !strings.Contains(stderr, want) {
				t.Errorf("%s --since %s: exit %d, %q; want %d and %q", cmd, since, code, stderr, exitUsage, want)
			}
		}
	}
}

// TestJSONLogDurations: the JSON log writes a duration as the text log
// and the config do ("1m0s"), not in nanoseconds.
func TestJSONLogDurations(t *testing.T) {
	var b bytes.Buffer
	newLogger(config.Log{Format: "json", Level: "info"}, &b).Info("retrying", "retry_in", time.Minute)
	if !strings.Contains(b.String(), `"retry_in":"1m0s"`) {
		t.Errorf("log line %s", b.String())
	}
}

// TestConfigRequired: a command that needs --config and was not given it
// is a usage error (2), not an invalid config (78, which tells systemd not
// to restart) or a failed check (1).
func TestConfigRequired(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"check"}, {"report"}, {"backtest"}, {"sources", "test", "x"}, {"routes", "test", "x"}} {
		code, _, stderr := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(stderr, "--config is required") {
			t.Errorf("%v: exit %d, %q; want %d and --config is required", args, code, stderr, exitUsage)
		}
	}
}
