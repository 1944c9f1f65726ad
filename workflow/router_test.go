package workflow

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func routingConfig() *config.Config {
	r := func(name string, m config.Match, cont bool) config.Route {
		return config.Route{Name: name, Match: m, Continue: cont, Owner: "U0OWNER", Channel: "#care"}
	}
	return &config.Config{Routes: []config.Route{
		r("crisis", config.Match{Severity: "crisis"}, true),
		r("delivery-de", config.Match{Topic: config.StringList{"delivery"}, Lang: config.StringList{"de"}}, false),
		r("delivery", config.Match{Topic: config.StringList{"delivery", "shipping"}}, false),
		r("reddit-high", config.Match{Source: config.StringList{"reddit"}, Severity: "high"}, false),
		r("rule", config.Match{Rule: config.StringList{"kuendigung"}}, false),
		r("all", config.Match{}, false),
	}}
}

func TestRoute(t *testing.T) {
	router, err := NewRouter(routingConfig())
	if err != nil {
		t.Fatal(err)
	}
	v := func(topic string, sev mention.Severity, source, lang string, rules ...string) *mention.Verdict {
		out := &mention.Verdict{Criticism: true, Severity: sev, Lang: lang, Mention: mention.Mention{Source: source}}
		if topic != "" {
			out.Topics = []string{topic, "other"}
		}
		for _, r := range rules {
			out.Rules = append(out.Rules, mention.Match{Rule: r})
		}
		return out
	}
	tests := []struct {
		name string
		v    *mention.Verdict
		want []string
	}{
		{"topic and language", v("delivery", mention.SeverityMedium, "news", "de"), []string{"delivery-de"}},
		{"topic, other language", v("delivery", mention.SeverityMedium, "news", "en"), []string{"delivery"}},
		{"topic list, any case", v("Shipping", mention.SeverityLow, "news", "en"), []string{"delivery"}},
		{"secondary topic does not count", &mention.Verdict{Topics: []string{"price", "delivery"}}, []string{"all"}},
		{"severity minimum met", v("price", mention.SeverityCrisis, "reddit", "en"), []string{"crisis", "reddit-high"}},
		{"severity minimum, higher", v("price", mention.SeverityHigh, "reddit", "en"), []string{"reddit-high"}},
		{"severity minimum not met", v("price", mention.SeverityMedium, "reddit", "en"), []string{"all"}},
		{"continue then first match", v("delivery", mention.SeverityCrisis, "news", "de"), []string{"crisis", "delivery-de"}},
		{"source in sources list", &mention.Verdict{Severity: mention.SeverityHigh, Mention: mention.Mention{Source: "news", Sources: []string{"news", "reddit"}}}, []string{"reddit-high"}},
		{"rule name", v("", mention.SeverityLow, "news", "de", "negativ", "kuendigung"), []string{"rule"}},
		{"catch-all", v("", mention.SeverityNone, "news", ""), []string{"all"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range router.Route(tc.v) {
				got = append(got, m.ID)
				if m.ID != router.routes[m.Index].id {
					t.Errorf("match %s has index %d", m.ID, m.Index)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Route = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRouteCarriesGuideline(t *testing.T) {
	router, err := NewRouter(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	v := complaint("x")
	got := router.Route(&v)
	if len(got) != 1 || got[0].ID != "delivery" || !strings.HasPrefix(got[0].Guideline.Summary, "Apologise") {
		t.Fatalf("Route = %+v", got)
	}
	if got[0].Route.Owner != "anna@acme.de" {
		t.Errorf("owner = %q", got[0].Route.Owner)
	}
}

func TestNewRouterErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Routes[0].Guideline = "deliveyr"
	cfg.Routes[0].Match.Severity = "urgent"
	cfg.Routes[1].Owner = "@ana"
	cfg.Routes[1].Channel = "Social Care"
	cfg.Routes[1].BusinessHours = &config.BusinessHours{Days: []string{"mon", "funday"}, Start: "9", End: "17:00", TimeZone: "Mars/Base", Holidays: []string{"24.12."}}
	cfg.Guidelines["general"] = config.Guideline{Template: "Hallo {{.Autor}}"}
	cfg.Guidelines["broken"] = config.Guideline{Template: "Hallo {{.Author"}
	cfg.Policy.NeverDisclose = []string{"Umsatz", " "}
	_, err := NewRouter(cfg)
	if err == nil {
		t.Fatal("no error")
	}
	var paths []string
	for _, e := range config.Errors(err) {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			t.Errorf("not a FieldError: %v", e)
			continue
		}
		paths = append(paths, fe.Path)
	}
	want := []string{
		"guidelines.broken.template", "guidelines.general.template",
		"routes[0].match.severity", "routes[0].guideline",
		"routes[1].owner", "routes[1].channel",
		"routes[1].business_hours.days[1]", "routes[1].business_hours.start",
		"routes[1].business_hours.time_zone", "routes[1].business_hours.holidays[0]",
		"policy.never_disclose[1]",
	}
	for _, w := range want {
		if !slices.Contains(paths, w) {
			t.Errorf("no error at %s; got %v", w, paths)
		}
	}
	if !strings.Contains(err.Error(), `routes[0].guideline: unknown guideline "deliveyr" (known: broken, delivery, general)`) {
		t.Errorf("error text: %v", err)
	}
}

func TestDeadlines(t *testing.T) {
	cfg := testConfig()
	cfg.Routes[0].BusinessHours = &config.BusinessHours{Days: []string{"mon", "tue", "wed", "thu", "fri"},
		Start: "09:00", End: "17:00", TimeZone: "Europe/Berlin", Holidays: []string{"2026-11-27"}}
	router, err := NewRouter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, berlin) }
	tests := []struct {
		name               string
		created            time.Time
		remind, due, escal time.Time
	}{
		{"within the day", at(24, 10, 0), at(24, 11, 30), at(24, 12, 0), at(24, 14, 0)},
		{"across the evening", at(24, 16, 0), at(25, 9, 30), at(25, 10, 0), at(25, 12, 0)},
		{"at night", at(24, 23, 0), at(25, 10, 30), at(25, 11, 0), at(25, 13, 0)},
		{"over the holiday and weekend", at(26, 16, 30), at(30, 10, 0), at(30, 10, 30), at(30, 12, 30)},
		{"remind before crosses the night", at(25, 15, 15), at(25, 16, 45), at(26, 9, 15), at(26, 11, 15)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := router.route("delivery").deadlines(tc.created)
			if !e.RemindAt.Equal(tc.remind) || !e.DueAt.Equal(tc.due) || !e.EscalateAt.Equal(tc.escal) {
				t.Errorf("deadlines(%v) = remind %v, due %v, escalate %v; want %v, %v, %v", tc.created,
					e.RemindAt.In(berlin), e.DueAt.In(berlin), e.EscalateAt.In(berlin), tc.remind, tc.due, tc.escal)
			}
		})
	}
}
