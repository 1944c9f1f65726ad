package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The config package does not import the cron library (see Validate), so
// it reads schedules itself, the way robfig/cron's standard parser does
// (the listener's and the report scheduler's): five fields (minute, hour,
// day of month, month, day of week) or a descriptor (@daily, @every 1h),
// with an optional CRON_TZ= or TZ= prefix. It refuses what that parser
// refuses, and a few things it accepts but that cannot be meant: a step
// larger than its field's range ("*/99" in the minutes fires at minute 0
// only), an empty field, "@every" under a second.

// cronSpec is a parsed schedule: one bit per value of each field, as the
// cron library keeps them. every is set for "@every" instead.
type cronSpec struct {
	minute, hour, dom, month, dow uint64
	every                         time.Duration
}

// cronStar marks a field written as "*" or "?" (a step of 1 included): a
// day of month and a day of week both restricted match either, as in cron.
const cronStar = 1 << 63

type cronField struct {
	name     string
	min, max uint
	names    map[string]uint
}

var cronFields = [5]cronField{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, map[string]uint{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{"day of week", 0, 6, map[string]uint{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// parseCron parses spec; the location is the prefix's, else loc.
func parseCron(spec string, loc *time.Location) (*cronSpec, *time.Location, error) {
	if spec == "" {
		return nil, loc, errors.New("empty")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		i := strings.IndexByte(spec, ' ')
		if i < 0 {
			return nil, loc, errors.New("a schedule must follow the time zone, e.g. \"CRON_TZ=Europe/Berlin 0 8 * * *\"")
		}
		name := spec[strings.IndexByte(spec, '=')+1 : i]
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, loc, fmt.Errorf("unknown time zone %q, e.g. Europe/Berlin", name)
		}
		loc, spec = l, strings.TrimSpace(spec[i:])
	}
	if strings.HasPrefix(spec, "@") {
		s, err := cronDescriptor(spec)
		return s, loc, err
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return nil, loc, fmt.Errorf("want 5 fields (minute, hour, day of month, month, day of week) or a descriptor such as @daily, got %d", len(f))
	}
	var bits [5]uint64
	for i, fd := range cronFields {
		b, err := fd.parse(f[i])
		if err != nil {
			return nil, loc, err
		}
		bits[i] = b
	}
	return &cronSpec{minute: bits[0], hour: bits[1], dom: bits[2], month: bits[3], dow: bits[4]}, loc, nil
}

func cronDescriptor(spec string) (*cronSpec, error) {
	all := func(i int) uint64 { return cronBits(cronFields[i].min, cronFields[i].max, 1) | cronStar }
	s := &cronSpec{minute: 1, hour: 1, dom: all(2), month: all(3), dow: all(4)}
	switch spec {
	case "@yearly", "@annually":
		s.dom, s.month = 1<<1, 1<<1
	case "@monthly":
		s.dom = 1 << 1
	case "@weekly":
		s.dow = 1 << 0
	case "@daily", "@midnight":
	case "@hourly":
		s.hour = all(1)
	default:
		d, ok := strings.CutPrefix(spec, "@every ")
		if !ok {
			return nil, fmt.Errorf("unknown descriptor %s (@yearly, @monthly, @weekly, @daily, @hourly, @every 1h)", spec)
		}
		every, err := time.ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration, e.g. @every 1h30m", d)
		}
		if every < time.Second {
			return nil, fmt.Errorf("@every %s is too short (at least 1s)", d)
		}
		return &cronSpec{every: every}, nil
	}
	return s, nil
}

// parse reads one field: a comma separated list of "*", "?", "n", "n-m",
// each with an optional "/step" ("n/step" is "n-max/step").
func (fd cronField) parse(field string) (uint64, error) {
	var bits uint64
	for _, expr := range strings.FieldsFunc(field, func(r rune) bool { return r == ',' }) {
		b, err := fd.parseRange(expr)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	if bits&^cronStar == 0 {
		return 0, fmt.Errorf("the %s field %q names no %s", fd.name, field, fd.name)
	}
	return bits, nil
}

func (fd cronField) parseRange(expr string) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(expr, "/")
	if strings.Contains(stepText, "/") {
		return 0, fmt.Errorf("too many slashes in %q", expr)
	}
	var start, end uint
	var extra uint64
	lo, hi, isRange := strings.Cut(rng, "-")
	if lo == "*" || lo == "?" {
		start, end, extra = fd.min, fd.max, cronStar
		isRange = true // a step applies to the whole field
	} else {
		var err error
		if start, err = fd.value(lo); err != nil {
			return 0, err
		}
		end = start
		if strings.Contains(hi, "-") {
			return 0, fmt.Errorf("too many hyphens in %q", expr)
		}
		if hi != "" || isRange {
			if end, err = fd.value(hi); err != nil {
				return 0, err
			}
		}
	}
	step := uint(1)
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("step %q in %q is not a whole number", stepText, expr)
		}
		step = uint(n)
		if !isRange {
			end = fd.max // "n/step" is "n-max/step"
		}
		if step > 1 {
			extra = 0
		}
	}
	switch {
	case start < fd.min:
		return 0, fmt.Errorf("%s %d in %q is below %d", fd.name, start, expr, fd.min)
	case end > fd.max:
		return 0, fmt.Errorf("%s %d in %q is above %d", fd.name, end, expr, fd.max)
	case start > end:
		return 0, fmt.Errorf("range %q runs backwards", expr)
	case step == 0:
		return 0, fmt.Errorf("step in %q must be positive", expr)
	case step > fd.max-fd.min:
		return 0, fmt.Errorf("step %d in %q is larger than the %s field's range %d-%d: it would fire at %s %d only", step, expr, fd.name, fd.min, fd.max, fd.name, start)
	}
	return cronBits(start, end, step) | extra, nil
}

func (fd cronField) value(s string) (uint, error) {
	if v, ok := fd.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a %s", s, fd.name)
	}
	return uint(n), nil
}

func cronBits(start, end, step uint) uint64 {
	var b uint64
	for i := start; i <= end; i += step {
		b |= 1 << i
	}
	return b
}

// nextDay returns the first day from now on (in loc) on which s fires, as
// the cron library decides it, looking as far ahead as it does (five
// years); the zero time means never. Every field names at least one value,
// so a schedule fires on every day its day fields accept.
func (s *cronSpec) nextDay(now time.Time, loc *time.Location) time.Time {
	if s.every > 0 {
		return now
	}
	d := now.In(loc)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	for end := d.AddDate(5, 0, 0); d.Before(end); d = d.AddDate(0, 0, 1) {
		if s.month&(1<<uint(d.Month())) == 0 {
			continue
		}
		dom, dow := s.dom&(1<<uint(d.Day())) != 0, s.dow&(1<<uint(d.Weekday())) != 0
		if s.dom&cronStar != 0 || s.dow&cronStar != 0 {
			if dom && dow {
				return d
			}
		} else if dom || dow {
			return d
		}
	}
	return time.Time{}
}
