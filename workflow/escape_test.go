package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/earshot/earshot/mention"
)

// injections are texts a feed might carry to make Slack notify everyone,
// mention people, link channels or disguise links.
var injections = []string{
	"<!channel> please look",
	"<!here>", "<!everyone>", "<!subteam^S0123|@support>",
	"<@U0123ABCD> you are mentioned",
	"<@W0123ABCD>",
	"<#C0123ABCD|general>",
	"<https://evil.example/login|Click to verify your account>",
	"<mailto:ceo@acme.de|mail the CEO>",
	"<!date^1392734382^{date_pretty}|then>",
	"&lt;!channel&gt; pre-escaped",
	"&amp;lt;!here&amp;gt;",
	"a < b > c & d",
	"<<!channel>>",
	"<!chan\u200bnel>",
	"\x00\x1b[31mred\x1b[0m<!here>",
	"\u009b31mC1 CSI \u202eesrever\u202c \u2066isolate\u2069 \u200fmark",
	"*bold* _italic_ ~strike~ `code` ```block``` <!channel>",
	"@channel @here #general https://evil.example",
	":rotating_light: :skull: :white_check_mark: Resolved :wave::skin-tone-2: :ありがとう: :+1:",
	"> quoted\n  >> indented\n>>> the rest\n&gt; pre-escaped\na > b",
	"\x00> after a dropped control\n\u202e> after a bidi control",
	strings.Repeat("<!channel>", 500),
	strings.Repeat("&", 4000),
	strings.Repeat("ä<", 2000),
}

var injectionURLs = []string{
	"javascript:alert(1)",
	"https://ok.example/a|<!channel>",
	"https://ok.example/<!here>",
	"data:text/html,<script>alert(1)</script>",
	"ftp://files.example/x",
	"//evil.example/path",
	"https://user:pw@evil.example/",
	"https://ok.example/?q=a&b=<@U0123ABCD>",
	"  https://ok.example/space path  ",
	"https://",
}

// liveMarkup finds Slack's angle-bracket markup.
var liveMarkup = regexp.MustCompile(`<([^<>]*)>`)

// shortcode finds emoji shortcodes, with a wider idea of an emoji's name
// than Slack's.
var shortcode = regexp.MustCompile(`:[\p{L}\p{N}_+'-]+:`)

// quoteLine finds a line that mrkdwn would show as a quote.
var quoteLine = regexp.MustCompile(`(?m)^[ \t]*(&gt;|>)`)

// checkSafe fails when s holds markup that the alert did not put there
// itself (the owner's mention and links built from http(s) URLs), or an
// '&' that does not start one of the three entities.
func checkSafe(t *testing.T, where, s string) {
	t.Helper()
	for _, m := range liveMarkup.FindAllStringSubmatch(s, -1) {
		inner := m[1]
		switch {
		case inner == "@UANNA" || inner == "@UBEN":
		case strings.HasPrefix(inner, "https://") || strings.HasPrefix(inner, "http://"):
			u, _, _ := strings.Cut(inner, "|")
			if strings.ContainsAny(u, " |<>") {
				t.Errorf("%s: unsafe link %q", where, m[0])
			}
		default:
			t.Errorf("%s: live markup %q in %.200q", where, m[0], s)
		}
	}
	if strings.Contains(s, "<!") || strings.Contains(s, "<#") {
		t.Errorf("%s: special mention in %.200q", where, s)
	}
	if l := quoteLine.FindString(s); l != "" {
		t.Errorf("%s: a line starts a quote (%q) in %.200q", where, l, s)
	}
	for i := range len(s) {
		if s[i] == '&' {
			rest := s[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Errorf("%s: bare '&' at %d in …%.40q", where, i, s[max(0, i-20):])
				break
			}
		}
	}
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8", where)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r == 0x1b || r >= 0x80 && r <= 0x9f || unicode.Is(unicode.Bidi_Control, r) }); i >= 0 {
		t.Errorf("%s: control character at %d in …%.40q", where, i, s[max(0, i-20):])
	}
}

