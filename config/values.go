package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written like Go's ("90s", "2h30m") or with a
// day suffix ("7d", "1d12h").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d the way it is written in the config.
func (d Duration) String() string {
	t := time.Duration(d)
	if t > 0 && t%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(t/(24*time.Hour)), 10) + "d"
	}
	return t.String()
}

// ParseDuration parses a config duration: Go's units and d for days
// ("30d", "1d12h"). A duration is not negative; whether zero is allowed
// is the field's to say.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if strings.HasPrefix(in, "-") {
		return 0, fmt.Errorf("%q: a duration cannot be negative", s)
	}
	var days time.Duration
	if i := strings.IndexByte(in, 'd'); i > 0 {
		if n, err := strconv.Atoi(in[:i]); err == nil {
			if int64(n) > math.MaxInt64/int64(24*time.Hour) {
				return 0, fmt.Errorf("%q is too long a duration", s)
			}
			days, in = time.Duration(n)*24*time.Hour, in[i+1:]
			if in == "" {
				return Duration(days), nil
			}
		}
	}
	rest, err := time.ParseDuration(in)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration, e.g. 2h", s)
	case rest < 0:
		return 0, fmt.Errorf("%q: a duration cannot be negative", s)
	case days > math.MaxInt64-rest:
		return 0, fmt.Errorf("%q is too long a duration", s)
	}
	return Duration(days + rest), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration, e.g. 2h")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// ByteSize is a size written as a number of bytes or with a unit: 512KiB,
// 10MiB, 1GiB (also KB, MB, GB as powers of 1000).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// ParseByteSize parses a config size.
func ParseByteSize(s string) (ByteSize, error) {
	in := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(in, u.suffix) {
			in, mult = strings.TrimSpace(strings.TrimSuffix(in, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(in, 10, 64)
	if err != nil || n < 0 || (mult > 1 && n > (1<<62)/mult) {
		return 0, fmt.Errorf("%q is not a size, e.g. 10MiB", s)
	}
	return ByteSize(n * mult), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a size, e.g. 10MiB")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Secret is a string that never prints: logs, errors and dumps show <secret>.
type Secret string

// Value returns the secret itself. Call it only where the secret is used.
func (s Secret) Value() string { return string(s) }

// IsSet reports whether a secret was configured.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// GoString implements fmt.GoStringer so %#v does not leak either.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// LogValue keeps secrets out of slog output.
func (s Secret) LogValue() any { return s.String() }

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(StringList, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return errors.New("want a string or a list of strings")
			}
			out = append(out, c.Value)
		}
		*l = out
		return nil
	}
	return errors.New("want a string or a list of strings")
}
