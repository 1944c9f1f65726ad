package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

type position struct{ line, col int }

// Load reads, decodes, defaults and validates the config file at path.
// Every problem is reported at once (errors.Join), each naming the file,
// line, column and field.
func Load(path string) (*Config, error) {
	c, err := LoadAll(path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes, defaults and validates a config held in memory. name is
// used in error messages; lookup resolves ${VAR} references (nil: none are
// set). A field that cannot be decoded does not stop the validation of the
// rest: every problem is reported at once, but for those that follow from
// a broken field (an unknown field's mapping, a value of the wrong type).
func Parse(name string, b []byte, lookup func(string) (string, bool)) (*Config, error) {
	c, err := ParseAll(name, b, lookup)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// LoadAll is Load that also returns what could be decoded of a config with
// problems (see ParseAll).
func LoadAll(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseAll(path, b, os.LookupEnv)
}

// ParseAll is Parse that also returns the config as far as it could be
// decoded, defaulted, when there are problems (nil only when the YAML does
// not parse), so that a checker can go on to what the problems do not
// touch (Intact). Such a config must not be run.
func ParseAll(name string, b []byte, lookup func(string) (string, bool)) (*Config, error) {
	c, d, err := decodeAll(name, b, lookup)
	if err != nil {
		return nil, err
	}
	c.ApplyDefaults()
	c.resolveFiles()
	verr := c.Validate()
	for i, w := range c.Warnings {
		c.Warnings[i] = c.redactText(w)
	}
	errs := d.errs
	for _, e := range Errors(verr) {
		if fe, ok := e.(*FieldError); !ok || !d.followsFromBroken(fe.Path) {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return c, nil
	}
	c.broken = append(c.broken, d.broken...)
	for _, e := range errs {
		fe, ok := e.(*FieldError)
		switch {
		case !ok:
			c.broken = append(c.broken, "")
		case fe.Path != "":
			c.broken = append(c.broken, fe.Path)
		}
	}
	return c, c.redact(errs)
}

// resolveFiles makes relative file: source URLs ("file:feeds/a.xml")
// absolute, relative to the config file's folder, so that a config and the
// files it names can move together.
func (c *Config) resolveFiles() {
	for i := range c.Sources {
		s := &c.Sources[i]
		u, err := url.Parse(s.URL)
		if err != nil || u.Scheme != "file" || u.Opaque == "" {
			continue
		}
		p := u.Opaque
		if !filepath.IsAbs(p) {
			base := "."
			if c.File != "" {
				base = filepath.Dir(c.File)
			}
			if abs, err := filepath.Abs(filepath.Join(base, p)); err == nil {
				p = abs
			}
		}
		s.URL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
	}
}

// Decode decodes strictly, without defaults or validation: an unknown or
// duplicate key, or a value of the wrong type, is an error with its position.
func Decode(name string, b []byte, lookup func(string) (string, bool)) (*Config, error) {
	c, d, err := decodeAll(name, b, lookup)
	if err != nil {
		return nil, err
	}
	if len(d.errs) > 0 {
		return nil, c.redact(d.errs)
	}
	return c, nil
}

// decodeAll decodes what it can. err is a YAML syntax error, after which
// nothing is decoded; the decoder holds the errors of single fields.
func decodeAll(name string, b []byte, lookup func(string) (string, bool)) (*Config, *decoder, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	sum := sha256.Sum256(b)
	c := &Config{File: name, Hash: hex.EncodeToString(sum[:]), pos: map[string]position{}, given: map[string]bool{}, blank: map[string][]envRef{}}
	env := lookup
	lookup = func(name string) (string, bool) {
		v, ok := env(name)
		if len(v) >= 8 {
			if c.envValues == nil {
				c.envValues = map[string]string{}
			}
			c.envValues[v] = "${" + name + "}"
		}
		return v, ok
	}
	d := &decoder{file: name, lookup: lookup, pos: c.pos, given: c.given, blank: c.blank}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, d, nil // an empty file is an empty config
		}
		return nil, nil, syntaxError(name, b, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if !(root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		d.decode(root, reflect.ValueOf(c).Elem(), "")
	}
	return c, d, nil
}

// decoder walks the YAML node tree and the target value together, so that
// every error carries the node's position and the field's path, and all of
// them are collected instead of stopping at the first.
type decoder struct {
	file   string
	lookup func(string) (string, bool)
	pos    map[string]position
	given  map[string]bool
	blank  map[string][]envRef
	errs   []error
	// broken are the paths of the values that could not be decoded and
	// of the mappings that hold an unknown field: their problems in
	// validation follow from these errors.
	broken []string
}

// followsFromBroken reports whether a problem at path is one of a broken
// value or mapping.
func (d *decoder) followsFromBroken(path string) bool {
	return slices.ContainsFunc(d.broken, func(b string) bool { return under(path, b) })
}

// under reports whether path is field b or lies inside it.
func under(path, b string) bool {
	return path == b || strings.HasPrefix(path, b+".") || strings.HasPrefix(path, b+"[")
}

// Intact reports whether none of the problems of a config from ParseAll
// lies in the named sections (top-level fields, "rules"), nor names no
// field at all: what a checker may still compile.
func (c *Config) Intact(sections ...string) bool {
	for _, b := range c.broken {
		if b == "" || slices.ContainsFunc(sections, func(s string) bool { return under(b, s) }) {
			return false
		}
	}
	return true
}

type unmarshaler interface{ UnmarshalYAML(*yaml.Node) error }

var (
	unmarshalerType = reflect.TypeFor[unmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

// errorf reports a value at path that cannot be decoded: it keeps the
// zero value, which is not one the file gave.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if path != "" {
		d.broken = append(d.broken, path)
		delete(d.given, path)
	}
	d.errs = append(d.errs, &FieldError{
		Pos:  fmt.Sprintf("%s:%d:%d", d.file, n.Line, n.Column),
		Path: path,
		Err:  fmt.Errorf(format, args...),
	})
}

// duplicate reports a key set twice; the first value stays, so nothing
// else follows from it.
func (d *decoder) duplicate(k *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{
		Pos:  fmt.Sprintf("%s:%d:%d", d.file, k.Line, k.Column),
		Path: path,
		Err:  fmt.Errorf(format, args...),
	})
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		d.pos[path] = position{n.Line, n.Column}
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value keeps the zero value (and so the default)
	}
	if path != "" {
		d.given[path] = true
	}
	if n.Kind == yaml.ScalarNode {
		expanded, blank, err := expandEnv(n.Value, d.lookup)
		if err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		if len(blank) > 0 && path != "" {
			d.blank[path] = blank
		}
		if expanded != n.Value {
			cp := *n
			cp.Value = expanded
			n = &cp
		}
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(unmarshaler).UnmarshalYAML(n); err != nil {
			d.errorf(n, path, "%v", err)
		}
		return
	}
	if v.Type() == timeType {
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "want a time, e.g. 2026-12-31T18:00:00+01:00")
			return
		}
		t, err := parseTime(n.Value)
		if err != nil {
			d.errorf(n, path, "%q is not a time, e.g. 2026-12-31T18:00:00+01:00 or 2026-12-31", n.Value)
			return
		}
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "want a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, ok := parseBool(n)
		if !ok {
			d.errorf(n, path, "%q is not true or false", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.errorf(n, path, "%q is not a whole number", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.errorf(n, path, "%q is not a number", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		d.errorf(n, path, "cannot decode into %s", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of fields, got %s", describe(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			d.duplicate(k, path, "duplicate field %q (first set at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", k.Value)
			if path != "" {
				msg += " in " + path
			}
			if hint := closest(k.Value, fields); hint != "" {
				msg += fmt.Sprintf(", did you mean %q?", hint)
			}
			d.errs = append(d.errs, &FieldError{Pos: fmt.Sprintf("%s:%d:%d", d.file, k.Line, k.Column), Err: errors.New(msg)})
			if path != "" {
				d.broken = append(d.broken, path)
			}
			continue
		}
		d.decode(val, v.Field(idx), join(path, k.Value))
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			d.duplicate(k, path, "duplicate key %q (first set at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, join(path, k.Value))
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
}

// structFields maps yaml names to field indexes.
func structFields(t reflect.Type) map[string]int {
	out := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = i
	}
	return out
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func parseBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// envRef is a ${VAR} without a default that gave the empty string: the
// variable is unset, or set to "".
type envRef struct {
	name string
	set  bool
}

func (r envRef) String() string {
	if r.set {
		return "${" + r.name + "} is empty"
	}
	return "${" + r.name + "} is not set"
}

// expandEnv replaces ${VAR} and ${VAR:-default} in s. An unset variable
// without a default becomes the empty string, and is returned in blank (so
// is one set to ""), so that a misspelt name can be reported; "$$" is a
// literal "$".
func expandEnv(s string, lookup func(string) (string, bool)) (_ string, blank []envRef, _ error) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", nil, fmt.Errorf("unclosed ${ in %q", s)
		}
		ref := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validEnvName(name) {
			return "", nil, fmt.Errorf("bad variable name %q in ${%s}", name, ref)
		}
		v, ok := lookup(name)
		switch {
		case ok && v != "":
			b.WriteString(v)
		case hasDef:
			b.WriteString(def)
		default:
			blank = append(blank, envRef{name: name, set: ok})
		}
		i += end
	}
	return b.String(), blank, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// closest returns the known field nearest to name, if it is close enough to
// be a likely typo.
func closest(name string, fields map[string]int) string {
	best, bestD := "", 1<<30
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d := levenshtein(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= max(1, len(name)/3) {
		return best
	}
	return ""
}

// levenshtein is the optimal-string-alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours each cost 1,
// so "chanel" and "brnad" are both one step from the field meant.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