func injectedCase(payload, link string) *Case {
	v := complaint("inj")
	v.Mention.Title = payload
	v.Mention.Text = "ACME " + payload + " nicht angekommen " + payload
	v.Mention.Author = payload
	v.Mention.Source = payload
	v.Mention.URL = link
	v.Topics = []string{payload}
	v.Rules = append(v.Rules, mention.Match{Rule: payload, Criticism: true, Spans: []mention.Span{{Start: 0, End: len(v.Mention.Title)}}})
	return &Case{ID: "0123456789abcdef0123", State: StateAlerted, Route: payload, Owner: "anna@acme.de", Deputy: payload,
		Channel: "#social-care", Verdict: v, Escalation: Escalation{DueAt: testTime.Add(2 * time.Hour)}}
}

func checkBlocks(t *testing.T, where string, blocksJSON []byte) {
	t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(blocksJSON, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > maxBlocks {
		t.Errorf("%s: %d blocks", where, len(blocks))
	}
	for i, b := range blocks {
		limit := maxSectionText
		if b["type"] == "header" {
			limit = maxHeaderText
		}
		for _, s := range blockTexts(t, mustJSON(t, b)) {
			if n := utf8.RuneCountInString(s); n > limit {
				t.Errorf("%s: block %d (%s) has %d characters, limit %d", where, i, b["type"], n, limit)
			}
			checkSafe(t, fmt.Sprintf("%s block %d", where, i), s)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// extraShortcodes returns the emoji shortcodes of s that base does not
// have as often.
func extraShortcodes(s, base string) []string {
	n := map[string]int{}
	for _, e := range shortcode.FindAllString(base, -1) {
		n[e]++
	}
	var extra []string
	for _, e := range shortcode.FindAllString(s, -1) {
		if n[e]--; n[e] < 0 {
			extra = append(extra, e)
		}
	}
	return extra
}

func TestInjectionCorpus(t *testing.T) {
	g, err := compileGuideline("g", testConfig().Guidelines["delivery"])
	if err != nil {
		t.Fatal(err)
	}
	links := append([]string{"https://ok.example/post"}, injectionURLs...)
	for i, payload := range injections {
		for j, link := range links {
			c := injectedCase(payload, link)
			reply, err := g.reply(replyData(&c.Verdict, payload))
			if err != nil {
				t.Fatal(err)
			}
			a := alertView{Case: c, OwnerID: "UANNA", Guideline: g, Reply: reply, Status: ""}
			where := fmt.Sprintf("payload %d url %d", i, j)
			blocks, group := mustJSON(t, alertBlocks(a)), mustJSON(t, groupBlocks([]*Case{c, c}))
			checkBlocks(t, where, []byte(blocks))
			checkSafe(t, where+" text", alertText(c))
			checkBlocks(t, where+" group", []byte(group))
			// The only emoji are earshot's own: those of the same alert
			// for a harmless text, or fewer (a long text cuts some).
			base := injectedCase("x", link)
			baseReply, _ := g.reply(replyData(&base.Verdict, "x"))
			for k, pair := range [][2]string{
				{blocks, mustJSON(t, alertBlocks(alertView{Case: base, OwnerID: "UANNA", Guideline: g, Reply: baseReply}))},
				{alertText(c), alertText(base)},
				{group, mustJSON(t, groupBlocks([]*Case{base, base}))},
			} {
				if extra := extraShortcodes(pair[0], pair[1]); len(extra) > 0 {
					t.Errorf("%s (%d): emoji from the feed text: %q", where, k, extra)
				}
			}
		}
	}
	// earshot's own emoji stay live: the severity mark, the guideline's
	// do and don't marks.
	c := injectedCase(":skull:", "https://ok.example/post")
	g.cfg.Dont = []string{"Use :skull: in a reply."}
	own := strings.Join(blockTexts(t, mustJSON(t, alertBlocks(alertView{Case: c, Guideline: g}))), "\n")
	for _, want := range []string{":red_circle: HIGH criticism", ":white_check_mark: Use your first name.", ":no_entry_sign: Use ∶skull∶ in a reply."} {
		if !strings.Contains(own, want) {
			t.Errorf("%q missing from %s", want, own)
		}
	}
	if head := mustJSON(t, incidentBlocks(&Incident{Label: ":skull:", Cases: []string{"a"}}, testTime)); !strings.Contains(head, ":rotating_light: Incident") ||
		strings.Contains(head, ":skull:") {
		t.Errorf("incident message: %s", head)
	}
	// A valid link is still a link, and the label cannot break out of it.
	c = injectedCase("<!channel>|x>", "https://ok.example/post")
	s := strings.Join(blockTexts(t, mustJSON(t, alertBlocks(alertView{Case: c}))), "\n")
	if !strings.Contains(s, "<https://ok.example/post|open the mention>") {
		t.Errorf("link lost: %s", s)
	}
	if !strings.Contains(s, "<https://ok.example/post|&lt;!channel&gt;|x&gt;>") {
		t.Errorf("title link label not escaped: %s", s)
	}
}

// TestConsoleAlertLines: a mention's fields cannot add lines to an alert
// printed on the terminal, nor control it.
func TestConsoleAlertLines(t *testing.T) {
	for i, payload := range append(injections, "x\nowner:    mallory", "x\r\ndeadline: never") {
		out := consoleAlert(alertView{Case: injectedCase(payload, "https://ok.example/\nowner:    mallory")})
		owners := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "owner:") || strings.HasPrefix(l, "deadline:") {
				owners++
			}
		}
		if owners != 2 {
			t.Errorf("payload %d: %d owner and deadline lines, want 2:\n%s", i, owners, out)
		}
		isControl := func(r rune) bool {
			return r == 0x1b || r == '\r' || r >= 0x80 && r <= 0x9f || unicode.Is(unicode.Bidi_Control, r)
		}
		if j := strings.IndexFunc(out, isControl); j >= 0 {
			t.Errorf("payload %d: control character at %d in …%.40q", i, j, out[max(0, j-20):])
		}
	}
}

func TestSafeURL(t *testing.T) {
	tests := map[string]string{
		"https://ok.example/a":            "https://ok.example/a",
		"http://ok.example/a?b=c&d=e":     "http://ok.example/a?b=c&amp;d=e",
		"https://ok.example/a|<!channel>": "https://ok.example/a%7C%3C%21channel%3E",
		"javascript:alert(1)":             "",
		"https://user:pw@evil.example/":   "",
		"//evil.example/":                 "",
		"ftp://x.example/":                "",
		" https://ok.example/space path ": "https://ok.example/space%20path",
	}
	for in, want := range tests {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello world", 6, "hello…"},
		{"a<b", 10, "a&lt;b"},
		{"a<b", 5, "a…"}, // never half an entity
		{"äöü", 2, "ä…"},
		{"<!channel>", 150, "&lt;!channel&gt;"},
	}
	for _, tc := range tests {
		if got := clip(tc.in, tc.max); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func FuzzClip(f *testing.F) {
	for _, s := range injections[:12] {
		f.Add(s, 20)
	}
	f.Add("äöü&<>", 3)
	f.Add(":a::b: x\n > y", 30)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = 1 + abs(max)%maxSectionText
		out := clip(s, max)
		if n := utf8.RuneCountInString(out); n > max {
			t.Fatalf("clip(%q, %d) has %d characters", s, max, n)
		}
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("clip(%q) = %q keeps angle brackets", s, out)
		}
		if e := shortcode.FindString(out); e != "" {
			t.Fatalf("clip(%q) = %q keeps the emoji %s", s, out, e)
		}
		checkSafe(t, "clip", out)
	})
}

func FuzzAlertBlocks(f *testing.F) {
	f.Add("<!channel>", "text <@U1> & more", "author", "https://ok.example/x", 0, 5)
	f.Add(strings.Repeat("ü", 400), strings.Repeat("<", 5000), strings.Repeat("&", 300), "javascript:x", 3, 2000)
	f.Fuzz(func(t *testing.T, title, text, author, link string, start, end int) {
		began := time.Now()
		defer func() {
			if d := time.Since(began); d > 500*time.Millisecond {
				t.Fatalf("slow: %v for %d+%d+%d bytes", d, len(title), len(text), len(author))
			}
		}()
		c := injectedCase("x", link)
		m := &c.Verdict.Mention
		m.Title, m.Text, m.Author = title, text, author
		c.Verdict.Rules = []mention.Match{{Rule: "r", Criticism: true, Spans: []mention.Span{{Start: start, End: end}}}}
		g, _ := compileGuideline("g", testConfig().Guidelines["delivery"])
		reply, _ := g.reply(replyData(&c.Verdict, author))
		checkBlocks(t, "fuzz", []byte(mustJSON(t, alertBlocks(alertView{Case: c, OwnerID: "UANNA", Guideline: g, Reply: reply}))))
		checkBlocks(t, "fuzz group", []byte(mustJSON(t, groupBlocks([]*Case{c}))))
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n {
			return 0
		}
		return -n
	}
	return n
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		retry  bool
		reason string
		after  time.Duration
	}{
		{"429", fmt.Errorf("chat.postMessage: %w", &slack.RateLimitedError{RetryAfter: 3 * time.Second}), true, "rate_limited", 3 * time.Second},
		{"503", slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, true, "server_error", 0},
		{"404", slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, false, "http_404", 0},
		{"channel_not_found", slack.SlackErrorResponse{Err: "channel_not_found"}, false, "channel_not_found", 0},
		{"invalid_blocks", slack.SlackErrorResponse{Err: "invalid_blocks"}, false, "invalid_blocks", 0},
		{"not_in_channel", slack.SlackErrorResponse{Err: "not_in_channel"}, false, "not_in_channel", 0},
		{"internal_error", slack.SlackErrorResponse{Err: "internal_error"}, true, "internal_error", 0},
		{"network", &url.Error{Op: "Post", URL: "https://slack.com/api/chat.postMessage", Err: errors.New("connection reset")}, true, "network", 0},
		{"no recipient", errNoRecipient, false, "no_recipient", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			retry, reason, after := classify(tc.err)
			if retry != tc.retry || reason != tc.reason || after != tc.after {
				t.Errorf("classify = %v, %q, %v; want %v, %q, %v", retry, reason, after, tc.retry, tc.reason, tc.after)
			}
		})
	}
}

