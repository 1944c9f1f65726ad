package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/earshot/earshot/config"
)

// hours is a compiled config.BusinessHours: the weekly window in which
// response time is counted, in one time zone, minus holidays. A nil *hours
// counts every hour.
type hours struct {
	days     [7]bool // indexed by time.Weekday
	start    time.Duration
	end      time.Duration
	loc      *time.Location
	holidays map[string]bool // "2006-01-02" in loc
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseWeekday accepts "mon" and "monday", in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if wd, ok := weekdayNames[s]; ok {
		return wd, true
	}
	if len(s) > 3 {
		if wd, ok := weekdayNames[s[:3]]; ok && strings.ToLower(wd.String()) == s {
			return wd, true
		}
	}
	return 0, false
}

// compileHours compiles bh; every problem is a *config.FieldError under path.
func compileHours(path string, bh *config.BusinessHours) (*hours, []error) {
	if bh == nil {
		return nil, nil
	}
	var errs []error
	h := &hours{loc: time.UTC, holidays: map[string]bool{}}
	days := bh.Days
	if len(days) == 0 {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	for i, d := range days {
		wd, ok := parseWeekday(d)
		if !ok {
			errs = append(errs, config.Errorf(fmt.Sprintf("%s.days[%d]", path, i), "%q is not a weekday (mon, tue, ...)", d))
			continue
		}
		h.days[wd] = true
	}
	parseClock := func(field, s, def string) time.Duration {
		if s == "" {
			s = def
		}
		t, err := time.Parse("15:04", s)
		if err != nil {
			errs = append(errs, config.Errorf(path+"."+field, "%q is not a time of day, e.g. %s", s, def))
			return 0
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	h.start = parseClock("start", bh.Start, "09:00")
	h.end = parseClock("end", bh.End, "17:00")
	if h.start >= h.end {
		errs = append(errs, config.Errorf(path, "start %s is not before end %s", bh.Start, bh.End))
	}
	if bh.TimeZone != "" {
		loc, err := time.LoadLocation(bh.TimeZone)
		if err != nil {
			errs = append(errs, config.Errorf(path+".time_zone", "unknown time zone %q, e.g. Europe/Berlin", bh.TimeZone))
		} else {
			h.loc = loc
		}
	}
	for i, d := range bh.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			errs = append(errs, config.Errorf(fmt.Sprintf("%s.holidays[%d]", path, i), "%q is not a date, e.g. 2026-12-24", d))
			continue
		}
		h.holidays[d] = true
	}
	return h, errs
}

// window returns the business window of the day that contains t, and
// whether that day has one.
func (h *hours) window(t time.Time) (from, to time.Time, ok bool) {
	t = t.In(h.loc)
	if !h.days[t.Weekday()] || h.holidays[t.Format(time.DateOnly)] {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := t.Date()
	// Add wall-clock hours through time.Date so that DST days are right.
	from = time.Date(y, m, d, int(h.start/time.Hour), int(h.start%time.Hour/time.Minute), 0, 0, h.loc)
	to = time.Date(y, m, d, int(h.end/time.Hour), int(h.end%time.Hour/time.Minute), 0, 0, h.loc)
	return from, to, true
}

// maxBusinessDays bounds the search for business time, so that a calendar
// without any business day cannot loop forever.
const maxBusinessDays = 3 * 366

// add returns the moment d of business time after start. With nil hours
// every hour counts.
func (h *hours) add(start time.Time, d time.Duration) time.Time {
	if h == nil {
		return start.Add(d)
	}
	t := start
	for range maxBusinessDays {
		from, to, ok := h.window(t)
		if ok && t.Before(to) {
			if t.Before(from) {
				t = from
			}
			if left := to.Sub(t); d <= left {
				return t.Add(d)
			} else {
				d -= left
			}
		}
		// Next day, at midnight in the zone.
		y, m, dd := t.In(h.loc).Date()
		t = time.Date(y, m, dd+1, 0, 0, 0, 0, h.loc)
	}
	return start.Add(d) // no business day in years: fall back to wall time
}

// sub returns the moment d of business time before end (d > 0): the inverse
// of add, used for "remind this long before the deadline".
func (h *hours) sub(end time.Time, d time.Duration) time.Time {
	if h == nil {
		return end.Add(-d)
	}
	t := end
	for range maxBusinessDays {
		from, to, ok := h.window(t)
		if ok && t.After(from) {
			if t.After(to) {
				t = to
			}
			if left := t.Sub(from); d <= left {
				return t.Add(-d)
			} else {
				d -= left
			}
		}
		// Previous day, at its end (midnight of this day minus nothing:
		// the window check clamps t to the window's end).
		y, m, dd := t.In(h.loc).Date()
		t = time.Date(y, m, dd, 0, 0, 0, 0, h.loc).Add(-time.Nanosecond)
	}
	return end.Add(-d)
}
