package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// yaml.v3 reports a syntax error with a line only, often the line where
// the construct that failed began ("did not find expected key" names the
// mapping's first line, not the line indented wrongly below it). So that
// a syntax error, like every other problem, points at a line and column,
// syntaxError looks at the text for the usual causes: a tab in the
// indentation, a bracket that is not closed, a line indented to no level
// of the lines above it. Where none is found it points at the first
// character of the line yaml.v3 named.

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError formats yaml.v3's syntax error err for file name with the
// text b as "name:line:col: message", with a hint where a cause is found.
func syntaxError(name string, b []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	lines := strings.Split(string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))), "\n")
	if line < 1 || line > len(lines) {
		return fmt.Errorf("%s:%d: %s", name, line, msg)
	}
	// A tab where indentation is read, on the named line or after it.
	for l := line; l <= len(lines); l++ {
		s := lines[l-1]
		if i := strings.IndexFunc(s, func(r rune) bool { return r != ' ' }); i >= 0 && s[i] == '\t' {
			return fmt.Errorf("%s:%d:%d: %s (a tab in the indentation: YAML indents with spaces)", name, l, i+1, msg)
		}
		if !strings.Contains(msg, "cannot start any token") && !strings.Contains(msg, "tab") {
			break
		}
	}
	if strings.Contains(msg, "expected ',' or") || strings.Contains(msg, "expected node content") {
		if l, col, open := unclosed(lines, line); l > 0 {
			return fmt.Errorf("%s:%d:%d: %s (the %q opened here is not closed, or a ',' is missing)", name, l, col, msg, open)
		}
	}
	if strings.Contains(msg, "end of stream") {
		if l, col := unterminated(lines); l > 0 {
			return fmt.Errorf("%s:%d:%d: %s (the quote opened here is not closed)", name, l, col, msg)
		}
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		// "routes: x: y": the second colon of the line
		s := lines[line-1]
		if k := mappingColon(s, 0); k >= 0 {
			if k2 := mappingColon(s, k+1); k2 >= 0 {
				return fmt.Errorf("%s:%d:%d: %s (a value with ': ' in it needs quotes)", name, line, k2+1, msg)
			}
		}
	}
	if strings.Contains(msg, "did not find expected") || strings.Contains(msg, "mapping values are not allowed") {
		if l, col := misindented(lines, line); l > 0 {
			return fmt.Errorf("%s:%d:%d: %s (this line is indented to no level of the lines above it)", name, l, col, msg)
		}
	}
	return fmt.Errorf("%s:%d:%d: %s", name, line, firstCol(lines[line-1]), msg)
}

// firstCol is the column of the first character of s that is not a
// space (1 for a blank line).
func firstCol(s string) int {
	return max(strings.IndexFunc(s, func(r rune) bool { return r != ' ' }), 0) + 1
}

// plain calls fn with the index and byte of every byte of line s outside
// quotes and comments, from from on, until fn returns false.
func plain(s string, from int, fn func(i int, c byte) bool) {
	var quote byte
	for i := from; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return
		case !fn(i, c):
			return
		}
	}
}

// flowDepth is how many more flow brackets ('[', '{') line s opens than
// it closes, outside quotes and comments.
func flowDepth(s string) int {
	d := 0
	plain(s, 0, func(_ int, c byte) bool {
		switch c {
		case '[', '{':
			d++
		case ']', '}':
			d--
		}
		return true
	})
	return d
}

// unclosed returns the line and column of the last flow bracket opened
// on line or after it that is not closed by the end of the file (outside
// quotes and comments), and the bracket; 0, 0 when there is none.
func unclosed(lines []string, line int) (int, int, byte) {
	type at struct {
		line, col int
		c         byte
	}
	var stack []at
	for l := line; l <= len(lines); l++ {
		plain(lines[l-1], 0, func(i int, c byte) bool {
			switch {
			case c == '[' || c == '{':
				stack = append(stack, at{l, i + 1, c})
			case (c == ']' || c == '}') && len(stack) > 0:
				stack = stack[:len(stack)-1]
			}
			return true
		})
	}
	if len(stack) == 0 {
		return 0, 0, 0
	}
	top := stack[len(stack)-1]
	return top.line, top.col, top.c
}

// unterminated returns the line and column of a quote that is still open
// at the end of the file (quoted scalars may span lines; a comment or a
// quote inside a word does not open one), or 0, 0.
func unterminated(lines []string) (int, int) {
	var quote byte
	ql, qc := 0, 0
	for l, s := range lines {
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case quote == '"' && c == '\\':
				i++
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '#' && (i == 0 || s[i-1] == ' '):
				i = len(s)
			case (c == '"' || c == '\'') && (i == 0 || strings.IndexByte(" [{,:-", s[i-1]) >= 0):
				quote, ql, qc = c, l+1, i+1
			}
		}
	}
	if quote == 0 {
		return 0, 0
	}
	return ql, qc
}

// mappingColon returns the index of the first ':' of s at or after from
// that ends a key (followed by a space or the end of the line), outside
// quotes and comments; -1 when there is none.
func mappingColon(s string, from int) int {
	at := -1
	plain(s, from, func(i int, c byte) bool {
		if c == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			at = i
			return false
		}
		return true
	})
	return at
}

// misindented returns the first line from line on that is indented to no
// level of the block lines above it (deeper than a line that opens no
// block, or back to a level no line above has), and the column of its
// first character; 0, 0 when every line fits.
func misindented(lines []string, line int) (int, int) {
	var levels []int // the indentation of the enclosing block lines
	opens := true    // the line before opens a block
	scalar := -1     // inside a block scalar: the indentation of its key
	depth := 0       // open flow brackets: their lines are not block lines
	for l := 1; l <= len(lines); l++ {
		s := lines[l-1]
		t := strings.TrimLeft(s, " ")
		inFlow := depth > 0
		depth = max(depth+flowDepth(s), 0)
		if t == "" || t[0] == '#' || inFlow {
			continue
		}
		ind := len(s) - len(t)
		if scalar >= 0 {
			if ind > scalar {
				continue
			}
			scalar = -1
		}
		bad := false
		switch {
		case len(levels) == 0 || ind > levels[len(levels)-1]:
			bad = len(levels) > 0 && !opens
			levels = append(levels, ind)
		default:
			for len(levels) > 0 && levels[len(levels)-1] > ind {
				levels = levels[:len(levels)-1]
			}
			bad = len(levels) == 0 || levels[len(levels)-1] != ind
		}
		if bad && l >= line {
			return l, ind + 1
		}
		// An item's content is a level of its own: "- match: {}" then
		// "  owner: x" two columns in.
		body := t
		for strings.HasPrefix(body, "- ") {
			body = strings.TrimLeft(body[2:], " ")
			levels = append(levels, len(s)-len(body))
		}
		if i := strings.Index(body, " #"); i >= 0 {
			body = body[:i]
		}
		body = strings.TrimRight(body, " ")
		opens = body == "-" || strings.HasSuffix(body, ":")
		if k := strings.LastIndex(body, ": "); k >= 0 {
			switch v := strings.TrimSpace(body[k+1:]); {
			case strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">"):
				scalar, opens = ind, false
			}
		}
	}
	return 0, 0
}