// TestFeedTextFormatsNothing: mrkdwn's formatting characters in feed text
// are made inert (one look-alike rune each), so that a title's "*bold*"
// neither formats the alert nor breaks the alert's own bold around it;
// underscores inside words (handles) stay.
func TestFeedTextFormatsNothing(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*bold* _italic_ ~strike~ `code`", "∗bold∗ ˍitalicˍ ∼strike∼ ˋcodeˋ"},
		{"@john_doe wrote 5*3 _", "@john_doe wrote 5∗3 ˍ"},
		{"```block```", "ˋˋˋblockˋˋˋ"},
		{"snake_case_ok", "snake_case_ok"},
		{"_lead trail_", "ˍlead trailˍ"},
		{"ä_ö", "ä_ö"},
		// Emoji shortcodes lose their colons; other colons stay.
		{":rotating_light: :white_check_mark: Resolved", "∶rotating_light∶ ∶white_check_mark∶ Resolved"},
		{":wave::skin-tone-2: :+1:", "∶wave∶∶skin-tone-2∶ ∶+1∶"},
		{"Re: Lieferung um 10:30 Uhr, https://acme.example:8443/a", "Re: Lieferung um 10:30 Uhr, https://acme.example:8443/a"},
		// Digits alone are a time, not an emoji's name.
		{"um 10:30:45 Uhr, 1:100:0", "um 10:30:45 Uhr, 1:100:0"},
		{"::: : x: :y", "::: : x: :y"},
		// A '>' that starts a line would quote it.
		{"> zitat\n  >> zwei\na > b", "˃ zitat\n  ˃&gt; zwei\na &gt; b"},
		{"\r> nach CR", "˃ nach CR"},
		{"a\u2028> b", "a\u2028˃ b"},
	} {
		if got := escapeText(tc.in); got != tc.want {
			t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := clip(tc.in, 100); got != tc.want {
			t.Errorf("clip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	c := injectedCase("x", "https://ok.example/a")
	c.Verdict.Mention.Title = "*Flinkwerk* ~never~ again"
	b := mustJSON(t, alertBlocks(alertView{Case: c, OwnerID: "UANNA"}))
	if !strings.Contains(b, `*\u003chttps://ok.example/a|∗Flinkwerk∗ ∼never∼ again\u003e*`) && !strings.Contains(b, `*<https://ok.example/a|∗Flinkwerk∗ ∼never∼ again>*`) {
		t.Errorf("title not inert in %s", b)
	}
}
