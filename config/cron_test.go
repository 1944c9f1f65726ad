package config

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestCron checks the schedules of sources and reports: what the cron
// library refuses is an error with the path; a step larger than its field
// is an error although the library accepts it; a schedule that never fires
// is a warning.
func TestCron(t *testing.T) {
	defer func(old func() time.Time) { timeNow = old }(timeNow)
	timeNow = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		spec, err, warn string
	}{
		{spec: "*/10 * * * *"},
		{spec: "0 8 * * MON-FRI"},
		{spec: "0 8 * jan,Jul sun"},
		{spec: "5/15 0-6/2 1,15 * ?"},
		{spec: "*/59 */23 */30 */11 */6"},
		{spec: "@daily"},
		{spec: "@every 90m"},
		{spec: "CRON_TZ=Europe/Berlin 0 8 * * *"},
		{spec: "0 0 29 2 *"},   // 2028
		{spec: "0 8 31 2 MON"}, // both day fields given: either matches
		{spec: "*/99 * * * *", err: `"*/99 * * * *": step 99 in "*/99" is larger than the minute field's range 0-59: it would fire at minute 0 only`},
		{spec: "0 */24 * * *", err: `step 24 in "*/24" is larger than the hour field's range 0-23`},
		{spec: "0 0 1 */12 *", err: `step 12 in "*/12" is larger than the month field's range 1-12`},
		{spec: "61 * * * *", err: `"61 * * * *": minute 61 in "61" is above 59`},
		{spec: "0 0 0 * *", err: `day of month 0 in "0" is below 1`},
		{spec: "0 0 * * 7", err: `day of week 7 in "7" is above 6`},
		{spec: "0 0 * * mo", err: `"mo" is not a day of week`},
		{spec: "0 10-8 * * *", err: `range "10-8" runs backwards`},
		{spec: "0 1-2-3 * * *", err: `too many hyphens`},
		{spec: "*/0 * * * *", err: `step in "*/0" must be positive`},
		{spec: ", * * * *", err: `the minute field "," names no minute`},
		{spec: "* * * *", err: "want 5 fields"},
		{spec: "every day", err: "want 5 fields"},
		{spec: "@fortnightly", err: "unknown descriptor @fortnightly"},
		{spec: "@every 0s", err: "@every 0s is too short (at least 1s)"},
		{spec: "@every soon", err: `"soon" is not a duration`},
		{spec: "CRON_TZ=Mars/Olympus 0 8 * * *", err: `unknown time zone "Mars/Olympus"`},
		{spec: "CRON_TZ=Europe/Berlin", err: "a schedule must follow the time zone"},
		{spec: "0 8 31 2 *", warn: `"0 8 31 2 *" never fires`},
		{spec: "0 8 30,31 feb *", warn: `"0 8 30,31 feb *" never fires`},
		{spec: "0 8 31 4,6,9,11 *", warn: `"0 8 31 4,6,9,11 *" never fires`},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			for _, y := range []struct{ yaml, path string }{
				{"sources:\n  - name: a\n    url: https://a.example/\n    schedule: '" + tc.spec + "'\nroutes: [{match: {}, owner: U123ABC}]\n", "c.yaml:4:15: sources[0].schedule: "},
				{"reports:\n  - name: w\n    channel: '#m'\n    schedule: '" + tc.spec + "'\n", "c.yaml:4:15: reports[0].schedule: "},
			} {
				c, err := Parse("c.yaml", []byte(y.yaml), nil)
				if tc.err != "" {
					if err == nil || !strings.Contains(err.Error(), y.path) || !strings.Contains(err.Error(), tc.err) {
						t.Errorf("error\n%v\ndoes not contain\n%s...%s", err, y.path, tc.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				switch {
				case tc.warn == "" && len(c.Warnings) > 0:
					t.Errorf("warnings %q, want none", c.Warnings)
				case tc.warn != "" && (len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], y.path+tc.warn)):
					t.Errorf("warnings %q, want one containing %q", c.Warnings, y.path+tc.warn)
				}
			}
		})
	}
}

// TestCronAsTheLibrary: the config reads schedules as the cron library
// does (the listener and the reports use it): the same specs are refused,
// but for the steps larger than their field and the empty fields it
// refuses on top, and they fire on the same days.
func TestCronAsTheLibrary(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, spec := range []string{
		"* * * * *", "0 8 * * 1-5", "0 8 1 * *", "0 8 1 * MON", "0 8 */2 * *", "0 8 * * */2", "0 8 13 * fri",
		"0 8 31 2 *", "0 0 29 2 *", "0 8 1-7 * 1", "0 8 ? * SAT,sun", "0 8 L * *", "0 8 * * 0-7", "0 8 5/10 * *",
		"1-2-3 * * * *", "*/0 * * * *", "a * * * *", "* * * *", "* * * * * *", "@monthly", "@weekly", "@yearly",
		"@hourly", "@every 1h", "@reboot", "0 8 1-31/7 * *", "0 0 * jan-dec/3 *", "0 0 * * 8", "60 * * * *",
		"*/61 * * * *", "1/1 * * * *", "* 5- * * *", "*-3 * * * *", "1//2 * * * *", "0 8 31 4 *",
	} {
		lib, libErr := cron.ParseStandard(spec)
		cs, loc, err := parseCron(spec, time.UTC)
		if (libErr != nil) != (err != nil) {
			if libErr == nil && err != nil && (strings.Contains(err.Error(), "larger than") || strings.Contains(err.Error(), "names no")) {
				continue // refused on purpose
			}
			t.Errorf("%q: cron library: %v; config: %v", spec, libErr, err)
			continue
		}
		if err != nil {
			continue
		}
		// Both fire on the same first day, or neither ever does.
		want := lib.Next(start.Add(-time.Second))
		got := cs.nextDay(start, loc)
		if want.IsZero() != got.IsZero() || !want.IsZero() && want.Truncate(24*time.Hour) != got && cs.every == 0 {
			t.Errorf("%q: cron library next %v, config next day %v", spec, want, got)
		}
	}
}
