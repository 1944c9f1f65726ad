package classifier

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is a node of a parsed rule query. Col is the 1-based column (in
// characters) where the node starts in the query, for error messages.
type Expr interface {
	// Column returns where the expression starts in the query (1-based, in characters).
	Column() int
	// String returns the expression in canonical query syntax; parsing it
	// again gives the same expression.
	String() string
}

// Term matches one word. Prefix ("enttäusch*") matches every word that
// starts with Text; Suffix ("*katastrophe") matches every word that ends
// with Text, such as the heads of German compounds ("Lieferkatastrophe").
type Term struct {
	Col    int
	Text   string
	Prefix bool
	Suffix bool
}

// Phrase matches words in sequence ("nicht angekommen"). Prefix makes the
// last word a prefix ("warte seit*").
type Phrase struct {
	Col    int
	Text   string
	Prefix bool
}

// And matches when every operand matches (also written as juxtaposition).
type And struct {
	Col int
	X   []Expr
}

// Or matches when any operand matches.
type Or struct {
	Col int
	X   []Expr
}

// Not matches when its operand does not.
type Not struct {
	Col int
	X   Expr
}

// Near matches when a match of X and a match of Y are at most N words apart
// (in either order).
type Near struct {
	Col  int
	N    int
	X, Y Expr
}

// Field restricts X to one field of the mention: title (the text of X must
// occur in the title), or author, source, lang (X, a single term, must equal
// the field, ignoring case; a prefix term matches its start).
type Field struct {
	Col  int
	Name string
	X    Expr
}

// Column returns where the term starts.
func (e *Term) Column() int { return e.Col }

// Column returns where the phrase starts.
func (e *Phrase) Column() int { return e.Col }

// Column returns where the first operand starts.
func (e *And) Column() int { return e.Col }

// Column returns where the first operand starts.
func (e *Or) Column() int { return e.Col }

// Column returns where NOT starts.
func (e *Not) Column() int { return e.Col }

// Column returns where the left operand starts.
func (e *Near) Column() int { return e.Col }

// Column returns where the field name starts.
func (e *Field) Column() int { return e.Col }

// String returns the term in query syntax.
func (e *Term) String() string {
	s := e.Text
	if e.Suffix {
		s = "*" + s
	}
	if e.Prefix {
		s += "*"
	}
	return s
}

// String returns the phrase in query syntax.
func (e *Phrase) String() string {
	// The language has no escapes: a phrase is everything between quotes.
	if e.Prefix {
		return `"` + e.Text + `*"`
	}
	return `"` + e.Text + `"`
}

func joinExpr(xs []Expr, op string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteString(x.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String returns the conjunction in query syntax, parenthesised.
func (e *And) String() string { return joinExpr(e.X, " AND ") }

// String returns the disjunction in query syntax, parenthesised.
func (e *Or) String() string { return joinExpr(e.X, " OR ") }

// String returns the negation in query syntax, parenthesised.
func (e *Not) String() string { return "(NOT " + e.X.String() + ")" }

// String returns the proximity in query syntax, parenthesised.
func (e *Near) String() string { return fmt.Sprintf("(%s NEAR/%d %s)", e.X, e.N, e.Y) }

// String returns the field scope in query syntax.
func (e *Field) String() string {
	return e.Name + ":" + e.X.String()
}

// SyntaxError is a problem in a query at a column (1-based, in characters).
type SyntaxError struct {
	Col int
	Msg string
}

// Error returns "column N: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// Limits of the rule language.
const (
	// MinPrefix is the shortest stem a prefix wildcard may have (in letters).
	MinPrefix = 3
	// MinSuffix is the shortest compound head a leading wildcard may have.
	MinSuffix = 4
	// MaxNear is the largest NEAR distance.
	MaxNear  = 50
	maxDepth = 100
)

type lexKind uint8

const (
	lexEOF lexKind = iota
	lexLParen
	lexRParen
	lexAnd
	lexOr
	lexNot
	lexNear
	lexField
	lexTerm
	lexPhrase
)

type lexeme struct {
	kind lexKind
	col  int
	text string
	n    int // NEAR distance
}

var fieldNames = [...]string{"title", "author", "source", "lang"}

func lex(q string) ([]lexeme, error) {
	var out []lexeme
	col := 0
	i := 0
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		col++
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '(':
			out = append(out, lexeme{kind: lexLParen, col: col})
			i += size
		case r == ')':
			out = append(out, lexeme{kind: lexRParen, col: col})
			i += size
		case r == '"':
			start := col
			j := i + 1
			var b strings.Builder
			closed := false
			for j < len(q) {
				r2, s2 := utf8.DecodeRuneInString(q[j:])
				col++
				j += s2
				if r2 == '"' {
					closed = true
					break
				}
				b.WriteRune(r2)
			}
			if !closed {
				return nil, &SyntaxError{start, "unterminated phrase: missing closing quote"}
			}
			out = append(out, lexeme{kind: lexPhrase, col: start, text: b.String()})
			i = j
		default:
			start := col
			j := i
			for j < len(q) {
				r2, s2 := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r2) || r2 == '(' || r2 == ')' || r2 == '"' {
					break
				}
				if r2 == ':' {
					w := q[i:j]
					isField := false
					for _, f := range fieldNames {
						if strings.EqualFold(w, f) {
							isField = true
						}
					}
					if isField {
						if k := j + s2; k == len(q) || strings.ContainsRune(" \t\r\n)", rune(q[k])) {
							return nil, &SyntaxError{start, strings.ToLower(w) + ": needs a term, phrase or group right after the colon"}
						}
						out = append(out, lexeme{kind: lexField, col: start, text: strings.ToLower(w)})
						col++ // the colon
						j += s2
						i = j
						goto next
					}
				}
				if j > i {
					col++
				}
				j += s2
			}
			{
				w := q[i:j]
				lx := lexeme{kind: lexTerm, col: start, text: w}
				switch {
				case w == "AND":
					lx.kind = lexAnd
				case w == "OR":
					lx.kind = lexOr
				case w == "NOT":
					lx.kind = lexNot
				case strings.HasPrefix(w, "NEAR/") || w == "NEAR":
					lx.kind = lexNear
					n, err := strconv.Atoi(strings.TrimPrefix(w, "NEAR/"))
					if w == "NEAR" || err != nil || n < 1 || n > MaxNear {
						return nil, &SyntaxError{start, fmt.Sprintf("NEAR needs a distance from 1 to %d, as in NEAR/5", MaxNear)}
					}
					lx.n = n
				}
				out = append(out, lx)
				i = j
			}
		next:
		}
	}
	out = append(out, lexeme{kind: lexEOF, col: col + 1})
	return out, nil
}

