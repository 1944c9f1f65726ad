package workflow

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/earshot/earshot/config"
)

// Finding is one problem the policy check found in a reply draft.
type Finding struct {
	// Kind is never_disclose, avoid_phrase, signoff or max_length.
	Kind string
	// Term is the configured term or phrase that was found ("" for
	// signoff and max_length).
	Term string
	// Blocking findings (never_disclose, max_length) must be fixed before
	// the draft is saved; the others are warnings the author may accept.
	Blocking bool
}

// The kinds of findings.
const (
	FindingNeverDisclose = "never_disclose"
	FindingAvoidPhrase   = "avoid_phrase"
	FindingSignoff       = "signoff"
	FindingMaxLength     = "max_length"
)

// Message explains the finding to the author, in plain text (escape it
// before putting it into Slack markup).
func (f Finding) Message(p config.Policy) string {
	switch f.Kind {
	case FindingNeverDisclose:
		return fmt.Sprintf("Must never be said outside: %q.", f.Term)
	case FindingAvoidPhrase:
		return fmt.Sprintf("Phrase to avoid: %q.", f.Term)
	case FindingSignoff:
		return "No personal sign-off: end the reply with your first name (e.g. \"Viele Grüße, Anna\")."
	case FindingMaxLength:
		return fmt.Sprintf("Too long: at most %d characters.", p.MaxLength)
	}
	return f.Kind
}

// CheckReply checks a reply draft against the company policy: terms that
// must never be disclosed and phrases to avoid (case-insensitive, whole
// words, umlauts and their ae/oe/ue/ss spellings and decomposed forms
// treated alike), a missing personal sign-off when the policy requires one
// (the last line must name the author: signer is their first name, may be
// empty), and the length in characters.
func CheckReply(p config.Policy, text, signer string) []Finding {
	var out []Finding
	folded := foldText(text)
	for _, term := range p.NeverDisclose {
		if containsWord(folded, foldText(term)) {
			out = append(out, Finding{Kind: FindingNeverDisclose, Term: term, Blocking: true})
		}
	}
	for _, ph := range p.AvoidPhrases {
		if containsWord(folded, foldText(ph)) {
			out = append(out, Finding{Kind: FindingAvoidPhrase, Term: ph})
		}
	}
	if p.RequireSignoff && !hasSignoff(text, signer) {
		out = append(out, Finding{Kind: FindingSignoff})
	}
	if p.MaxLength > 0 && utf8.RuneCountInString(text) > p.MaxLength {
		out = append(out, Finding{Kind: FindingMaxLength, Blocking: true})
	}
	return out
}

// foldReplacer spells umlauts and ß out, so "Rückerstattung" and
// "Rueckerstattung" match; decomposed umlauts (u + U+0308) are composed
// first.
var foldReplacer = strings.NewReplacer(
	"a\u0308", "ae", "o\u0308", "oe", "u\u0308", "ue",
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "ẞ", "ss",
	"\u00a0", " ", "’", "'",
)

// foldText lower-cases s, spells umlauts out and collapses white space.
func foldText(s string) string {
	s = strings.ToLower(s)
	s = foldReplacer.Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// containsWord reports whether needle occurs in hay with no letter or
// digit right before or after it (both folded).
func containsWord(hay, needle string) bool {
	if needle == "" {
		return false
	}
	for from := 0; from <= len(hay)-len(needle); {
		i := strings.Index(hay[from:], needle)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(needle)
		before, _ := utf8.DecodeLastRuneInString(hay[:i])
		after, _ := utf8.DecodeRuneInString(hay[end:])
		if (i == 0 || !isWordRune(before)) && (end == len(hay) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(hay[i:])
		from = i + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// signoffLine recognises a closing formula followed by a capitalised name,
// in German or English ("Viele Grüße, Anna", "Best, Ben", "LG Kim"), or a
// dash and a name ("– Anna"). Compiled on first use: only reply drafts
// need it, and compiling it was most of the package's start-up cost.
var signoffLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i:^(viele|liebe|beste|herzliche|freundliche|schöne)?\s*(grüße|gruesse|grüsse|gruß|gruss)|^(lg|vg|mfg|bg|danke|dank|best|cheers|thanks|thank you|regards|kind regards|best regards|best wishes|all the best|yours))[,.!:]?\s+(\p{Lu}[\p{L}'-]+)|^[-–—]\s*(\p{Lu}[\p{L}'-]+)`)
})

// hasSignoff reports whether the last non-empty line of text signs the
// reply personally: it names signer, or is a closing formula with a name.
func hasSignoff(text, signer string) bool {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	// The sign-off may be the last line or the last two ("Viele Grüße,\nAnna").
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return false
	}
	if signer != "" && containsWord(foldText(last), foldText(signer)) {
		return true
	}
	if signoffLine().MatchString(last) {
		return true
	}
	if len(lines) >= 2 {
		prev := strings.TrimSpace(lines[len(lines)-2])
		joined := strings.TrimRight(prev, ",") + ", " + last
		name := []rune(last)
		if signoffLine().MatchString(joined) && len(strings.Fields(last)) <= 2 && unicode.IsUpper(name[0]) {
			return true
		}
	}
	return false
}
