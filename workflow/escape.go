package workflow

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/earshot/earshot/config"
)

// Block Kit limits, in characters.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
)

// escapeText escapes untrusted text for Slack mrkdwn and plain text:
// '&', '<' and '>' become entities, so that "<!channel>", "<@U123>",
// "<#C123>" and "<https://x|label>" are shown, never acted upon; the
// characters of mrkdwn's formatting are made inert (see inert). Control
// characters other than newline and tab are dropped.
func escapeText(s string) string {
	s = inert(s)
	if !strings.ContainsAny(s, "&<>") && !hasControl(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		b.WriteString(escapeRune(r))
	}
	return b.String()
}

// SlackText is escapeText for the other packages that post to Slack (the
// reports).
func SlackText(s string) string { return escapeText(s) }

// inert replaces the characters with which mrkdwn formats text by their
// look-alikes, one rune for one: mrkdwn has no escape for them, and a
// feed's "*bold*", "_italic_", "~strike~" or "`code`" would otherwise
// format the alert (and break the alert's own bold around a title). '*',
// '~' and '`' always become '∗', '∼' and 'ˋ'; '_' becomes 'ˍ' only at the
// edge of a word, where it can start or end italics ("john_doe" stays).
// The colons around an emoji shortcode become '∶' (":rotating_light:",
// which would show the emoji and can imitate earshot's own marks, such as
// ":white_check_mark: Resolved"), while other colons ("Re: 10:30",
// "https://") stay; a '>' that starts a line, after spaces at most,
// becomes '˃', as mrkdwn would make the line a quote. earshot's own
// emoji and markup are written around the escaped text and stay live.
func inert(s string) string {
	if !strings.ContainsAny(s, "*_~`:>") {
		return s
	}
	colons := shortcodeColons(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	lineStart := true // only white space (or what escapeText drops) since the line began
	for i, r := range s {
		switch r {
		case '*':
			b.WriteRune('∗')
		case '~':
			b.WriteRune('∼')
		case '`':
			b.WriteRune('ˋ')
		case '_':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if i+1 >= len(s) || !isWordRune(prev) || !isWordRune(next) {
				b.WriteRune('ˍ')
			} else {
				b.WriteRune('_')
			}
		case ':':
			if colons[i] {
				b.WriteRune('∶')
			} else {
				b.WriteRune(':')
			}
		case '>':
			if lineStart {
				b.WriteRune('˃')
			} else {
				b.WriteRune('>')
			}
		default:
			b.WriteRune(r)
		}
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029': // what may break a line
			lineStart = true
		case unicode.IsSpace(r) || isDroppedControl(r):
		default:
			lineStart = false
		}
		prev = r
	}
	return b.String()
}

// shortcodeColons returns the byte offsets of the colons in s that open or
// close an emoji shortcode, a run of name characters between two colons
// (":wave::skin-tone-2:" has four), or nil when there is none.
func shortcodeColons(s string) map[int]bool {
	var colons map[int]bool
	for i := strings.IndexByte(s, ':'); i >= 0; {
		j := i + 1
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !isShortcodeRune(r) {
				break
			}
			j += n
		}
		if j > i+1 && j < len(s) && s[j] == ':' && !allDigits(s[i+1:j]) {
			if colons == nil {
				colons = map[int]bool{}
			}
			colons[i], colons[j] = true, true
			i = j // the closing colon may open the next
			continue
		}
		next := strings.IndexByte(s[i+1:], ':')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return colons
}

// allDigits reports whether a shortcode's name is digits only: ":30:" in
// "10:30:45" is a time, not an emoji (the only emoji named so, ":100:"
// and ":1234:", are not worth odd colons in every time of day).
func allDigits(name string) bool {
	return strings.Trim(name, "0123456789") == ""
}

// isShortcodeRune reports whether r may be part of an emoji's name. It is
// wider than Slack's rule (custom emoji have names in any script), and
// takes '`' too, which inert turns into a letter.
func isShortcodeRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_+-'`", r)
}

func hasControl(s string) bool {
	for _, r := range s {
		if isDroppedControl(r) {
			return true
		}
	}
	return false
}

// isDroppedControl reports whether r is left out of what earshot shows of
// a mention: ASCII and C1 control characters (but line breaks and tabs),
// bidirectional controls (U+202E turns the rest of a line around), and
// the replacement for invalid UTF-8.
func isDroppedControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r >= 0x7f && r <= 0x9f || r == utf8.RuneError ||
		r >= 0x200e && unicode.Is(unicode.Bidi_Control, r) || r == 0x61c
}

func escapeRune(r rune) string {
	switch {
	case r == '&':
		return "&amp;"
	case r == '<':
		return "&lt;"
	case r == '>':
		return "&gt;"
	case isDroppedControl(r):
		return ""
	}
	return string(r)
}

// clip escapes s and truncates it on a rune boundary of the original text
// (never inside an entity) so that the escaped result, including a final
// "…" when cut, has at most max characters.
func clip(s string, max int) string {
	if max <= 0 {
		return ""
	}
	s = inert(s)
	e := escapeText(s)
	if utf8.RuneCountInString(e) <= max {
		return e
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		e := escapeRune(r)
		w := utf8.RuneCountInString(e)
		if n+w > max-1 {
			break
		}
		b.WriteString(e)
		n += w
	}
	return b.String() + "…"
}

// clipMarkup truncates text built by this package from escaped parts to
// max characters without cutting an entity ("&lt;") or a link or mention
// ("<...>") in half: a cut part is dropped whole.
func clipMarkup(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	r = r[:max-1]
	if open := lastIndex(r, '<'); open >= 0 && lastIndex(r, '>') < open {
		r = r[:open]
	}
	if amp := lastIndex(r, '&'); amp >= 0 && lastIndex(r, ';') < amp {
		r = r[:amp]
	}
	return string(r) + "…"
}

func lastIndex(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

// safeURL returns u for use inside a Slack link "<u|label>" when it is an
// absolute http(s) URL with a host, and "" otherwise. Characters that would
// end the link or start its label are percent-encoded.
func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	s := u.String()
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '|':
			b.WriteString("%7C")
		case r == '<':
			b.WriteString("%3C")
		case r == '>':
			b.WriteString("%3E")
		case r == '&':
			b.WriteString("&amp;")
		case r <= ' ' || r == 0x7f:
			b.WriteString(url.QueryEscape(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	if len(b.String()) > 2000 {
		return ""
	}
	return b.String()
}

// mentionUser returns Slack markup that mentions a user: "<@U123>" for a
// resolved ID, the escaped name otherwise.
func mentionUser(id, fallback string) string {
	if config.IsSlackUserID(id) {
		return "<@" + id + ">"
	}
	return clip(fallback, 200)
}
