package classifier

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, query, want string
	}{
		{"term", "lieferung", "lieferung"},
		{"implicit and", "paket kaputt", "(paket AND kaputt)"},
		{"or", "a OR b OR c", "(a OR b OR c)"},
		{"precedence", "a b OR c", "((a AND b) OR c)"},
		{"parens", "a (b OR c)", "(a AND (b OR c))"},
		{"not", "paket NOT dhl", "(paket AND (NOT dhl))"},
		{"not not", "NOT NOT a", "(NOT (NOT a))"},
		{"phrase", `"nicht angekommen"`, `"nicht angekommen"`},
		{"phrase prefix", `"warte seit*"`, `"warte seit*"`},
		{"prefix", "enttäusch*", "enttäusch*"},
		{"suffix", "*katastrophe", "*katastrophe"},
		{"near", `(lieferung OR paket) NEAR/6 ("nicht angekommen" OR verspätet)`, `((lieferung OR paket) NEAR/6 ("nicht angekommen" OR verspätet))`},
		{"near binds tighter than and", "a b NEAR/2 c", "(a AND (b NEAR/2 c))"},
		{"fields", "title:rückruf lang:de source:reddit author:@anna", "(title:rückruf AND lang:de AND source:reddit AND author:@anna)"},
		{"title group", `title:(a OR "b c")`, `title:(a OR "b c")`},
		{"lowercase operators are words", "not and or", "(not AND and AND or)"},
		{"explicit and", "a AND b", "(a AND b)"},
		{"unknown field is a term", "foo:bar", "foo:bar"},
		{"emoji", "🙄", "🙄"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.query)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.query, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.query, got, tt.want)
			}
			// The canonical form parses to itself.
			e2, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(%q): %v", e.String(), err)
			}
			if got := e2.String(); got != tt.want {
				t.Errorf("round trip: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, query string
		col         int
		msg         string
	}{
		{"empty", "", 1, "empty query"},
		{"blank", "   ", 1, "empty query"},
		{"unclosed paren", "(a OR b", 1, "unclosed parenthesis"},
		{"unclosed inner", "x (a OR (b c)", 3, "unclosed parenthesis"},
		{"stray paren", "a OR b)", 7, "without a matching"},
		{"empty parens", "a ()", 3, "empty parentheses"},
		{"or at end", "a OR", 3, "OR needs"},
		{"or at start", "OR a", 1, "unexpected OR"},
		{"and at end", "a AND", 3, "AND needs"},
		{"double or", "a OR OR b", 3, "OR needs"},
		{"not at end", "a NOT", 3, "NOT needs"},
		{"unterminated phrase", `a "nicht da`, 3, "unterminated phrase"},
		{"empty phrase", `a ""`, 3, "empty phrase"},
		{"near without distance", "a NEAR b", 3, "NEAR needs a distance"},
		{"near zero", "a NEAR/0 b", 3, "NEAR needs a distance"},
		{"near too far", "a NEAR/99 b", 3, "NEAR needs a distance"},
		{"near with not", "a NEAR/3 (b NOT c)", 11, "NEAR joins"},
		{"near with and", "(a b) NEAR/3 c", 2, "NEAR joins"},
		{"near at end", "a NEAR/3", 3, "NEAR needs a term"},
		{"short prefix", "ab*", 1, "at least 3 letters"},
		{"short suffix", "x *kat", 3, "at least 4 letters"},
		{"inner wildcard", "ab*cd", 1, "may only start or end"},
		{"both wildcards", "*abcd*", 1, "not both"},
		{"lone star", "a *", 3, "needs a word"},
		{"field without value", "title: a", 1, "right after the colon"},
		{"lang phrase", `lang:"de en"`, 6, "single word"},
		{"field in title", "title:(a lang:de)", 10, "inside title"},
		{"umlaut columns", `äöü (x`, 5, "unclosed parenthesis"},
		{"phrase columns", `"größe" )`, 9, "without a matching"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.query)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.query, err)
			}
			if se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Parse(%q) = column %d %q, want column %d containing %q", tt.query, se.Col, se.Msg, tt.col, tt.msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a", "a OR b", `(lieferung OR paket) NEAR/6 ("nicht angekommen" OR verspätet)`, "title:(a b)",
		"NOT (a", `"x`, "enttäusch*", "*katastrophe", "lang:de", "a NEAR/3 b NEAR/2 c", "((((a))))", "ä ö ü ß",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Col < 1 {
				t.Fatalf("Parse(%q): bad error %v", q, err)
			}
			return
		}
		s := e.String()
		e2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", q, s, err)
		}
		if s2 := e2.String(); s2 != s {
			t.Fatalf("Parse(%q) = %s, reparsed as %s", q, s, s2)
		}
	})
}

// TestParseCue holds parseCue's shortcut to Parse, on every cue line of the
// built-in packs and on lines the shortcut must leave to Parse.
func TestParseCue(t *testing.T) {
	lines := []string{`"a phrase"`, `"ein satz*"`, `word`, `enttäusch*`, `*katastrophe`, `a*b`, `*ab`, `**`, `""`, `"a" "b"`,
		`AND`, `NEAR/3`, `title:x`, `a OR b`, `(a)`, `"unclosed`, `x"y`, `😡`}
	for _, name := range Packs() {
		src, err := os.ReadFile(packText(name))
		if err != nil {
			t.Fatal(err)
		}
		section := ""
		for l := range strings.Lines(string(src)) {
			l = strings.TrimSpace(l)
			switch {
			case l == "" || strings.HasPrefix(l, "#"):
			case strings.HasPrefix(l, "["):
				section = l
			case section == "[rule]":
			default:
				if w, rest, ok := strings.Cut(l, " "); ok {
					if _, err := strconv.ParseFloat(w, 64); err == nil {
						l = strings.TrimSpace(rest)
					}
				}
				lines = append(lines, l)
			}
		}
	}
	if len(lines) < 1000 {
		t.Fatalf("only %d cue lines found in the packs", len(lines))
	}
	for _, l := range lines {
		got, gerr := parseCue(l)
		want, werr := Parse(l)
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("parseCue(%q) = %#v, %v; Parse: %#v, %v", l, got, gerr, want, werr)
		}
	}
}
