package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const full = `# a complete config
data_dir: /tmp/earshot
nats:
  url: ""
  listen: 127.0.0.1:4222
http:
  listen: 127.0.0.1:9464
shadow: false
brand:
  terms: ["ACME", "acme.de"]
  exclude: ["ACME Corp USA"]
sources:
  - name: google-news-de
    url: https://news.google.com/rss/search?q=ACME
    every: 10m
  - name: reddit
    preset: reddit-search
    query: acme
    schedule: "*/15 * * * *"
    time_zone: Europe/Berlin
  - name: local
    url: file:///var/lib/earshot/sample.xml
    every: 5s
rules:
  packs: [de, en]
  custom:
    - name: lieferprobleme
      topic: delivery
      criticism: true
      query: '(lieferung OR paket) NEAR/6 "nicht angekommen"'
routes:
  - match: {topic: delivery}
    owner: anna@acme.de
    deputy: U012ABCDEF
    escalate_to: chefin@acme.de
    channel: "#social-care"
    respond_within: 2h
    guideline: delivery
    business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00", time_zone: Europe/Berlin, holidays: ["2026-12-24"]}
  - match: {}
    owner: anna@acme.de
    respond_within: 1d
    guideline: general
guidelines:
  delivery:
    summary: Apologise.
    steps: [Reply within 2 hours.]
    template: "Hallo {{.Author}}, Viele Grüße, {{.Owner}}"
  general:
    summary: Thank.
policy:
  never_disclose: ["Umsatz"]
slack:
  bot_token: ${BOT}
  signing_secret: ${SIGN:-fallback}
reports:
  - name: weekly
    schedule: "0 8 * * MON"
    channel: "#marketing"
    period: 7d
silences:
  - match: {topic: pricing}
    until: 2026-12-31
    reason: price change announced
tests:
  - text: "Mein Paket von ACME ist nicht angekommen!"
    expect: {criticism: true, topic: delivery, route: delivery}
`

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseFull(t *testing.T) {
	c, err := Parse("earshot.yaml", []byte(full), env(map[string]string{"BOT": "xoxb-123"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := c.Sources[1].Schedule, "*/15 * * * *"; got != want {
		t.Errorf("schedule = %q, want %q", got, want)
	}
	if got, want := c.Routes[0].RespondWithin.D(), 2*time.Hour; got != want {
		t.Errorf("respond_within = %v, want %v", got, want)
	}
	if got, want := c.Routes[1].RespondWithin.D(), 24*time.Hour; got != want {
		t.Errorf("1d = %v, want %v", got, want)
	}
	if got, want := c.Slack.BotToken.Value(), "xoxb-123"; got != want {
		t.Errorf("bot token = %q, want %q", got, want)
	}
	if got, want := c.Slack.SigningSecret.Value(), "fallback"; got != want {
		t.Errorf("signing secret default = %q, want %q", got, want)
	}
	if got := fmt.Sprintf("%v %+v %#v", c.Slack.BotToken, c.Slack, c.Slack.BotToken); strings.Contains(got, "xoxb-123") {
		t.Errorf("secret leaked in %q", got)
	}
	if got, want := c.Routes[0].ID(0), "delivery"; got != want {
		t.Errorf("route ID = %q, want %q", got, want)
	}
	if got, want := c.Sources[0].Timeout, DefaultFetchTimeout; got != want {
		t.Errorf("default timeout = %v, want %v", got, want)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "sources[2].every") {
		t.Errorf("warnings = %q, want one about sources[2].every", c.Warnings)
	}
	if got, want := c.LongestInterval(), 24*time.Hour; got != want {
		t.Errorf("LongestInterval = %v, want %v", got, want)
	}
	if c.Hash == "" {
		t.Error("no hash")
	}
}

func TestMinimalForClassify(t *testing.T) {
	c, err := Parse("c.yaml", []byte("brand: {terms: [ACME]}\nrules: {packs: [en]}\n"), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := c.DataDir, DefaultDataDir; got != want {
		t.Errorf("data_dir = %q, want %q", got, want)
	}
	if _, err := Parse("empty.yaml", nil, nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

// TestDecodeErrors checks that every decode problem names file, line, column
// and field.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field with hint", "routes:\n  - owner: U123\n    chanel: \"#x\"\n",
			[]string{`c.yaml:3:5: unknown field "chanel" in routes[0], did you mean "channel"?`}},
		{"unknown top-level", "brnad: {terms: [x]}\n", []string{`c.yaml:1:1: unknown field "brnad", did you mean "brand"?`}},
		{"unknown without hint", "zzzzzzzz: 1\n", []string{`c.yaml:1:1: unknown field "zzzzzzzz"`}},
		{"duplicate key", "data_dir: a\ndata_dir: b\n", []string{`c.yaml:2:1: duplicate field "data_dir" (first set at line 1)`}},
		{"duplicate map key", "guidelines:\n  a: {summary: x}\n  a: {summary: y}\n", []string{`c.yaml:3:3: guidelines: duplicate key "a"`}},
		{"bad duration", "routes:\n  - owner: U123\n    respond_within: 2 hours\n",
			[]string{`c.yaml:3:21: routes[0].respond_within: "2 hours" is not a duration, e.g. 2h`}},
		{"bad bool", "shadow: maybe\n", []string{`c.yaml:1:9: shadow: "maybe" is not true or false`}},
		{"bad int", "nats: {replicas: three}\n", []string{`nats.replicas: "three" is not a whole number`}},
		{"list wanted", "sources: foo\n", []string{`c.yaml:1:10: sources: want a list, got "foo"`}},
		{"mapping wanted", "brand: [a]\n", []string{`brand: want a mapping of fields, got a list`}},
		{"bad size", "listener: {max_size: lots}\n", []string{`listener.max_size: "lots" is not a size, e.g. 10MiB`}},
		{"bad time", "silences:\n  - until: soon\n", []string{`silences[0].until: "soon" is not a time`}},
		{"bad env", "slack: {bot_token: \"${1X}\"}\n", []string{`slack.bot_token: bad variable name "1X"`}},
		{"several at once", "brnad: 1\nshadow: maybe\n", []string{`unknown field "brnad"`, `shadow: "maybe"`}},
		{"syntax", "a: [\n", []string{`c.yaml:1:4: did not find expected node content (the '[' opened here is not closed`}},
		{"tab", "brand:\n\tterms: [ACME]\n", []string{`c.yaml:2:1: found character that cannot start any token (a tab in the indentation: YAML indents with spaces)`}},
		{"unclosed list", "brand:\n  terms: [ACME, 'a]b'\nroutes: []\n", []string{`c.yaml:2:10: did not find expected ',' or ']' (the '[' opened here is not closed, or a ',' is missing)`}},
		{"unclosed map", "brand: {terms: [ACME]\nroutes: []\n", []string{`c.yaml:1:8: did not find expected ',' or '}' (the '{' opened here`}},
		{"indented deeper", "brand:\n  terms: [ACME]\n   shadow: true\n", []string{`c.yaml:3:4: did not find expected key (this line is indented to no level of the lines above it)`}},
		{"item dedented", "brand:\n  terms:\n  - a\n - b\n", []string{`c.yaml:4:2: did not find expected key (this line is indented`}},
		{"field between levels", "brand:\n  terms: [ACME]\n\n# routes\nroutes:\n  - match: {topics: [a,\n      b]}\n    owner: U1\n    guideline: |\n      free\n        text\n   channel: x\n",
			[]string{`c.yaml:12:4: did not find expected '-' indicator (this line is indented`}},
		{"unterminated quote", "brand: {terms: [ACME]}\nshadow: \"tr\\\"ue\n", []string{`c.yaml:2:9: found unexpected end of stream (the quote opened here is not closed)`}},
		{"mapping in a value", "brand:\n  terms: [ACME]\nroutes: x: y\n", []string{`c.yaml:3:10: mapping values are not allowed in this context`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml), nil)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

// TestValidate checks each validation rule, with its path and position.
func TestValidate(t *testing.T) {
	base := "routes:\n  - owner: U123\n    match: {}\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"nats url", "nats: {url: 'http://x:4222'}\n", `nats.url: scheme "http" not supported`},
		{"nats listen with url", "nats: {url: 'nats://a:4222', listen: ':4222'}\n", "nats.listen: only for the embedded server"},
		{"nats listen", "nats: {listen: 'nope'}\n", `nats.listen: "nope" is not host:port`},
		{"tls pair", "nats: {url: 'nats://a:1', tls: {cert: a}}\n", "nats.tls: cert and key go together"},
		{"embedded replicas", "nats: {replicas: 3}\n", "nats.replicas: the embedded server is a single node"},
		{"http listen", "http: {listen: 9464}\n", `http.listen: "9464" is not host:port`},
		{"log level", "log: {level: loud}\n", `log.level: "loud"`},
		{"empty brand term", "brand: {terms: ['']}\n", "brand.terms[0]: empty term"},
		{"source name missing", "sources: [{url: 'https://a/'}]\n", "sources[0].name: missing"},
		{"source name chars", "sources: [{name: 'a b', url: 'https://a/'}]\n", `sources[0].name: "a b"`},
		{"source dup", "sources: [{name: a, url: 'https://a/'}, {name: a, url: 'https://b/'}]\n", `sources[1].name: "a" already used by sources[0]`},
		{"source no url", "sources: [{name: a}]\n", "sources[0]: needs url or preset"},
		{"source both", "sources: [{name: a, url: 'https://a/', preset: hackernews}]\n", "url and preset exclude each other"},
		{"source scheme", "sources: [{name: a, url: 'ftp://a/x'}]\n", `sources[0].url: scheme "ftp" not supported`},
		{"source preset", "sources: [{name: a, preset: myspace}]\n", `sources[0].preset: unknown preset "myspace"`},
		{"every and schedule", "sources: [{name: a, url: 'https://a/', every: 1m, schedule: '@daily'}]\n", "every and schedule exclude each other"},
		{"bad tz", "sources: [{name: a, url: 'https://a/', schedule: '@daily', time_zone: Mars/Olympus}]\n", `sources[0].time_zone: unknown time zone "Mars/Olympus"`},
		{"time zone of every", "sources: [{name: a, url: 'https://a/', every: 1m, time_zone: Europe/Berlin}]\n", "sources[0].time_zone: applies to a schedule only"},
		{"time zone twice", "reports: [{name: w, channel: '#m', schedule: 'CRON_TZ=UTC 0 8 * * *', time_zone: Europe/Berlin}]\n", `reports[0].schedule: "CRON_TZ=UTC 0 8 * * *" names its time zone, and so does time_zone: give it once`},
		{"every too short", "sources: [{name: a, url: 'https://a/', every: 500ms}]\n", "sources[0].every: 500ms is too short"},
		{"header", "sources: [{name: a, url: 'https://a/', headers: {'a b': x}}]\n", `sources[0].headers: "a b" is not a header name`},
		{"pack", "rules: {packs: [fr]}\n", `rules.packs[0]: unknown pack "fr"`},
		{"rule name", "rules: {custom: [{query: x, topic: t}]}\n", "rules.custom[0].name: missing"},
		{"rule dup", "rules: {custom: [{name: a, query: x, topic: t}, {name: a, query: y, topic: t}]}\n", `rules.custom[1].name: "a" already used`},
		{"rule query", "rules: {custom: [{name: a, topic: t}]}\n", "rules.custom[0].query: missing"},
		{"rule pointless", "rules: {custom: [{name: a, query: x}]}\n", "rules.custom[0]: a rule needs a topic"},
		{"rule severity", "rules: {custom: [{name: a, query: x, topic: t, severity: huge}]}\n", `rules.custom[0].severity: "huge"`},
		{"owner missing", "routes: [{match: {}}]\n", "routes[0].owner: missing"},
		{"owner bad", "routes: [{owner: '@ana'}]\n", `routes[0].owner: "@ana": give a Slack user ID`},
		{"deputy mail", "routes: [{owner: U123, deputy: 'a@@b'}]\n", `routes[0].deputy: "a@@b" is not an e-mail address`},
		{"channel", "routes: [{owner: U123, channel: 'Social Care'}]\n", `routes[0].channel: "Social Care"`},
		{"respond_within short", "routes: [{owner: U123, respond_within: 10s}]\n", "routes[0].respond_within: 10s is too short"},
		{"remind_before", "routes: [{owner: U123, respond_within: 1h, remind_before: 2h}]\n", "routes[0].remind_before: 2h0m0s is not shorter"},
		{"guideline", "routes: [{owner: U123, guideline: nope}]\n", `routes[0].guideline: unknown guideline "nope" (none are defined`},
		{"match severity", "routes: [{owner: U123, match: {severity: bad}}]\n", `routes[0].match.severity: "bad"`},
		{"match source", "sources: [{name: a, url: 'https://a/'}]\nroutes: [{owner: U123, match: {source: b}}]\n", `routes[0].match.source[0]: unknown source "b"`},
		{"business days", "routes: [{owner: U123, business_hours: {days: [mo], start: '09:00', end: '17:00'}}]\n", `routes[0].business_hours.days[0]: "mo"`},
		{"business order", "routes: [{owner: U123, business_hours: {start: '17:00', end: '09:00'}}]\n", "routes[0].business_hours: start 17:00 is not before end 09:00"},
		{"business clock", "routes: [{owner: U123, business_hours: {start: '9', end: '17:00'}}]\n", `routes[0].business_hours.start: "9"`},
		{"holiday", "routes: [{owner: U123, business_hours: {start: '09:00', end: '17:00', holidays: [xmas]}}]\n", `routes[0].business_hours.holidays[0]: "xmas"`},
		{"template", "guidelines: {a: {template: '{{.Author'}}\n", "guidelines.a.template:"},
		{"api url", "slack: {api_url: 'ftp://x'}\n", `slack.api_url: "ftp://x"`},
		{"bot token", "slack: {bot_token: 'xoxp-1'}\n", "slack.bot_token: a bot token starts with xoxb-"},
		{"app token", "slack: {app_token: 'x'}\n", "slack.app_token: an app-level token starts with xapp-"},
		{"report schedule", "reports: [{name: w, channel: '#m'}]\n", "reports[0].schedule: missing"},
		{"report channel", "reports: [{name: w, schedule: '@daily'}]\n", `reports[0].channel: ""`},
		{"silence empty", "silences: [{until: 2030-01-01, reason: x}]\n", "silences[0].match: empty"},
		{"silence until", "silences: [{match: {topic: a}, reason: x}]\n", "silences[0].until: missing"},
		{"test text", "tests: [{expect: {criticism: true}}]\n", "tests[0].text: missing"},
		{"test expect", "tests: [{text: x}]\n", "tests[0].expect: empty"},
		{"test route", "tests: [{text: x, expect: {route: nowhere}}]\n", `tests[0].expect.route: unknown route "nowhere"`},
		{"test severity", "tests: [{text: x, expect: {severity: severe}}]\n", `c.yaml:1:38: tests[0].expect.severity: "severe" is not one of low, medium, high, crisis`},
		{"test severity case", "tests: [{text: x, expect: {severity: High}}]\n", `tests[0].expect.severity: "High" is not one of`},
		{"test source", "sources: [{name: a, url: 'https://a/'}]\ntests: [{text: x, source: b, expect: {criticism: true}}]\n", `c.yaml:2:27: tests[0].source: unknown source "b"`},
		{"match lang", "routes: [{owner: U123, match: {lang: [de, klingon]}}]\n", `routes[0].match.lang[1]: "klingon" is not a language earshot tells apart (de, en, other)`},
		{"match lang region", "routes: [{owner: U123, match: {lang: de-AT}}]\n", `routes[0].match.lang[0]: "de-AT" is not a language`},
		{"match rule", "rules: {custom: [{name: paket, query: x, topic: t}]}\nroutes: [{owner: U123, match: {rule: pakte}}]\n",
			`c.yaml:2:38: routes[0].match.rule[0]: unknown rule "pakte" (custom rules: paket; a pack's rules are named like de:lieferung)`},
		{"match rule, no custom", "routes: [{owner: U123, match: {rule: [de:lieferung, paket]}}]\n", `routes[0].match.rule[1]: unknown rule "paket" (no custom rules are defined;`},
		{"silence source", "sources: [{name: a, url: 'https://a/'}]\nsilences: [{match: {source: b}, until: 2030-01-01, reason: x}]\n", `silences[0].match.source[0]: unknown source "b"`},
		{"silence rule", "silences: [{match: {rule: nope}, until: 2030-01-01, reason: x}]\n", `silences[0].match.rule[0]: unknown rule "nope"`},
		{"http port word", "http: {listen: '127.0.0.1:notaport'}\n", `c.yaml:1:16: http.listen: "127.0.0.1:notaport" has no port number 0-65535 ("notaport"), e.g. 127.0.0.1:9464 (or off)`},
		{"http port range", "http: {listen: 'localhost:99999'}\n", `http.listen: "localhost:99999" has no port number 0-65535 ("99999")`},
		{"http port empty", "http: {listen: 'localhost:'}\n", `http.listen: "localhost:" has no port number`},
		{"nats port", "nats: {listen: '127.0.0.1:-1'}\n", `nats.listen: "127.0.0.1:-1" has no port number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml), nil)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tc.want)
			}
			if !strings.Contains(err.Error(), "c.yaml:") {
				t.Errorf("error %q names no position", err)
			}
		})
	}
	if _, err := Parse("c.yaml", []byte(base), nil); err != nil {
		t.Errorf("base config: %v", err)
	}
	// What the checks above accept.
	for _, y := range []string{
		"http: {listen: ':0'}\nnats: {listen: '[::1]:4222'}\n",
		"http: {listen: 'off'}\n",
		"routes: [{owner: U123, match: {lang: [DE, en, other]}}]\n",
		"rules: {custom: [{name: Paket, query: x, topic: t}]}\nroutes: [{owner: U123, match: {rule: [paket, 'de:lieferung', 'cues:criticism']}}]\n",
		"tests: [{text: x, source: anywhere, expect: {severity: crisis}}]\n", // no sources: a classify-only config cannot tell
	} {
		if _, err := Parse("c.yaml", []byte(y), nil); err != nil {
			t.Errorf("%s: %v", y, err)
		}
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	y := "routes:\n  - owner: '@x'\n    respond_within: 1s\n  - owner: U123\n    channel: BAD\n"
	_, err := Parse("c.yaml", []byte(y), nil)
	if got, want := len(Errors(err)), 3; got != want {
		t.Fatalf("got %d problems, want %d:\n%v", got, want, err)
	}
	var fe *FieldError
	if !errors.As(Errors(err)[1], &fe) || fe.Path != "routes[0].respond_within" || fe.Pos != "c.yaml:3:21" {
		t.Errorf("second problem = %#v, want routes[0].respond_within at c.yaml:3:21", fe)
	}
}

// TestProblemsPastDecode: a field that cannot be decoded does not hide the
// problems of the rest of the file, but the ones that follow from it are
// not reported twice.
func TestProblemsPastDecode(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // the problems, in order
	}{
		{"unknown field, then a bad owner elsewhere",
			"routes:\n  - owner: U123\n    chanel: '#x'\n  - owner: nobody\n",
			[]string{`c.yaml:3:5: unknown field "chanel" in routes[0], did you mean "channel"?`, `c.yaml:4:12: routes[1].owner: "nobody"`}},
		{"unknown field hides what follows in its mapping",
			"routes:\n  - ownr: U123\n",
			[]string{`c.yaml:2:5: unknown field "ownr" in routes[0], did you mean "owner"?`}},
		{"top-level typo",
			"brnad: {terms: [x]}\nhttp: {listen: nope}\n",
			[]string{`unknown field "brnad"`, `http.listen: "nope" is not host:port`}},
		{"bad value is not also too short",
			"routes:\n  - owner: U123\n    respond_within: 2 hours\n    channel: 'Care'\n",
			[]string{`routes[0].respond_within: "2 hours" is not a duration`, `routes[0].channel: "Care"`}},
		{"duplicate key, then a bad source",
			"data_dir: a\ndata_dir: b\nsources: [{name: a}]\n",
			[]string{`c.yaml:2:1: duplicate field "data_dir"`, "sources[0]: needs url or preset"}},
		{"duplicate names in validation and a decode error",
			"sources: [{name: a, url: 'https://a/'}, {name: a, url: 'https://b/', every: soon}]\n",
			[]string{`sources[1].every: "soon" is not a duration`, `sources[1].name: "a" already used by sources[0]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml), nil)
			errs := Errors(err)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestLocate(t *testing.T) {
	c, err := Parse("c.yaml", []byte("rules:\n  custom:\n    - name: a\n      topic: t\n      query: '(x'\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Locate(errors.Join(Errorf("rules.custom[0].query", "column 1: unclosed parenthesis"), Errorf("rules.custom[0].nothing", "x"))).Error()
	for _, want := range []string{"c.yaml:5:14: rules.custom[0].query: column 1: unclosed parenthesis", "c.yaml:3:7: rules.custom[0].nothing: x"} {
		if !strings.Contains(got, want) {
			t.Errorf("Locate = %q, want it to contain %q", got, want)
		}
	}
}

func TestDurationAndSize(t *testing.T) {
	for in, want := range map[string]time.Duration{"2h": 2 * time.Hour, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90s": 90 * time.Second, "0d": 0, "0s": 0} {
		got, err := ParseDuration(in)
		if err != nil || got.D() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for bad, msg := range map[string]string{"": "not a duration", "d": "not a duration", "2 hours": "not a duration", "xd": "not a duration",
		"-1h": "cannot be negative", "-1d": "cannot be negative", "1d-2h": "cannot be negative", "999999999d": "too long", "106751d24h": "too long"} {
		if _, err := ParseDuration(bad); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseDuration(%q): %v, want an error saying %q", bad, err, msg)
		}
	}
	if got, want := Duration(7*24*time.Hour).String(), "7d"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	for in, want := range map[string]ByteSize{"10MiB": 10 << 20, "512": 512, "1GiB": 1 << 30, "2KB": 2000} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseByteSize("9999999999999GiB"); err == nil {
		t.Error("overflow accepted")
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := env(map[string]string{"A": "1", "EMPTY": ""})
	for in, want := range map[string]string{
		"${A}": "1", "x${A}y": "x1y", "${B}": "", "${B:-d}": "d", "${EMPTY:-d}": "d", "$$A": "$A", "$A": "$A", "cost $5": "cost $5",
	} {
		got, _, err := expandEnv(in, lookup)
		if err != nil || got != want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, _, err := expandEnv("${A", lookup); err == nil {
		t.Error("unclosed ${ accepted")
	}
	for in, want := range map[string][]envRef{
		"${A}": nil, "${B:-d}": nil, "${B:-}": nil, "$$B": nil,
		"${B}": {{name: "B"}}, "${EMPTY}": {{name: "EMPTY", set: true}}, "${B}${A}${C}": {{name: "B"}, {name: "C"}},
	} {
		_, got, err := expandEnv(in, lookup)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("expandEnv(%q) blank = %v, %v; want %v", in, got, err, want)
		}
	}
}

// TestUnsetVariables: a ${VAR} without a default whose variable is unset
// is a warning naming the field and the variable; a slack section with
// everything but the bot token is an error, because every alert would go
// to the console.
func TestUnsetVariables(t *testing.T) {
	set := env(map[string]string{"APP": "xapp-1", "SIG": "s3cret", "BOT": "xoxb-1", "EMPTY": ""})
	for _, tc := range []struct {
		name, yaml string
		warnings   []string // each a substring of one warning, in order
		err        string   // a substring of the error; "" for none
	}{
		{"set", "slack:\n  bot_token: ${BOT}\n  app_token: ${APP}\n", nil, ""},
		{"default", "data_dir: ${DIR:-./d}\nslack: {bot_token: '${BOT_TOKEN:-}'}\n", nil, ""},
		{"unset", "data_dir: ${DIR}\nhttp: {listen: '127.0.0.1:${PORT:-9464}'}\n",
			[]string{`c.yaml:1:11: data_dir: ${DIR} is not set, so it reads as empty (write ${DIR:-} if empty is meant)`}, ""},
		{"two in one field", "brand: {terms: ['${A}-${B}']}\n",
			[]string{`c.yaml:1:17: brand.terms[0]: ${A} is not set`, `brand.terms[0]: ${B} is not set`}, ""},
		{"set but empty is meant", "data_dir: ${EMPTY:-x}\nbrand: {exclude: ['a${EMPTY}']}\n", nil, ""},
		{"no slack at all", "slack:\n  bot_token: ${EARSHOT_SLACK_BOT_TOKEN}\n  app_token: ${EARSHOT_SLACK_APP_TOKEN}\n",
			[]string{`slack.bot_token: ${EARSHOT_SLACK_BOT_TOKEN} is not set`, `slack.app_token: ${EARSHOT_SLACK_APP_TOKEN} is not set`}, ""},
		{"misspelt bot token", "slack:\n  bot_token: ${EARSHOT_SLACK_BOT_TOKN}\n  app_token: ${APP}\n  signing_secret: ${SIG}\n  admin_channel: '#ops'\n", nil,
			`c.yaml:2:14: slack.bot_token: ${EARSHOT_SLACK_BOT_TOKN} is not set, so alerts would only be printed to the console, though slack.app_token, slack.signing_secret and slack.admin_channel are set`},
		{"bot token set but empty", "slack: {bot_token: '${EMPTY}', signing_secret: '${SIG}'}\n", nil,
			`c.yaml:1:20: slack.bot_token: ${EMPTY} is empty, so alerts would only be printed to the console, though slack.signing_secret is set`},
		{"bot token missing", "slack:\n  app_token: '${APP}'\n", nil,
			`c.yaml:2:3: slack.bot_token: missing, so alerts would only be printed to the console, though slack.app_token is set`},
		{"only the channel", "slack:\n  bot_token: ${BOT_TOKEN}\n  admin_channel: '#ops'\n",
			// One warning names the variable and what it means (not a
			// second that only names the variable).
			[]string{`c.yaml:2:14: slack.bot_token: ${BOT_TOKEN} is not set, so alerts would only be printed to the console, though slack.admin_channel is set`}, ""},
		{"signing secret alone, token left out", "slack: {signing_secret: '${SIG}'}\n",
			[]string{`c.yaml:1:8: slack.bot_token: missing, so alerts would only be printed to the console, though slack.signing_secret is set`}, ""},
		{"bot token empty", "slack: {bot_token: '', app_token: '${APP}'}\n", nil,
			`slack.bot_token: empty, so alerts would only be printed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("c.yaml", []byte(tc.yaml), set)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tc.err != "" && err == nil:
				t.Fatalf("no error, want %q", tc.err)
			case tc.err != "":
				if !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, tc.err)
				}
				return
			}
			if len(c.Warnings) != len(tc.warnings) {
				t.Fatalf("warnings = %q, want %d", c.Warnings, len(tc.warnings))
			}
			for i, w := range tc.warnings {
				if !strings.Contains(c.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, c.Warnings[i], w)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte("routes: [{owner: U1, chanel: x}]"))
	f.Add([]byte("a: &x [*x]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("f.yaml", b, nil)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestRelativeFileURL(t *testing.T) {
	c, err := Parse("/etc/earshot/earshot.yaml", []byte("sources:\n  - {name: a, url: 'file:feeds/a.xml'}\n  - {name: b, url: 'file:///srv/b.xml'}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Sources[0].URL, "file:///etc/earshot/feeds/a.xml"; got != want {
		t.Errorf("relative = %q, want %q", got, want)
	}
	if got, want := c.Sources[1].URL, "file:///srv/b.xml"; got != want {
		t.Errorf("absolute = %q, want %q", got, want)
	}
}

// TestExplicitZero: defaults apply to fields left empty; a field set to 0
// keeps it, so jitter: 0s turns jitter off and every: 0s is refused
// instead of becoming the default.
func TestExplicitZero(t *testing.T) {
	src := "sources:\n  - name: a\n    url: https://a.example/\n"
	for _, tc := range []struct {
		name, yaml string
		err        string // a substring of the error; "" for none
		check      func(*Config) string
	}{
		{"every left out", src, "", func(c *Config) string {
			if c.Sources[0].Every != DefaultEvery {
				return fmt.Sprintf("every = %s, want the default %s", c.Sources[0].Every, DefaultEvery)
			}
			return ""
		}},
		{"every empty", src + "    every:\n", "", func(c *Config) string {
			if c.Sources[0].Every != DefaultEvery {
				return fmt.Sprintf("every = %s, want the default %s", c.Sources[0].Every, DefaultEvery)
			}
			return ""
		}},
		{"every 0s", src + "    every: 0s\n", "c.yaml:4:12: sources[0].every: must be positive, e.g. 10m (leave it out for the default, 10m0s)", nil},
		{"every 0s beside a schedule", src + "    every: 0s\n    schedule: '@daily'\n", "sources[0]: every and schedule exclude each other", nil},
		{"jitter left out", "listener: {timeout: 5s}\n", "", func(c *Config) string {
			if got := c.Listener.JitterFor(10 * time.Minute); got != 30*time.Second {
				return fmt.Sprintf("JitterFor(10m) = %s, want 30s", got)
			}
			if got := c.Listener.JitterFor(time.Minute); got != 6*time.Second {
				return fmt.Sprintf("JitterFor(1m) = %s, want 6s", got)
			}
			return ""
		}},
		{"jitter 0s", "listener: {jitter: 0s}\n", "", func(c *Config) string {
			if got := c.Listener.JitterFor(10 * time.Minute); got != 0 {
				return fmt.Sprintf("JitterFor(10m) = %s, want 0 (no jitter)", got)
			}
			return ""
		}},
		{"jitter 2m", "listener: {jitter: 2m}\n", "", func(c *Config) string {
			if got := c.Listener.JitterFor(10 * time.Minute); got != 2*time.Minute {
				return fmt.Sprintf("JitterFor(10m) = %s, want 2m", got)
			}
			return ""
		}},
		{"listener timeout 0s", "listener: {timeout: 0s}\n", "c.yaml:1:21: listener.timeout: must be positive (leave it out for the default)", nil},
		{"per_host 0", "listener: {per_host: 0}\n", "listener.per_host: must be positive", nil},
		{"per_host negative", "listener: {per_host: -1}\n", "listener.per_host: must be positive", nil},
		{"max_backoff 0s", "listener: {max_backoff: 0s}\n", "listener.max_backoff: must be positive", nil},
		{"store retention 0s", "store: {retention: 0s}\n", "store.retention: must be positive", nil},
		{"source max_size 0", src + "    max_size: 0\n", "c.yaml:4:15: sources[0].max_size: must be positive", nil},
		{"max_items 0", "listener: {max_items: 0}\n", "c.yaml:1:23: listener.max_items: must be positive (leave it out for the default)", nil},
		{"source max_items -1", src + "    max_items: -1\n", "c.yaml:4:16: sources[0].max_items: must be positive", nil},
		{"max_items default", src, "", func(c *Config) string {
			if c.Listener.MaxItems != DefaultMaxItems || c.Sources[0].MaxItems != DefaultMaxItems {
				return fmt.Sprintf("max_items %d, source's %d; want %d", c.Listener.MaxItems, c.Sources[0].MaxItems, DefaultMaxItems)
			}
			return ""
		}},
		{"max_items inherited", "listener: {max_items: 50}\n" + src, "", func(c *Config) string {
			if c.Sources[0].MaxItems != 50 {
				return fmt.Sprintf("source's max_items %d, want the listener's 50", c.Sources[0].MaxItems)
			}
			return ""
		}},
		{"threshold 0", "rules: {threshold: 0}\n", "rules.threshold: must be positive", nil},
		{"weight 0", "rules: {custom: [{name: a, query: x, topic: t, weight: 0}]}\n", "rules.custom[0].weight: must be positive", nil},
		{"respond_within 0s", "routes: [{owner: U123, respond_within: 0s}]\n", "routes[0].respond_within: 0s is too short", nil},
		{"replicas 0", "nats: {replicas: 0}\n", "nats.replicas: 0 out of range 1..5", nil},
		{"per_channel_rate 0", "slack: {per_channel_rate: 0}\n", "slack.per_channel_rate: must be positive", nil},
		{"report period 0s", "reports: [{name: w, schedule: '@daily', channel: '#m', period: 0s}]\n", "reports[0].period: 0s is too short", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("c.yaml", []byte(tc.yaml), nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error\n%v\ndoes not contain\n%s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg := tc.check(c); msg != "" {
				t.Error(msg)
			}
		})
	}
	// A Listener built in code knows nothing of the file: zero is the default.
	if got := (Listener{}).JitterFor(time.Minute); got != 6*time.Second {
		t.Errorf("Listener{}.JitterFor(1m) = %s, want 6s", got)
	}
}

// TestNoRoutesWarns: sources without any route alert nobody; a file
// without sources (classify only) needs none.
func TestNoRoutesWarns(t *testing.T) {
	c, err := Parse("c.yaml", []byte("sources: [{name: a, url: 'https://a.example/'}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "routes: none: critical mentions are counted but alert nobody") {
		t.Errorf("warnings %q", c.Warnings)
	}
	if c, err = Parse("c.yaml", []byte("brand: {terms: [ACME]}\n"), nil); err != nil || len(c.Warnings) != 0 {
		t.Errorf("classify-only file: warnings %q, %v", c.Warnings, err)
	}
}

// TestSecretsNotInErrors: a variable's value that lands in a field where
// it is wrong is named by its reference in the error, in %q's escaping
// too, and in warnings; short values (a port) are left as they are.
func TestSecretsNotInErrors(t *testing.T) {
	secret, quoted := "SIGNINGSECRET0123456789", `sig"ned\secret`
	set := env(map[string]string{"SIG": secret, "Q": quoted, "PORT": "9464", "LONGER": secret + "-and-more"})
	yaml := "routes:\n  - {match: {}, owner: U1, respond_within: '${SIG}'}\n  - {match: {}, owner: U1, respond_within: '${LONGER}'}\n" +
		"slack: {api_url: '${Q}', bot_token: 'xoxb-1'}\n" +
		"sources: [{name: a, url: 'https://x.example/${LONGER}', every: '${PORT}'}]\n"
	_, err := ParseAll("c.yaml", []byte(yaml), set)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, leak := range []string{secret, quoted, `sig\"ned\\secret`} {
		if strings.Contains(msg, leak) {
			t.Errorf("error shows %q:\n%s", leak, msg)
		}
	}
	for _, want := range []string{`respond_within: "${SIG}" is not`, `respond_within: "${LONGER}" is not`, `api_url: "${Q}"`, `"9464"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}