// parseCue parses a pack's cue line, which is mostly a single word or a
// single phrase: those are made at once, without lexing and parsing a
// query (the packs have thousands of them); anything else goes to Parse.
func parseCue(q string) (Expr, error) {
	switch {
	case len(q) >= 2 && q[0] == '"' && q[len(q)-1] == '"' && strings.Count(q, `"`) == 2:
		return phrase(lexeme{kind: lexPhrase, col: 1, text: q[1 : len(q)-1]})
	case q != "" && !strings.ContainsAny(q, " \t\r\n()\":") && q != "AND" && q != "OR" && q != "NOT" && !strings.HasPrefix(q, "NEAR"):
		return term(lexeme{kind: lexTerm, col: 1, text: q})
	}
	return Parse(q)
}

type parser struct {
	lx    []lexeme
	pos   int
	depth int
}

func (p *parser) peek() lexeme { return p.lx[p.pos] }
func (p *parser) next() lexeme { l := p.lx[p.pos]; p.pos++; return l }

// Parse parses a rule query. Operators (AND, OR, NOT, NEAR/n) are written in
// capitals; a lower-case "not" is an ordinary word. Precedence, loosest
// first: OR, AND (or juxtaposition), NOT, NEAR. Errors are *SyntaxError.
func Parse(q string) (Expr, error) {
	lx, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{lx: lx}
	if p.peek().kind == lexEOF {
		return nil, &SyntaxError{1, "empty query"}
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if l := p.peek(); l.kind != lexEOF {
		if l.kind == lexRParen {
			return nil, &SyntaxError{l.col, "unexpected ')' without a matching '('"}
		}
		return nil, &SyntaxError{l.col, "unexpected " + describe(l)}
	}
	return e, nil
}

func describe(l lexeme) string {
	switch l.kind {
	case lexEOF:
		return "end of query"
	case lexLParen:
		return "'('"
	case lexRParen:
		return "')'"
	case lexAnd:
		return "AND"
	case lexOr:
		return "OR"
	case lexNot:
		return "NOT"
	case lexNear:
		return "NEAR"
	case lexField:
		return l.text + ":"
	case lexPhrase:
		return "phrase"
	}
	return fmt.Sprintf("%q", l.text)
}

func (p *parser) or() (Expr, error) {
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	xs := []Expr{x}
	for p.peek().kind == lexOr {
		op := p.next()
		if k := p.peek().kind; k == lexEOF || k == lexRParen || k == lexOr || k == lexAnd {
			return nil, &SyntaxError{op.col, "OR needs an expression on its right"}
		}
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return &Or{Col: x.Column(), X: xs}, nil
}

func startsOperand(k lexKind) bool {
	return k == lexLParen || k == lexNot || k == lexField || k == lexTerm || k == lexPhrase
}

func (p *parser) and() (Expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	xs := []Expr{x}
	for {
		k := p.peek().kind
		if k == lexAnd {
			op := p.next()
			if !startsOperand(p.peek().kind) {
				return nil, &SyntaxError{op.col, "AND needs an expression on its right"}
			}
		} else if !startsOperand(k) {
			break
		}
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return &And{Col: x.Column(), X: xs}, nil
}

func (p *parser) unary() (Expr, error) {
	if l := p.peek(); l.kind == lexNot {
		p.next()
		if !startsOperand(p.peek().kind) {
			return nil, &SyntaxError{l.col, "NOT needs an expression on its right"}
		}
		p.depth++
		if p.depth > maxDepth {
			return nil, &SyntaxError{l.col, "query nested too deeply"}
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Not{Col: l.col, X: x}, nil
	}
	return p.near()
}

func (p *parser) near() (Expr, error) {
	x, err := p.atom()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == lexNear {
		op := p.next()
		if k := p.peek().kind; k != lexLParen && k != lexTerm && k != lexPhrase && k != lexField {
			return nil, &SyntaxError{op.col, "NEAR needs a term, phrase or group on its right"}
		}
		y, err := p.atom()
		if err != nil {
			return nil, err
		}
		if c := positional(x); c > 0 {
			return nil, &SyntaxError{c, "NEAR joins terms, phrases and OR-groups of them only"}
		}
		if c := positional(y); c > 0 {
			return nil, &SyntaxError{c, "NEAR joins terms, phrases and OR-groups of them only"}
		}
		x = &Near{Col: x.Column(), N: op.n, X: x, Y: y}
	}
	return x, nil
}

// positional returns 0 when e can be located in the text (terms, phrases, OR
// of them, title: of them), else the column of the offending part.
func positional(e Expr) int {
	switch e := e.(type) {
	case *Term, *Phrase:
		return 0
	case *Or:
		for _, x := range e.X {
			if c := positional(x); c > 0 {
				return c
			}
		}
		return 0
	case *Field:
		if e.Name == "title" {
			return positional(e.X)
		}
	}
	return e.Column()
}

func (p *parser) atom() (Expr, error) {
	l := p.next()
	switch l.kind {
	case lexLParen:
		p.depth++
		if p.depth > maxDepth {
			return nil, &SyntaxError{l.col, "query nested too deeply"}
		}
		if p.peek().kind == lexRParen {
			return nil, &SyntaxError{l.col, "empty parentheses"}
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if r := p.next(); r.kind != lexRParen {
			return nil, &SyntaxError{l.col, "unclosed parenthesis"}
		}
		return x, nil
	case lexField:
		if k := p.peek().kind; k != lexLParen && k != lexTerm && k != lexPhrase {
			return nil, &SyntaxError{l.col, l.text + ": needs a term, phrase or group right after the colon"}
		}
		p.depth++
		if p.depth > maxDepth {
			return nil, &SyntaxError{l.col, "query nested too deeply"}
		}
		x, err := p.atom()
		p.depth--
		if err != nil {
			return nil, err
		}
		if l.text == "title" {
			if c := noFields(x); c > 0 {
				return nil, &SyntaxError{c, "a field inside title: is not allowed"}
			}
		} else if t, ok := x.(*Term); !ok || t.Suffix {
			return nil, &SyntaxError{x.Column(), l.text + ": needs a single word (a trailing * is allowed)"}
		}
		return &Field{Col: l.col, Name: l.text, X: x}, nil
	case lexTerm:
		return term(l)
	case lexPhrase:
		return phrase(l)
	case lexEOF:
		return nil, &SyntaxError{l.col, "unexpected end of query"}
	case lexRParen:
		return nil, &SyntaxError{l.col, "unexpected ')'"}
	}
	return nil, &SyntaxError{l.col, "unexpected " + describe(l) + " where a term was expected"}
}

func noFields(e Expr) int {
	switch e := e.(type) {
	case *Field:
		return e.Col
	case *And:
		for _, x := range e.X {
			if c := noFields(x); c > 0 {
				return c
			}
		}
	case *Or:
		for _, x := range e.X {
			if c := noFields(x); c > 0 {
				return c
			}
		}
	case *Not:
		return noFields(e.X)
	case *Near:
		if c := noFields(e.X); c > 0 {
			return c
		}
		return noFields(e.Y)
	}
	return 0
}

// letters counts the characters of s that survive normalisation as part of a word.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func term(l lexeme) (Expr, error) {
	w := l.text
	t := &Term{Col: l.col}
	if strings.HasPrefix(w, "*") {
		t.Suffix = true
		w = w[1:]
	}
	if strings.HasSuffix(w, "*") {
		t.Prefix = true
		w = w[:len(w)-1]
	}
	if i := strings.IndexByte(w, '*'); i >= 0 {
		return nil, &SyntaxError{l.col, fmt.Sprintf("%q: a wildcard may only start or end a word", l.text)}
	}
	if t.Prefix && t.Suffix {
		return nil, &SyntaxError{l.col, fmt.Sprintf("%q: use either a leading or a trailing wildcard, not both", l.text)}
	}
	n := letters(w)
	switch {
	case w == "":
		return nil, &SyntaxError{l.col, "a wildcard needs a word"}
	case t.Prefix && n < MinPrefix:
		return nil, &SyntaxError{l.col, fmt.Sprintf("%q: a prefix needs at least %d letters", l.text, MinPrefix)}
	case t.Suffix && n < MinSuffix:
		return nil, &SyntaxError{l.col, fmt.Sprintf("%q: a compound head needs at least %d letters", l.text, MinSuffix)}
	}
	t.Text = w
	return t, nil
}

func phrase(l lexeme) (Expr, error) {
	w := l.text
	p := &Phrase{Col: l.col}
	if strings.HasSuffix(w, "*") {
		p.Prefix = true
		w = w[:len(w)-1]
	}
	if strings.Contains(w, "*") {
		return nil, &SyntaxError{l.col, "a wildcard in a phrase may only end it"}
	}
	if strings.TrimSpace(w) == "" {
		return nil, &SyntaxError{l.col, "empty phrase"}
	}
	if p.Prefix {
		f := strings.Fields(w)
		if letters(f[len(f)-1]) < MinPrefix {
			return nil, &SyntaxError{l.col, fmt.Sprintf("a prefix needs at least %d letters", MinPrefix)}
		}
	}
	p.Text = w
	return p, nil
}
