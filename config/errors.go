package config

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// FieldError is a problem with one field of the config. Path is the field's
// path as a manager reads it ("routes[1].respond_within"); Pos is
// "FILE:LINE:COL" when known. Packages that validate parts of the config
// (the classifier compiling rules, the workflow resolving routes) return
// FieldErrors so that the CLI can point at the line.
type FieldError struct {
	Pos  string
	Path string
	Err  error
}

// Errorf returns a FieldError for path.
func Errorf(path, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

func (e *FieldError) Error() string {
	switch {
	case e.Pos != "" && e.Path != "":
		return e.Pos + ": " + e.Path + ": " + e.Err.Error()
	case e.Pos != "":
		return e.Pos + ": " + e.Err.Error()
	case e.Path != "":
		return e.Path + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Errors flattens err (joined errors included) into its list of problems.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	return []error{err}
}

// Locate fills in the position of every FieldError in err from the config's
// source, so errors from other packages point at the line too.
func (c *Config) Locate(err error) error {
	errs := Errors(err)
	for _, e := range errs {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Pos == "" {
			fe.Pos = c.At(fe.Path)
		}
	}
	return c.redact(errs)
}

// redact joins errs, each with the values of the environment variables
// the file refers to replaced by their references: a token that ends up
// in a field where it is wrong ("respond_within: ${EARSHOT_SLACK_BOT_TOKEN}")
// is named, not printed, in the error, the log and `earshot check`.
func (c *Config) redact(errs []error) error {
	if len(c.envValues) > 0 {
		for i, e := range errs {
			if fe, ok := e.(*FieldError); ok {
				fe.Err = c.redactErr(fe.Err)
			} else {
				errs[i] = c.redactErr(e)
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) redactErr(err error) error {
	msg := err.Error()
	if out := c.redactText(msg); out != msg {
		return &redactedError{msg: out, err: err}
	}
	return err
}

// redactText replaces the values of the environment variables in s by
// their references, the longest first (one value may hold another).
func (c *Config) redactText(s string) string {
	if len(c.envValues) == 0 {
		return s
	}
	vals := slices.SortedFunc(maps.Keys(c.envValues), func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, v := range vals {
		ref := c.envValues[v]
		s = strings.ReplaceAll(s, v, ref)
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			s = strings.ReplaceAll(s, q[1:len(q)-1], ref) // as %q wrote it
		}
	}
	return s
}

// redactedError is an error whose message has secrets replaced.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// At returns "FILE:LINE:COL" of the field at path, or of its nearest parent
// that has a position, or just the file name.
func (c *Config) At(path string) string {
	for p := path; ; {
		if pos, ok := c.pos[p]; ok {
			return fmt.Sprintf("%s:%d:%d", c.fileName(), pos.line, pos.col)
		}
		i := lastSep(p)
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return c.fileName()
}

func (c *Config) fileName() string {
	if c.File == "" {
		return "config"
	}
	return c.File
}

func lastSep(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return i
		}
	}
	return -1
}
