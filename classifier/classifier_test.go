package classifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func ptr[T any](v T) *T { return &v }

func mustNew(t testing.TB, rules config.Rules, brand config.Brand) *Classifier {
	t.Helper()
	c, err := New(rules, brand)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func classify(c *Classifier, title, text, lang string) (mention.Verdict, bool) {
	var v mention.Verdict
	m := mention.Mention{Title: title, Text: text, Lang: lang}
	ok := c.Classify(&m, &v)
	return v, ok
}

func tokens(s string) string {
	var n normText
	n.normalize(s)
	return string(n.buf)
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Größe", "groesse"},
		{"GRÖSSE", "groesse"},
		{"Rückgabe", "rueckgabe"},
		{"Rueckgabe", "rueckgabe"},
		{"Straße STRASSE", "strasse strasse"},
		{"Ärger über Öl", "aerger ueber oel"},
		{norm.NFD.String("Lieferverzögerung für Müller"), "lieferverzoegerung fuer mueller"},
		{"Café crème", "cafe creme"},
		{"don't can’t", "dont cant"},
		{"Flinkwerk's app", "flinkwerk app"},
		{"see https://acme.de/x?y=1, ok", "see https://acme.de/x?y=1 , ok"},
		{"@ACME_support hilft nie", "@acme_support hilft nie"},
		{"#fail bei ACME!!!", "fail bei acme !"},
		{"Kunden-Service e.V.", "kunden-service e.v ."},
		{"super 😍😍 👍🏽", "super 😍 😍 👍"},
		{"ACME\nneu", "acme neu"},
		{"Wo bleibt…", "wo bleibt ."},
	}
	for _, tt := range tests {
		if got := tokens(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeOffsets(t *testing.T) {
	// NFD input: spans must point into the original bytes.
	text := norm.NFD.String("Die Lieferung ist eine Katastrophe, ärgerlich!")
	c := mustNew(t, config.Rules{Packs: []string{"de"}}, config.Brand{})
	v, _ := classify(c, "", text, "de")
	found := false
	for _, r := range v.Rules {
		for _, sp := range r.Spans {
			if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
				t.Fatalf("span %v out of range for %d bytes", sp, len(text))
			}
			got := norm.NFC.String(text[sp.Start:sp.End])
			if got == "Katastrophe" || got == "ärgerlich" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no span covers the cues; rules: %+v", v.Rules)
	}
	// A stray combining mark after an emoji (the text is not in NFC then,
	// and the mark joins the emoji's segment): the emoji's span is its own
	// bytes, not empty (FuzzClassify found it).
	c = mustNew(t, config.Rules{Custom: []config.Rule{{Name: "heart", Topic: "t", Query: "❤"}}}, config.Brand{})
	text = "Danke ❤\u0313!"
	v, _ = classify(c, "", text, "de")
	if len(v.Rules) != 1 || len(v.Rules[0].Spans) != 1 || text[v.Rules[0].Spans[0].Start:v.Rules[0].Spans[0].End] != "❤" {
		t.Errorf("emoji before a combining mark: rules %+v", v.Rules)
	}
}

func TestCompounds(t *testing.T) {
	c := mustNew(t, config.Rules{Custom: []config.Rule{
		{Name: "kat", Topic: "t", Query: "*katastrophe", Criticism: ptr(true)},
		{Name: "ent", Topic: "t", Query: "enttäusch*", Criticism: ptr(true)},
	}}, config.Brand{})
	tests := []struct {
		text string
		want bool
	}{
		{"Eine Lieferkatastrophe!", true},
		{"Katastrophe", true},
		{"katastrophen", false},
		{"Enttäuschung pur", true},
		{"sehr enttaeuscht", true},
		{"unenttäuscht", false},
	}
	for _, tt := range tests {
		v, _ := classify(c, "", tt.text, "de")
		if v.Criticism != tt.want {
			t.Errorf("%q: criticism %v, want %v (%+v)", tt.text, v.Criticism, tt.want, v.Rules)
		}
	}
}

func TestNegationAndContrast(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{})
	tests := []struct {
		lang, text string
		want       bool
	}{
		{"de", "Das Essen war schlecht.", true},
		{"de", "Das war nicht schlecht.", false},
		{"de", "Der Service war nicht gut.", true},
		{"de", "Das gefällt mir gar nicht.", true},
		{"de", "Kein Problem, alles gut.", false},
		{"de", "Die Lieferung kam nie an.", true},
		{"de", "Lieferung schnell, aber das Gerät ist kaputt.", true},
		{"de", "Etwas langsam, aber sehr freundlich und hilfsbereit.", false},
		// "aber" inside a cue is part of it, not a contrast that halves it.
		{"de", "Die Lieferung sollte längst da sein, ist es aber nicht.", true},
		{"de", "Nicht nur schnell, sondern auch super freundlich.", false},
		{"de", "Ohne Probleme geliefert.", false},
		{"de", "Danke für nichts.", true},
		{"de", "Seit drei Wochen warte ich auf mein Paket.", true},
		{"de", "Na toll, wieder verspätet 🙄", true},
		{"de", "Nie wieder!", true},
		// "nie so" intensifies what follows; "nicht so" softens it.
		{"de", "Noch nie so einen unfreundlichen Schaffner erlebt.", true},
		{"de", "Noch nie so gut gegessen.", false},
		{"de", "Nicht so schlecht wie erwartet.", false},
		{"en", "The food was bad.", true},
		{"en", "Not bad at all.", false},
		{"en", "The service was not good.", true},
		{"en", "It doesn't work.", true},
		{"en", "No problems so far, great shop.", false},
		{"en", "Fast shipping, but the screen is cracked.", true},
		{"en", "A bit slow, but really friendly and helpful.", false},
		{"en", "Thanks for nothing.", true},
		{"en", "I have never been so disappointed.", true},
		{"en", "Never seen such rude staff.", true},
		{"en", "Never had such a great experience.", false},
		{"en", "Not so bad.", false},
		// A cue with its own negator is not flipped by an earlier one.
		{"en", "No water is not ok.", true},
		{"de", "Kein Wasser ist nicht in Ordnung.", true},
		// A complaint word in a phrase that cancels it ("late" as a time of day).
		{"en", "Are you open late on Fridays?", false},
		{"en", "My parcel is late again.", true},
		// "for once" praise is sarcasm about the usual; service news is not criticism.
		{"de", "Mein Zug war heute ausnahmsweise mal pünktlich 😄", true},
		{"de", "Ausnahmsweise fährt der Zug heute von Gleis 5.", false},
		{"de", "Fahrgastrechte: So bekommen Sie Geld bei Verspätung zurück", false},
		{"en", "Train was on time for once, shocked.", true},
		{"en", "That trailer destroyed me 😭", false},
		{"en", "3 hours on the tarmac, thanks @airline", true},
		{"en", "Still no refund after 3 weeks.", true},
		{"en", "Never again.", true},
		// fourth round: sarcastic trailing "not", emphatic questions,
		// echo shouting, participles that a negation turns into a complaint
		{"en", "Great job... not", true},
		{"en", "Not bad. Not bad at all.", false},
		{"de", "Liefert immer pünktlich... nicht", true},
		{"de", "Nicht übel, wirklich nicht schlecht", false},
		{"de", "Hallo?? Ist da jemand???", true},
		{"en", "Is it open on Sunday? And do you deliver?", false},
		{"en", "It's been a month. A MONTH.", true},
		{"de", "Das Geld wurde bis heute nicht erstattet.", true},
		{"de", "Kein Problem mit dem Umtausch.", false},
		{"en", "My refund was never processed.", true},
		{"en", "Oh great, delayed again 🙄", true},
		{"en", "Where is my order?", true},
		{"en", "Where can I buy the new model?", false},
		// Praise in scare quotes is meant the other way round; a
		// quotation, a name or title, single quotes are not scare quotes.
		{"en", `Love the "fresh" salad you sold me today`, true},
		{"en", `Great "support", 2 hours on hold`, true},
		{"en", `Thanks for the “super fast” delivery, only took 3 weeks`, true},
		{"de", `Ganz „toller“ Service, wirklich`, true},
		{"de", `Danke für den «tollen» Service`, true},
		{"en", `She said "great job" to the whole team, proud of them`, false},
		{"en", `CEO says the quarter was "excellent"`, false},
		{"en", `The CEO: "excellent"`, false},
		{"de", `Der Testsieger „sehr gut“ bei Stiftung Warentest`, false},
		{"en", `Check out the new "Super Saver" plan`, false},
		{"en", `A surprisingly 'solid' film`, false},
		// A claim in quotes of its own adds a little criticism (not
		// enough alone): "next day" took six.
		{"en", `so that was "express" delivery`, true},
		{"en", `so that was express delivery`, false},
		{"en", `what does "processing" mean`, false},
		{"en", `My son calls your shop "toy heaven"`, false},
		// "Liebe Bahn," greets; "Liebe es," loves.
		{"de", "Liebe Bahn, mein Zug ist schon wieder 20 Minuten zu spät.", true},
		{"de", "Hallo liebe Telekom, seit gestern kein Netz.", true},
		{"de", "Liebe es, wie schnell das ging!", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			v, _ := classify(c, "", tt.text, tt.lang)
			if v.Criticism != tt.want {
				t.Errorf("criticism = %v (score %.2f), want %v; rules %s", v.Criticism, v.Score, tt.want, ruleNames(&v))
			}
		})
	}
}

func TestRules(t *testing.T) {
	c := mustNew(t, config.Rules{Custom: []config.Rule{
		{Name: "liefer", Topic: "delivery", Criticism: ptr(true), Query: `(lieferung OR paket) NEAR/3 ("nicht angekommen" OR verspätet)`},
		{Name: "titel", Topic: "recall", Criticism: ptr(true), Weight: 2, Severity: "high", Query: `title:rückruf`},
		{Name: "reddit", Topic: "community", Query: `source:reddit lang:de`},
		{Name: "lob", Topic: "praise", Criticism: ptr(false), Weight: 5, Query: `"großes lob"`},
		{Name: "anna", Topic: "vip", Query: `author:anna*`},
	}}, config.Brand{Terms: []string{"ACME", "acme.de"}, Exclude: []string{"ACME Corp USA"}})
	tests := []struct {
		name        string
		m           mention.Mention
		brand, crit bool
		topic       string
		severity    mention.Severity
	}{
		{"near", mention.Mention{Text: "ACME: das Paket ist leider nicht angekommen"}, true, true, "delivery", mention.SeverityLow},
		{"near too far", mention.Mention{Text: "ACME Paket eins zwei drei vier fünf nicht angekommen"}, true, false, "", ""},
		{"title only", mention.Mention{Title: "ACME Rückruf", Text: "Wasserkocher"}, true, true, "recall", mention.SeverityHigh},
		{"not in title", mention.Mention{Title: "ACME", Text: "Rückruf"}, true, false, "", ""},
		{"fields", mention.Mention{Text: "ACME", Source: "reddit", Lang: "de"}, true, false, "community", ""},
		{"author prefix", mention.Mention{Text: "ACME", Author: "Annabelle"}, true, false, "vip", ""},
		{"praise rule lowers", mention.Mention{Text: "ACME Paket nicht angekommen, aber großes Lob an den Support"}, true, false, "delivery", ""},
		{"brand in url", mention.Mention{Text: "see https://www.acme.de/x"}, true, false, "", ""},
		{"excluded", mention.Mention{Text: "ACME Corp USA announces"}, false, false, "", ""},
		// A text that names an exclusion is not about us, though it
		// names the brand elsewhere, or comes from a brand_only source.
		{"excluded beside the brand", mention.Mention{Text: "ACME Corp USA and ACME"}, false, false, "", ""},
		{"excluded brand only", mention.Mention{Text: "ACME Corp USA", BrandOnly: true}, false, false, "", ""},
		{"not brand", mention.Mention{Text: "Paket nicht angekommen"}, false, true, "delivery", mention.SeverityLow},
		{"brand only", mention.Mention{Text: "Paket nicht angekommen", BrandOnly: true}, true, true, "delivery", mention.SeverityLow},
		{"not a brand word", mention.Mention{Text: "#acmefail"}, false, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v mention.Verdict
			brand := c.Classify(&tt.m, &v)
			if brand != tt.brand {
				t.Errorf("brand = %v, want %v", brand, tt.brand)
			}
			if tt.brand && v.Criticism != tt.crit {
				t.Errorf("criticism = %v (score %.2f), want %v; rules %s", v.Criticism, v.Score, tt.crit, ruleNames(&v))
			}
			if got := v.Topic(); got != tt.topic {
				t.Errorf("topic = %q, want %q (%v)", got, tt.topic, v.Topics)
			}
			if tt.brand && v.Severity != tt.severity {
				t.Errorf("severity = %q, want %q", v.Severity, tt.severity)
			}
			body := tt.m.Body()
			for _, r := range v.Rules {
				for _, sp := range r.Spans {
					if sp.Start < 0 || sp.End > len(body) || sp.Start >= sp.End {
						t.Errorf("rule %s: span %v outside body of %d bytes", r.Rule, sp, len(body))
					}
				}
			}
		})
	}
	if got, want := strings.Join(c.Topics(), ","), "community,delivery,praise,recall,vip"; got != want {
		t.Errorf("Topics() = %s, want %s", got, want)
	}
}

// TestFunctionWordsInRules checks that a function word of the packs (a
// language cue) is matched as a rule's term even where it does not trigger
// the rule: "paket der" and "paket NEAR/2 der" used to never match.
func TestFunctionWordsInRules(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}, Custom: []config.Rule{
		{Name: "and", Topic: "a", Query: `paket der`},
		{Name: "near", Topic: "b", Query: `paket NEAR/2 der`},
		{Name: "not", Topic: "c", Query: `paket NOT der`},
		{Name: "phrase", Topic: "d", Query: `"the parcel" AND with`},
	}}, config.Brand{})
	for text, want := range map[string]string{
		"Das Paket der Firma ist weg":        "and,near",
		"Das Paket kam nie, der Fahrer log":  "and",
		"Das Paket kam nie":                  "not",
		"the parcel came with a broken seal": "phrase",
	} {
		var v mention.Verdict
		c.Classify(&mention.Mention{Text: text}, &v)
		var got []string
		for _, r := range v.Rules {
			if strings.Contains("and near not phrase", r.Rule) {
				got = append(got, r.Rule)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ",") != want {
			t.Errorf("%q: rules %v, want %s", text, got, want)
		}
	}
}

// TestRepeatedEmoji checks that a run of one emoji is one cue: "😡😡😡"
// weighs what "😡" weighs, and two different emoji count twice.
func TestRepeatedEmoji(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{})
	score := func(text string) float64 {
		var v mention.Verdict
		c.Classify(&mention.Mention{Text: text}, &v)
		return v.Score
	}
	one, three := score("Lieferung schon wieder verspätet 😡"), score("Lieferung schon wieder verspätet 😡😡😡")
	if one == 0 || three != one {
		t.Errorf("score with one 😡 %.2f, with three %.2f; want equal and above 0", one, three)
	}
	if two := score("Lieferung schon wieder verspätet 😡🤬"); two <= one {
		t.Errorf("score with 😡🤬 %.2f, not above one 😡's %.2f", two, one)
	}
}

func TestSpans(t *testing.T) {
	c := mustNew(t, config.Rules{Custom: []config.Rule{{Name: "r", Topic: "t", Criticism: ptr(true), Query: `"nicht angekommen"`}}}, config.Brand{})
	m := mention.Mention{Title: "Paket", Text: "Es ist nicht angekommen."}
	var v mention.Verdict
	c.Classify(&m, &v)
	if len(v.Rules) != 1 || len(v.Rules[0].Spans) != 1 {
		t.Fatalf("rules = %+v, want one rule with one span", v.Rules)
	}
	sp := v.Rules[0].Spans[0]
	if got, want := m.Body()[sp.Start:sp.End], "nicht angekommen"; got != want {
		t.Errorf("span text = %q, want %q", got, want)
	}
}

// TestBrandPrefix: a brand term with a trailing * matches the words that
// begin with it (hashtags such as #flinkwerkfail, compounds), inside
// handles and URLs too, but not words that only contain it; without the *
// the term stays a whole word (with a genitive or plural s).
func TestBrandPrefix(t *testing.T) {
	prefix := mustNew(t, config.Rules{}, config.Brand{Terms: []string{"Flinkwerk*"}, Exclude: []string{"Flinkwerkstatt*"}})
	word := mustNew(t, config.Rules{}, config.Brand{Terms: []string{"Flinkwerk"}})
	for _, tt := range []struct {
		text         string
		prefix, word bool
	}{
		{"so much for next day delivery #flinkwerkfail", true, false},
		{"#FlinkwerkSucks", true, false},
		{"Flinkwerkkunden warten seit Stunden", true, false},
		{"ask @flinkwerkhilfe", true, false},
		{"https://flinkwerk.de/x", true, true},
		{"Flinkwerks Paket", true, true},
		{"Flinkwerk", true, true},
		{"myflinkwerk", false, false},
		{"die Flinkwerkstatt in Köln", false, false},
	} {
		var v mention.Verdict
		if got := prefix.Classify(&mention.Mention{Text: tt.text}, &v); got != tt.prefix {
			t.Errorf("Flinkwerk*: %q is a mention: %v, want %v", tt.text, got, tt.prefix)
		}
		if got := word.Classify(&mention.Mention{Text: tt.text}, &v); got != tt.word {
			t.Errorf("Flinkwerk: %q is a mention: %v, want %v", tt.text, got, tt.word)
		}
	}
}

func TestNewErrors(t *testing.T) {
	_, err := New(config.Rules{
		Packs: []string{"de", "fr"},
		Custom: []config.Rule{
			{Name: "ok", Topic: "t", Query: "a"},
			{Name: "bad", Topic: "t", Query: "(a OR b"},
			{Name: "sev", Topic: "t", Query: "a", Severity: "huge"},
			{Name: "near", Topic: "t", Query: "a NEAR/3 (b NOT c)"},
			{Name: "empty", Topic: "t", Query: `"!!" OR "§"`},
		},
	}, config.Brand{Terms: []string{"—", "AB*", "*werk", "ACME*"}})
	if err == nil {
		t.Fatal("New succeeded, want errors")
	}
	want := []string{
		"brand.terms[0]",
		`brand.terms[1]: "AB*": a prefix needs at least 3 letters`,
		`brand.terms[2]: "*werk": only a trailing * is understood`,
		`rules.packs[1]: unknown pack "fr"`,
		"rules.custom[1].query: column 1: unclosed parenthesis",
		"rules.custom[2].severity",
		"rules.custom[3].query: column 11: NEAR joins",
		"rules.custom[4].query: column 9",
	}
	errs := config.Errors(err)
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(errs), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("errors %q do not contain %q", err, w)
		}
	}
	for _, e := range errs {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			t.Errorf("%v is not a *config.FieldError", e)
		}
	}
}

func TestEmptyClassifier(t *testing.T) {
	c := mustNew(t, config.Rules{}, config.Brand{})
	v, ok := classify(c, "", "Das ist eine Katastrophe", "")
	if !ok || v.Criticism || v.Score != 0 || len(v.Rules) != 0 {
		t.Errorf("got brand %v, %+v; want brand true, no criticism, no rules", ok, v)
	}
	if len(c.Topics()) != 0 {
		t.Errorf("Topics() = %v, want none", c.Topics())
	}
}

func TestPacksLoad(t *testing.T) {
	for _, p := range Packs() {
		c := mustNew(t, config.Rules{Packs: []string{p}}, config.Brand{})
		for _, want := range []string{"app", "billing", "delivery", "quality", "service", "staff"} {
			found := false
			for _, got := range c.Topics() {
				found = found || got == want
			}
			if !found {
				t.Errorf("pack %s: topic %q missing from %v", p, want, c.Topics())
			}
		}
	}
}

func TestLanguage(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{})
	for text, want := range map[string]string{
		"Ich warte seit einer Woche auf die Lieferung und das ist nicht ok": "de",
		"I have been waiting for a week and this is not ok":                 "en",
	} {
		if v, _ := classify(c, "", text, ""); v.Lang != want {
			t.Errorf("%q: lang %q, want %q", text, v.Lang, want)
		}
	}
	if v, _ := classify(c, "", "x", "de-AT"); v.Lang != "de" {
		t.Errorf("lang de-AT: got %q, want de", v.Lang)
	}
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}, Custom: []config.Rule{
		{Name: "r", Topic: "delivery", Criticism: ptr(true), Query: `(lieferung OR paket) NEAR/6 ("nicht angekommen" OR verspätet) NOT title:test`},
	}}, config.Brand{Terms: []string{"Flinkwerk"}})
	texts := []mention.Mention{
		{Title: "Flinkwerk", Text: "Die Lieferung ist nicht angekommen, seit 3 Wochen warte ich!!! Danke für nichts 🙄"},
		{Text: norm.NFD.String("Größte Enttäuschung: Flinkwerk-App stürzt ständig ab. Nie wieder.")},
		{Text: "@flinkwerk still no refund after 3 weeks, thanks for nothing. Never again! https://t.co/x"},
	}
	var v mention.Verdict
	for i := range texts { // warm up the pool and v's slices
		c.Classify(&texts[i], &v)
	}
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		c.Classify(&texts[i%len(texts)], &v)
		i++
	})
	if allocs != 0 {
		t.Errorf("Classify allocates %.1f times per text, want 0", allocs)
	}
}

// TestReloadSwap swaps classifiers under concurrent classification, as the
// stage does on reload; run with -race.
func TestReloadSwap(t *testing.T) {
	var cur atomic.Pointer[Classifier]
	cur.Store(mustNew(t, config.Rules{Packs: []string{"de"}}, config.Brand{}))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v mention.Verdict
			m := mention.Mention{Text: "Die Lieferung ist eine Katastrophe, never again"}
			for ctx.Err() == nil {
				cur.Load().Classify(&m, &v)
				if !v.Criticism {
					t.Error("not criticism")
					return
				}
			}
		}()
	}
	for i := 0; i < 6; i++ {
		packs := []string{"de"}
		if i%2 == 1 {
			packs = []string{"de", "en"}
		}
		cur.Store(mustNew(t, config.Rules{Packs: packs, Custom: []config.Rule{{Name: "x", Topic: "t", Query: "lieferung"}}}, config.Brand{}))
	}
	cancel()
	wg.Wait()
}

func TestClassifyLines(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{})
	in := strings.Join([]string{
		"\uFEFF" + `{"id":"a","text":"Danke für nichts, Paket nie angekommen","lang":"de"}`,
		`plain text: never again!`,
		``,
		`{"id":7,"title":"Great","text":"fast delivery, love it"}`,
		`{"id":"broken"`,
		`{"id":"u","text":"\u00fc <b> \"q\""}`,
	}, "\r\n")
	var out bytes.Buffer
	err := ClassifyLines(context.Background(), c, strings.NewReader(in), &out)
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("error = %v, want one naming line 5", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d output lines, want 6:\n%s", len(lines), out.String())
	}
	type result struct {
		ID        any      `json:"id"`
		Criticism bool     `json:"criticism"`
		Topics    []string `json:"topics"`
		Error     string   `json:"error"`
	}
	want := []result{{ID: "a", Criticism: true}, {ID: 2.0, Criticism: true}, {ID: 3.0}, {ID: 7.0}, {ID: 5.0, Error: "line 5"}, {ID: "u"}}
	for i, l := range lines {
		var r result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		if r.ID != want[i].ID || r.Criticism != want[i].Criticism || !strings.Contains(r.Error, want[i].Error) {
			t.Errorf("line %d = %s, want %+v", i+1, l, want[i])
		}
	}
}

// TestClassifyLinesNoMention: with brand terms, a line that names none of
// them says "mention":false, and is no criticism whatever its score.
func TestClassifyLinesNoMention(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de"}}, config.Brand{Terms: []string{"ACME"}})
	var out bytes.Buffer
	if err := ClassifyLines(context.Background(), c, strings.NewReader("ACMEkunden sind sauer, schlecht\nACME ist schlecht\n"), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":1,"mention":false,"criticism":false,`) || strings.Contains(lines[1], `"mention"`) || !strings.Contains(lines[1], `"criticism":true`) {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestClassifyLinesOrder(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"en"}}, config.Brand{})
	var in strings.Builder
	for i := 0; i < 3000; i++ {
		if i%3 == 0 {
			in.WriteString("terrible service, never again\n")
		} else {
			in.WriteString("lovely shop\n")
		}
	}
	var out bytes.Buffer
	if err := ClassifyLines(context.Background(), c, strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			ID        int  `json:"id"`
			Criticism bool `json:"criticism"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != i+1 || r.Criticism != (i%3 == 0) {
			t.Fatalf("line %d: got %s", i+1, l)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range [][2]string{
		{"lieferung NEAR/2 kaputt", "Die Lieferung war kaputt!!!"},
		{"*katastrophe", norm.NFD.String("Lieferkatastrophe bei Müller")},
		{`title:"a b" OR x*`, "xyz 🙄 https://x.y @handle"},
		{"NOT a", "\xff\xfe broken utf8 ä"},
		{"lang:de", "nicht schlecht, aber auch nicht gut"},
	} {
		f.Add(s[0], s[1])
	}
	packs := mustNew(f, config.Rules{Packs: []string{"de", "en"}}, config.Brand{Terms: []string{"acme", "flink*"}})
	f.Fuzz(func(t *testing.T, query, text string) {
		cs := []*Classifier{packs}
		if c, err := New(config.Rules{Custom: []config.Rule{{Name: "f", Topic: "t", Criticism: ptr(true), Query: query}}}, config.Brand{}); err == nil {
			cs = append(cs, c)
		}
		for _, c := range cs {
			checkClassify(t, c, text)
		}
	})
}

func checkClassify(t *testing.T, c *Classifier, text string) {
	title, text, _ := strings.Cut(text, "|")
	m := mention.Mention{Title: title, Text: text}
	var v mention.Verdict
	brand := c.Classify(&m, &v)
	body := m.Body()
	n := len(body)
	for _, r := range v.Rules {
		for _, sp := range r.Spans {
			if sp.Start < 0 || sp.End > n || sp.Start >= sp.End {
				t.Fatalf("rule %s: span %v outside [0,%d]", r.Rule, sp, n)
			}
			// Spans cut the text for highlighting: never inside a rune
			// (of valid UTF-8).
			if utf8.ValidString(body) && (!utf8.RuneStart(body[sp.Start]) || sp.End < n && !utf8.RuneStart(body[sp.End])) {
				t.Fatalf("rule %s: span %v cuts a rune of %q", r.Rule, sp, body)
			}
		}
	}
	if v.Criticism != (brand && v.Score >= c.Threshold()) {
		t.Fatalf("criticism %v with score %v", v.Criticism, v.Score)
	}
}

func TestNFCSafe(t *testing.T) {
	for _, s := range []string{"Größe 😍 – „ok“ €", "abc", "Ω\u2126", "e\u0301", "\u212b"} {
		if nfcSafe(s) && !norm.NFC.IsNormalString(s) {
			t.Errorf("nfcSafe(%q) = true for text not in NFC", s)
		}
	}
	if !nfcSafe("Größe 😍 – „ok“ €") {
		t.Error("nfcSafe is false for common German text")
	}
}

// TestPackErrors: a pack's mistakes are reported with their line.
func TestPackErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"[rule]\nlate | delivery | + | 1 | late\nlate | delivery | + | 1 | slow\n", `line 3: rule "late" already named on line 2`},
		{"[neg]\n1.0 broken\n[nope]\n", `line 3: unknown section "nope"`},
		{"[rule]\nlate | delivery | x | 1 | late\n", `line 2: criticism "x"`},
		{"[func]\n1.0 works\n[pos]\n0.5 works\n", `line 4: works is in [func] already`},
		{"[neg]\n1.0 broken\n[neg]\n1.0 broken\n", `line 4: broken listed twice in [neg]`},
	} {
		b := &builder{c: &Classifier{}, index: map[string]int32{}, topics: map[string]bool{}}
		err := b.pack("en", tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.src, err, tc.want)
		}
	}
}

// TestGreeting: the "Liebe" of a salutation is no praise; "Liebe es" is.
func TestGreeting(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de"}}, config.Brand{})
	for _, tt := range []struct {
		text   string
		praise bool
	}{
		{"Liebe Bahn, wo bleibt mein Zug?", false},
		{"Hallo lieber Kundenservice, wo bleibt mein Paket?", false},
		{"Liebe Deutsche Bahn, wo bleibt mein Zug?", false},
		{"Liebe es, wie schnell das ging", true},
		{"Ich liebe Bahn fahren, wirklich", true},
	} {
		v, _ := classify(c, "", tt.text, "de")
		praise := false
		for _, r := range v.Rules {
			praise = praise || r.Rule == "cues:praise"
		}
		if praise != tt.praise {
			t.Errorf("%q: praise %v, want %v (rules %s)", tt.text, praise, tt.praise, ruleNames(&v))
		}
	}
}

// TestShortPraiseAfterComplaint: a short praise sentence after a complaint
// is sarcasm; the brand's name does not make the sentence longer.
func TestShortPraiseAfterComplaint(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{Terms: []string{"Flinkwerk"}})
	for _, text := range []string{
		"Vier Tage Verspätung. Flinkwerk liefert zuverlässig.",
		"Four days late. Flinkwerk delivers reliably.",
	} {
		v, _ := classify(c, "", text, "")
		if !v.Criticism {
			t.Errorf("%q: not criticism (score %.2f, rules %s)", text, v.Score, ruleNames(&v))
		}
	}
}

// verdictCase is a text and whether it is criticism.
type verdictCase struct {
	text string
	crit bool
}

// checkCriticism classifies each text with the packs (the brand Flinkwerk)
// and reports those whose verdict differs; it returns the classifier.
func checkCriticism(t *testing.T, cases []verdictCase) *Classifier {
	t.Helper()
	c := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk"}})
	for _, tt := range cases {
		v, _ := classify(c, "", tt.text, "")
		if v.Criticism != tt.crit {
			t.Errorf("%q: criticism %v (score %.2f, rules %s), want %v", tt.text, v.Criticism, v.Score, ruleNames(&v), tt.crit)
		}
	}
	return c
}

// TestPraiseOpener: praise that opens a text is sarcastic when it is the
// only praise and a complaint rule holds; not with more praise, and not
// beside complaint cues alone.
func TestPraiseOpener(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Toll, Flinkwerk, jetzt sind die Mülleimer am Bahnsteig auch noch weg.", true},
		{"well done @flinkwerk, lost parcel found and delivered within a day, amazing", false},
		{"Love Flinkwerk, the refund came the next day", false},
		{"Great job Flinkwerk, my parcel was lost but you found it within a day", false},
	})
}

// TestNegatedWish: a negated wish keeps the complaint cue after it a
// complaint; a plain negation still turns it into praise.
func TestNegatedWish(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"I do not need 14 emails a day from Flinkwerk", true},
		{"Flinkwerk, we don't want excuses, we want our money back", true},
		{"Not bad, Flinkwerk, not bad at all", false},
		{"Flinkwerk: no problems, no delays, great", false},
	})
}

// TestWishedPraise: praise wished for or put in a counterfactual is not
// praise given, so it does not hide the complaint beside it; praise with
// the brand as its measure, and praise outside the wish's clause, stay
// praise. Scored without allocating.
func TestWishedPraise(t *testing.T) {
	tests := []verdictCase{
		{"@flinkwerk all i want is for one train this week to leave on time. just one", true},
		{"@flinkwerk me and the other 40 people outside the locked store at 9:15 would love to know when you open", true},
		{"@flinkwerk got home, opened my takeaway, and it was somebody else's curry. enjoy my noodles i guess", true},
		{"@flinkwerk if only the delivery were as fast as the checkout, waited 3 weeks", true},
		{"Flinkwerk, wenn der Zug wenigstens pünktlich wäre, aber 40 Minuten Verspätung jeden Tag", true},
		{"@flinkwerk would be nice if the train came on time for once, 40 minutes late again", true},
		{"I wish every shop was as good as you @flinkwerk", false},
		{"@flinkwerk would love to order again", false},
		{"@flinkwerk I wish I had found you sooner, great service", false},
		{"Flinkwerk, wäre toll, wenn ihr auch in Köln liefert", false},
		{"@flinkwerk would be great if you delivered to Cologne too", false},
		{"@flinkwerk can you email me a return label? my printer's broken so a qr code would be great", false},
		{"Flinkwerk-Zug war heute pünktlich, hätte ich nicht gedacht. Top.", false},
	}
	c := checkCriticism(t, tests)
	if raceEnabled {
		return
	}
	ms := make([]mention.Mention, len(tests))
	for i, tt := range tests {
		ms[i] = mention.Mention{Text: tt.text}
	}
	var v mention.Verdict
	for i := range ms {
		c.Classify(&ms[i], &v)
	}
	i := 0
	if allocs := testing.AllocsPerRun(100, func() { c.Classify(&ms[i%len(ms)], &v); i++ }); allocs != 0 {
		t.Errorf("Classify allocates %.1f times per text, want 0", allocs)
	}
}

// TestClapEmphasis: claps between single words ("three 👏 missed 👏
// deliveries") are sarcastic emphasis, one irony marker for the run and no
// praise; claps in a row, or fewer than three, stay praise.
func TestClapEmphasis(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Honestly @flinkwerk 👏 three 👏 missed 👏 deliveries 👏 in 👏 one 👏 week", true},
		{"@flinkwerk 👏 cancelled 👏 again 👏", true},
		{"Well done @flinkwerk 👏👏👏 parcel came a day early", false},
		{"@flinkwerk 👏 thank 👏 you", false},
		{"Flinkwerk delivered on time, great job 👏 👏 👏", false},
	})
}

// TestPraiseBeforeHow: praise right before "how" that frames a complaint
// rule ("impressive how ... manages to lose") is sarcastic when its clause
// holds all the praise; not without a complaint rule, and not beside
// praise outside the frame.
func TestPraiseBeforeHow(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Genuinely impressive how Flinkwerk manages to lose a parcel between the depot and a house 200m away", true},
		{"Funny how the Flinkwerk app always works perfectly when it's time to take my money and never when it's time to show my ticket", true},
		{"Amazing how fast Flinkwerk delivered, ordered at 9 and it was here by lunch", false},
		{"Impressive how Flinkwerk handled the storm, every train ran and the staff were great", false},
	})
}

// TestNegatedQuantity: "not a single" before a complaint word negates the
// complaint ("not a single issue"), before anything else it complains
// ("not a single train on time").
func TestNegatedQuantity(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Not a single issue with my Flinkwerk router since the install. Two years and counting.", false},
		{"Not one problem with Flinkwerk in three years of commuting", false},
		{"Not a single Flinkwerk train on time this week", true},
		{"@flinkwerk ugh, no service again in the whole neighborhood", true},
		{"My Flinkwerk flight got delayed by the ash cloud. Crew were honest about it and kept us fed. Nobody's fault.", false},
		{"Nobody at Flinkwerk answers the phone, a total joke", true},
		{"Zero issues with my Flinkwerk broadband since the install.", false},
		{"@flinkwerk my phone bill went up with zero warning", true},
	})
}

// TestNonNegPhrases: phrases of the en pack that hold a complaint word
// without a complaint: a crisis averted, a bad day at work, a cabin that
// cracked up laughing, a question about the difference between two
// offers, a parcel kept from getting wet, staff who had the patience of
// a saint, "you're missing out", "the only outage", a bank that "caught
// a fraudulent" charge; the complaint words stay complaints elsewhere.
func TestNonNegPhrases(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Thought I'd left my Flinkwerk ticket at home, found it in my coat pocket. Crisis averted.", false},
		{"Flinkwerk's app froze at the gate but the paper backup worked, disaster averted", false},
		{"Had the worst day at work and the Flinkwerk driver brought my parcel right to the door with a smile.", false},
		{"The Flinkwerk guard told a joke over the speakers and the whole carriage cracked up", false},
		{"Can someone explain the difference between the Flinkwerk Saver and Flex tickets? Which one lets me change the date?", false},
		{"Flinkwerk driver left my parcel in the porch so it wouldn't get wet", false},
		{"Can someone explain why Flinkwerk charged me twice?", true},
		{"Flinkwerk parcel arrived cracked and soaked, packaging useless", true},
		{"Worst day ever with Flinkwerk, three trains cancelled", true},
		{"Honestly if you haven't tried the Flinkwerk oat latte yet you're missing out", false},
		{"Flinkwerk parcel arrived with half the bits missing", true},
		{"the only outage I've had with flinkwerk broadband was when the whole village lost power", false},
		{"Another Flinkwerk broadband outage tonight, third this week", true},
		{"Flinkwerk Bank caught a fraudulent charge on my account within minutes of it happening", false},
		{"Someone made a fraudulent payment with my Flinkwerk card and the bank won't refund it", true},
		{"The lady at the Flinkwerk counter had the patience of a saint with the man in front of me", false},
		{"You need the patience of a saint to deal with Flinkwerk support", true},
	})
}

// TestPityAndOwnFailings: pity for a member of staff ("the poor agent")
// and the author's own failings ("I'm terrible at ...") are no
// complaints; "poor" of a service still is.
func TestPityAndOwnFailings(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"I was sure Flinkwerk had billed me twice, turns out I'd paid two different bills. Sorry to the poor agent who had to explain it.", false},
		{"I shouted at a Flinkwerk driver for parking badly, then realised I'd parked across his loading bay. The poor guy just smiled.", false},
		{"Flinkwerk's calendar reminds me when the bins go out. I'm terrible at that, so it's genuinely useful.", false},
		{"Flinkwerk support was poor, the agent hung up on me", true},
	})
}

// TestRuleExceptions: "no more waiting" is no wait, a call answered
// "within 10 minutes" no time on the phone, "always raining" or power
// knocked out by a storm no fault of the brand, and "what do I do?"
// after someone else got into one's account asks for help, "I'd pay
// for that" after an hour "for a small fee" suggests, a parcel that
// arrived "the day after" missed no occasion, and an insurer that "paid
// out my" claim without being chased was no extra paid for in vain; the
// rules still hold without them.
func TestRuleExceptions(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Flinkwerk parcel lockers at the station, no more waiting at home all day for a courier", false},
		{"Flinkwerk is the only bank where I got through on the phone within 10 minutes", false},
		{"Why is it always raining when I get off the Flinkwerk bus", false},
		{"Waited at home all day for the Flinkwerk courier and nobody came", true},
		{"Spent 2 hours on the phone with Flinkwerk today", true},
		{"Why is the Flinkwerk app always crashing", true},
		{"The storm knocked out power to half the town last night. Flinkwerk sent a text about the outage before I even noticed.", false},
		{"Flinkwerk's engineer knocked out our broadband while fixing next door's line", true},
		{"@flinkwerk someone hacked my flinkwerk account last night, what do I do?", false},
		{"@flinkwerk there's someone's order in my account and now I can't see mine", true},
		{"idea for flinkwerk parcel: let us book a 2-hour slot for a small extra. I'd pay for that", false},
		{"If Flinkwerk offered 30 minutes for a quick check-in at the lounge, I'd happily pay", false},
		{"Flinkwerk charged me for 2 hours for a simple 10 minute fix", true},
		{"45 minutes to get a coffee at the Flinkwerk station cafe", true},
		{"Ordered on Monday and my Flinkwerk parcel arrived the day after.", false},
		{"Ordered a cake for my birthday, Flinkwerk delivered it the day after", true},
		{"Flinkwerk home insurance paid out my burst pipe claim in four days and I didn't even have to chase them", false},
		{"Paid for Flinkwerk express insurance and it still took a week", true},
		{"I've had to chase Flinkwerk three times for my refund", true},
	})
}

// TestWhyJustTo: a rhetorical why about a hoop the brand makes one jump
// through ("why do I need the app just to see my bill") complains; "just
// to check" is no hoop.
func TestWhyJustTo(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Why does Flinkwerk make me register an account just to track a parcel?", true},
		{"why do I need the Flinkwerk app just to see my meter reading", true},
		{"Why I love Flinkwerk: I called just to check my tariff and they found me a cheaper one", false},
	})
}

// TestRhetoricalComplaints: "why does Flinkwerk keep ...", "is Flinkwerk
// ever going to fix ...", "how does that happen", "I did not ask for
// that", "now I have to pay" complain; others who keep saying something
// do not.
func TestRhetoricalComplaints(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"why does flinkwerk keep emailing me about a card I cancelled in May", true},
		{"Is Flinkwerk ever going to fix the lifts at Nordbahnhof or are they art now?", true},
		{"My Flinkwerk grocery order came with a bottle of bleach where the oat milk should be. How does that happen.", true},
		{"flinkwerk moved me to paperless billing. i did not ask for that", true},
		{"Flinkwerk scrapped the free paper bill and now I have to pay £2 a month for it", true},
		{"why does everyone keep saying Flinkwerk is expensive? my bill went down", false},
		{"I keep telling everyone how good Flinkwerk coffee is", false},
	})
}

// TestSavedAndFearedLoss: an evening or a day saved and a refund that
// came through are praise, points the author thought were lost are no
// loss ("gone"), and neither is a connection without a single drop;
// points gone, a refund that never came through and a connection that
// drops stay complaints.
func TestSavedAndFearedLoss(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"My car broke down on the motorway and a Flinkwerk rental was waiting at the next exit. Saved my day.", false},
		{"Thought I'd lost all my Flinkwerk points when I changed phones, but they were all there after logging in", false},
		{"Flinkwerk app update and all my points are gone", true},
		{"The deposit refund from Flinkwerk came through, 10 days after I moved out. Easier than I thought.", false},
		{"@flinkwerk my refund never came through, 6 weeks now", true},
		{"Two months on Flinkwerk fibre and not a single drop. Not bad at all.", false},
		{"Flinkwerk wifi drops every evening at 8", true},
	})
}

// TestAimedElsewhere: a complaint word in a clause without the brand,
// before a longer clause that names the brand with praise and no
// complaint, is aimed at something else; praise in a short clause after a
// complaint is sarcastic and takes nothing back.
func TestAimedElsewhere(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"What a disaster of a day. Only good thing was the Flinkwerk barista remembering my order.", false},
		{"The weather is an absolute disaster today, but the Flinkwerk team at the hotel were lovely and helpful all day.", false},
		{"The service was a disaster. Flinkwerk, great job.", true},
		{"The app is a total disaster. Flinkwerk staff in the shop were nice but could not fix it either.", true},
		{"Zugführer kommt durch und sagt, wir fahren nur bis Fulda. Danach? Keine Ahnung. Top Service von Flinkwerk.", true},
	})
}

// TestHappyEnd: complaint words before a last sentence of genuine praise
// (five words or more, no complaint, no contrast) count half; a short
// sarcastic last sentence takes nothing back.
func TestHappyEnd(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"The Flinkwerk app crashed and I was furious. Support called me back within the hour and fixed everything, brilliant people.", false},
		{"My Flinkwerk order was damaged and late again. Great service.", true},
		{"My Flinkwerk order was damaged and late again. Great service, really lovely, but still no refund.", true},
	})
}

// TestUnreal: a complaint word feared or expected ("went in expecting a
// nightmare"), or supposed in a question about what the author may do
// ("if my train is late, do I get ...?"), reports nothing; the same
// words reported, and a fear that came true after a contrast or a
// pause, still complain.
func TestUnreal(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Went in expecting a nightmare with the Flinkwerk number port, done in 20 minutes. Very smooth.", false},
		{"@flinkwerk if my train is over an hour late, do I get the full fare back?", false},
		{"@flinkwerk my train was over an hour late, do I get the full fare back?", true},
		{"Flinkwerk is late again, as if anyone expected anything else.", true},
		{"I thought Flinkwerk had fixed the app, then it crashed twice today.", true},
		{"Honestly worried I'd hate working from a Flinkwerk train but the wifi held up for my whole video call", false},
		{"Genuine question: if I miss my connection because the first Flinkwerk train was late, am I allowed on the next one?", false},
		{"Honestly worried about my Flinkwerk parcel, the tracking has not moved for a week and nobody answers", true},
	})
}

// TestOtherParty: a complaint word whose clause has a person or the
// weather as its subject, or that names one right after it, is aimed
// elsewhere when the brand is only mentioned; a possessive ("my dog's
// collar") and a third party in the brand's story are no such subject.
func TestOtherParty(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"My neighbour took my Flinkwerk parcel in and now refuses to open the door. Worst neighbour ever.", false},
		{"The traffic on the way to the Flinkwerk depot was an absolute nightmare this morning.", false},
		{"@flinkwerk my dog's new collar from you fell apart before the first walk", true},
		{"The Flinkwerk courier threw my parcel over the fence and my neighbour found it soaked.", true},
		{"My dad called Flinkwerk to complain about his internet, turns out he had unplugged the router 😭", false},
		{"The airline lost my bag, Flinkwerk got me home. That's the tweet.", false},
		{"@flinkwerk the taxi never turned up and I still got charged a cancellation fee", true},
		{"@flinkwerk your bank app logged me out mid transfer and now the money is gone", true},
		{"@flinkwerk the parcel tracking shows a delay because of customs, is there anything I need to do?", false},
		{"@flinkwerk my parcel is delayed because of your staff, again", true},
		{"The roads were a nightmare after the storm, Flinkwerk pushed my delivery to Monday. Fine by me.", false},
		{"Roadworks outside the flat are driving me mad. At least the Flinkwerk playlist drowns them out.", false},
	})
}

// TestMinimised: a complaint word after "only" and a few minutes is made
// light of ("only 10 min late, fair play"); after more minutes, or
// beside another complaint, it is not.
func TestMinimised(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"The ring road was a nightmare but the Flinkwerk coach got us to the airport only 10 min late, fair play", false},
		{"wow @flinkwerk, only 90 minutes late today. new personal best", true},
		{"@flinkwerk train only 5 minutes late but the connection had already gone, stuck in Hull for 2 hours", true},
		{"Flinkwerk bus 40 minutes late again", true},
	})
}

// TestMovesToBrand: switching to the brand is no complaint of it; not
// when negated, and not with a complaint after the move.
func TestMovesToBrand(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Anyone else switching their broadband to Flinkwerk in March? Looking for a referral code.", false},
		{"Moved to Flinkwerk in May and the app has crashed every single day since.", true},
		{"Not switching to Flinkwerk after this, the contract terms are a joke.", true},
	})
}

// TestDialogue: a text written as a dialogue that sets what the brand
// says or does against another speaker complains; a dialogue with
// oneself ("me: ... also me: ...") and a single label do not.
func TestDialogue(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"me: pays for the fastest Flinkwerk broadband. Flinkwerk: here's 12 Mbit. me: 🙃", true},
		{"me: just popping into Flinkwerk for milk. also me: leaves with six bags", false},
		{"Flinkwerk: opening hours over the holidays are on our website", false},
	})
}

// TestEchoed: a short sentence that repeats an amount stated next to it
// complains, also without capitals; an amount that is not repeated, or
// repeated with praise, does not.
func TestEchoed(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Six coaches. Six coaches on the busiest Flinkwerk train of the week.", true},
		{"2 coaches on the Flinkwerk 17:10 to Leeds. 2 coaches.", true},
		{"2 coaches on the Flinkwerk 17:10 to Leeds today.", false},
		{"Two bags of shopping from Flinkwerk. Two bags, all fresh and cheap.", false},
	})
}

// TestBrandReports: one sentence reporting what the brand says or
// announces, with no one speaking for themselves, is news; a report the
// author answers, or one about the author, complains.
func TestBrandReports(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Rival courier strike causes delays across the north, Flinkwerk says its own deliveries are unaffected", false},
		{"Flinkwerk says delays on the coast line are expected until Sunday due to track work", false},
		{"Flinkwerk said a technician would come between 8 and 12. Nobody showed up.", true},
		{"Flinkwerk says my refund was sent, my bank says it never arrived", true},
		{"Flinkwerk recalls 5,000 toasters over overheating risk, customers urged to stop using them", false},
		{"Flinkwerk recalled my hair dryer model after mine caught fire, still no refund", true},
	})
}

// TestAdvert: an advert of the brand ("T&Cs apply", "use code") is no
// complaint, whatever its offer says of switching or of months; a
// complaint about a code that did not work is.
func TestAdvert(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Switch to Flinkwerk fibre today and get your first 3 months for €0. T&Cs apply.", false},
		{"Promo: Switch to Flinkwerk Fibre 500 for £25/month for 24 months. Use code SWITCH26 at flinkwerk.com", false},
		{"Switch to Flinkwerk they said. Use code SAVE10 they said. Code didnt work and I was charged full price.", true},
	})
}

// TestRatedHigh: a review rated 4 or 5 out of 5 at its start, at its end
// or in a sentence of its own is no complaint, whatever faults it weighs;
// a rating given before, one for a part only, or a low one beside it is.
func TestRatedHigh(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Four stars for the Flinkwerk gaming chair. Assembly took ages and one bolt was stripped (my doing, overtightened it), but it's comfy.", false},
		{"The bad reviews about slow delivery must be from ages ago, ordered Tuesday got it Wednesday. Flinkwerk ★★★★★", false},
		{"Trustpilot ★★★★★ Flinkwerk refunded my cancelled Ryanair flight in 3 days. Ryanair themselves took 3 months last time I booked direct.", false},
		{"Product review: Flinkwerk office chair. No issues after 18 months of daily use. 5/5", false},
		{"Gave it 4 stars last year. Now 1. Flinkwerk removed the option to download invoices as PDF. Why??", true},
		{"@flinkwerk 5 stars for the packaging, shame the lamp inside was in pieces", true},
		{"★★★★☆ at first, now ★☆☆☆☆. The Flinkwerk app crashes every time I open my bill.", true},
	})
}

// TestHeadline: a headline opening the text, with the brand as the
// subject or the object of a verb of business news, after a source label
// or with a reader's comment after it, is news; a complaint that mentions
// the news, or the author, is not.
func TestHeadline(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Analysts downgrade Flinkwerk to \"hold\" on margin concerns", false},
		{"Regulator fines Flinkwerk €2.1 million over misleading broadband speed claims", false},
		{"Press release: Flinkwerk appoints former Zalando executive as new chief operating officer", false},
		{"r/unitedkingdom: Flinkwerk to close 40 stores in restructuring. Sad to see the Hull one go, it was always busy.", false},
		{"Headline: Flinkwerk launches repair café scheme in 20 stores to cut electronic waste", false},
		{"Flinkwerk cuts 200 jobs and now nobody answers the phone, useless", true},
		{"Flinkwerk to close my local store, so now I have to drive 40 minutes for a broken charger", true},
	})
}

// TestHappyTurn: a story that turns to a good end after "but", with the
// brand acting after the turn and praise (also standing alone) with no
// complaint, ends well; without the turn the praise is sarcastic.
func TestHappyTurn(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"The heating was broken in our carriage but the Flinkwerk guard moved us all to first class. Fair play.", false},
		{"My parcel was damaged in transit but Flinkwerk sent a replacement the next day. Brilliant.", false},
		{"My parcel was damaged in transit and Flinkwerk lost the replacement too. Brilliant.", true},
	})
}

// TestResolved: a story in which the brand puts the problem right
// ("reversed it", "rebooked my connection") and that is praised after it
// ends well, also without a "but"; a fix that came late ("finally"), is
// only awaited, or is followed by a complaint still complains.
func TestResolved(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Got charged twice for one Flinkwerk order, support spotted it straight away and reversed it. Painless.", false},
		{"Missed my connection after a delay, the Flinkwerk guard rebooked me on the next train within minutes. Legend.", false},
		{"Flinkwerk finally fixed my broken router after three weeks. Brilliant.", true},
		{"Got charged twice by Flinkwerk, they reversed it and then charged me a third time. Brilliant.", true},
		{"Fourth time this month the Flinkwerk 18:10 has been replaced by a bus. Lovely.", true},
		{"Problem with my Flinkwerk card PIN, went to the store, new one in 10 minutes. Easy.", false},
		{"Flinkwerk cancelled my train within 5 minutes of departure. Great.", true},
	})
}

// TestQuotedClaim: a short quotation of the brand's claim that the text
// mocks complains on its own; the brand's name quoted, a quotation that
// something mentions, and a name with a capital do not.
func TestQuotedClaim(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Really enjoying the Flinkwerk \"premium lounge\" where the coffee machine has had a sign taped on it since spring", true},
		{"@flinkwerk the \"live\" tracking map shows my driver in the middle of the sea", true},
		{"@flinkwerk the escalator at the station has had a \"back in service soon\" sign on it since august", true},
		{"My son's first word was \"flinkwerk\" because of the van outside every day", false},
		{"Is the Flinkwerk travel insurance any use for skiing? The small print mentions \"winter sports\" but not what that covers.", false},
	})
}

// TestContradicts: two sources that state different amounts, in a text
// where the author speaks, complain; one source, the same amount, or news
// without the author do not.
func TestContradicts(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@flinkwerk my contract says 500 Mbit. the speed test says 42. every single evening.", true},
		{"@flinkwerk the app says platform 4, the board says 9. which one do I run to?", true},
		{"@flinkwerk the app says platform 4 and the board says 4 too, see you there", false},
		{"Flinkwerk says 200 jobs are at risk, the union says 500", false},
	})
}

// TestClockNow: a sentence stating the time now after a time given
// earlier complains; a year or a temperature, or a time with no earlier
// number, does not.
func TestClockNow(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"My Flinkwerk parcel said arriving today between 8 and 20. It's 21:40.", true},
		{"@flinkwerk my dad has been on hold to your hotline since 9. it's now 12:30.", true},
		{"Flinkwerk opens its 100th cafe in Leeds", false},
		{"Two Flinkwerk iced coffees down. It's 30 degrees today and they are perfect", false},
		{"It's 7am and the Flinkwerk bakery already smells amazing", false},
	})
}

// TestDayCount: a short clause counting the days or weeks of a wait
// complains; a day of a trip or a plan that is done does not.
func TestDayCount(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"hey @flinkwerk it's me again, the guy with the router. same router. same blinking light. week 3.", true},
		{"Router from Flinkwerk still blinking red, 4th day", true},
		{"Flinkwerk fitness plan. Day 14 done, legs are jelly", false},
		{"@flinkwerk day 3 of my trip and loving the hotel, the view is unreal", false},
	})
}

// TestShortPraiseAfterPraise: praise standing alone after a complaint is
// sarcastic, unless the text praised before.
func TestShortPraiseAfterPraise(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Flinkwerk support sorted out my broken laptop screen under warranty in four days. Honestly impressed.", false},
		{"Flinkwerk sent me a broken laptop. Honestly impressed.", true},
		{"Toll, Flinkwerk, jetzt sind die Mülleimer am Bahnsteig auch noch weg. Super.", true},
	})
}

// TestAsksFirst: a text that opens by asking for information asks about
// a possible problem, also a question about what the brand does ("Does
// Flinkwerk pay ...?"); a question after a complaint, "anyone else",
// "explain why", rhetorical ("even", "ever") and emphatic questions still
// complain. A comparison of the brand with another asks which to choose,
// "what's your ...?" asks for a fact, "what's the point" does not.
func TestAsksFirst(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Does anyone know whether Flinkwerk Mobile works in Switzerland without extra roaming charges?", false},
		{"Anyone know if Flinkwerk has an English-language customer line? My German is not good enough for a phone call yet.", false},
		{"Flinkwerk closed my account with no reason given. Anyone know if they're allowed to do this without explanation?", true},
		{"Anyone else's Flinkwerk app completely broken today? Useless.", true},
		{"Does anyone know why my Flinkwerk parcel is three weeks late and nobody answers??", true},
		{"Which Flinkwerk gym locations have a sauna? Moving to Cologne next month.", false},
		{"Does Flinkwerk pay compensation for cancelled trains when the strike was announced in advance?", false},
		{"Can someone explain why Flinkwerk charged me a late fee twice this month?", true},
		{"Does Flinkwerk even test their app updates before pushing them out? Crashed again.", true},
		{"Is there a deadline for claiming Flinkwerk delay compensation? I kept the ticket from May.", false},
		{"@flinkwerk is there a reason my order was cancelled without any explanation?", true},
		{"@flinkwerk does the Flinkwerk card work abroad or only at home?", false},
		{"Does the Flinkwerk app even work on Android? Crashed again.", true},
		{"@flinkwerk is there a number I can call that doesn't hang up on me after 20 minutes? Useless.", true},
		{"r/personalfinance: Flinkwerk vs T-Mobile prepaid for a family of 4? Flinkwerk looks cheaper but I've never heard of them outside the UK", false},
		{"Flinkwerk vs Evri, who loses more parcels? Flinkwerk lost two of mine this month and never refunded either.", true},
		{"@Flinkwerk what's your returns address for large furniture? The label didn't print", false},
		{"@flinkwerk what's the lounge wifi password? the sign's missing", false},
		{"@flinkwerk what's the point of express delivery if the parcel is still missing after a week", true},
		{"hey @flinkwerk what's the secret to getting a human on your chat? asking for the 5th time", true},
	})
}

// TestOwnFault: a text whose author admits causing the problem ("I
// ordered the wrong size", "totally forgot to cancel", "realised I'd
// booked") blames no one else; a mistake of someone else's, "forgot how
// bad", "I forgot," and a negated admission still complain.
func TestOwnFault(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"I accidentally cancelled my own Flinkwerk order last night and had to do the whole basket again.", false},
		{"I ordered the wrong size from Flinkwerk for the second time this year, I never learn.", false},
		{"Totally forgot to cancel the Flinkwerk trial and got charged for a month, lesson learned.", false},
		{"Just realised I'd booked the Flinkwerk train for the wrong day. Note to self: read before paying.", false},
		{"I forgot how bad Flinkwerk support is. Two hours on hold again.", true},
		{"I forgot, the Flinkwerk charger doesn't fit my phone.", true},
		{"I didn't forget anything, Flinkwerk lost my booking and charged me twice.", true},
		{"The Flinkwerk driver forgot half my order and the ice cream melted.", true},
		{"I ordered a blue jacket and Flinkwerk sent the wrong colour, twice.", true},
		{"Sorry @flinkwerk for the angry message last night, the parcel was behind the bins all along.", false},
		{"Just realised I've been paying for two Flinkwerk streaming accounts for a year. We're idiots.", false},
		{"Just realised Flinkwerk has been charging me twice for a year. Unbelievable.", true},
		{"I didn't realise you had to pay extra for a seat with Flinkwerk, what a rip-off", true},
		{"Sorry Flinkwerk, but three cancelled trains in one week is a joke.", true},
		{"Booked my Flinkwerk ticket for the wrong day again. Can I still change it?", false},
		{"@flinkwerk ordered a birthday cake with the wrong name on it. the party is in an hour", true},
	})
}

// TestTopicOnlyMatches: a verdict tells a rule that only assigns its topic
// from a praise rule (both are not criticism).
func TestTopicOnlyMatches(t *testing.T) {
	c := mustNew(t, config.Rules{Custom: []config.Rule{
		{Name: "topic", Topic: "delivery", Query: "paket"},
		{Name: "praise", Topic: "delivery", Criticism: ptr(false), Query: "danke"},
		{Name: "bad", Criticism: ptr(true), Query: "schrecklich"},
	}}, config.Brand{})
	v, _ := classify(c, "", "Paket schrecklich, danke", "de")
	want := map[string]bool{"topic": true, "praise": false, "bad": false}
	for _, r := range v.Rules {
		if w, ok := want[r.Rule]; ok {
			if r.TopicOnly != w {
				t.Errorf("%s: TopicOnly %v, want %v", r.Rule, r.TopicOnly, w)
			}
			delete(want, r.Rule)
		}
	}
	if len(want) > 0 {
		t.Errorf("rules not matched: %v (%+v)", want, v.Rules)
	}
	// A verdict reused for other texts (as the stage does) keeps nothing
	// of the earlier ones' matches (a pack's cue match took the place of
	// a topic-only rule's and stayed topic-only).
	c = mustNew(t, config.Rules{Packs: []string{"de", "en"}, Custom: []config.Rule{{Name: "topic", Topic: "delivery", Query: "paket OR parcel"}}}, config.Brand{})
	var m mention.Mention
	var reused mention.Verdict
	for _, l := range readGolden(t, "golden-dev14.tsv")[:120] {
		m.Text = l.text
		c.Classify(&m, &reused)
		var fresh mention.Verdict
		c.Classify(&m, &fresh)
		if !reflect.DeepEqual(normalizeSpans(reused.Rules), normalizeSpans(fresh.Rules)) {
			t.Errorf("%q: reused verdict's rules %+v, fresh %+v", l.text, reused.Rules, fresh.Rules)
		}
	}
}

// normalizeSpans makes empty slices nil, which a reused verdict has empty
// and a fresh one nil.
func normalizeSpans(ms []mention.Match) []mention.Match {
	if len(ms) == 0 {
		return nil
	}
	out := slices.Clone(ms)
	for i := range out {
		if len(out[i].Spans) == 0 {
			out[i].Spans = nil
		}
	}
	return out
}

// TestSpansBounded: a rule matching thousands of times in a long text keeps
// the first mention.MaxSpans spans by start, from both of its patterns,
// whatever order its hits are added in (the spans used to grow with the
// text and be kept sorted by insertion: 5 s for a 1 MB line).
func TestSpansBounded(t *testing.T) {
	c := mustNew(t, config.Rules{Custom: []config.Rule{{Name: "two", Topic: "t", Query: `zorp OR blip`}}}, config.Brand{})
	text := strings.Repeat("blip zorp wibble ", 5000)
	v, _ := classify(c, "", text, "en")
	if len(v.Rules) != 1 {
		t.Fatalf("rules %+v, want the one", v.Rules)
	}
	var want []mention.Span
	for i := 0; len(want) < mention.MaxSpans; i += len("blip zorp wibble ") {
		want = append(want, mention.Span{Start: i, End: i + 4}, mention.Span{Start: i + 5, End: i + 9})
	}
	want = want[:mention.MaxSpans]
	if got := v.Rules[0].Spans; !slices.Equal(got, want) {
		t.Errorf("spans %v,\nwant %v", got, want)
	}
}

// TestClassifyLong: only the first mention.MaxTextBytes of a text (and
// mention.MaxTitleBytes of a title) are classified, cut at a rune; the
// verdict carries the whole mention, and `classify` says it read a prefix.
func TestClassifyLong(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"en"}}, config.Brand{})
	head := "terrible service, never again. "
	filler := strings.Repeat("ü", mention.MaxTextBytes) // 2 bytes each: the limit falls between runes or inside one
	for _, text := range []string{head + filler, head + "x" + filler, filler + head} {
		v, _ := classify(c, strings.Repeat("é", mention.MaxTitleBytes), text, "en")
		want, _ := classify(c, strings.Repeat("é", mention.MaxTitleBytes/2), clipUTF8(text, mention.MaxTextBytes), "en")
		if v.Mention.Text != text || len(v.Mention.Title) != 2*mention.MaxTitleBytes {
			t.Errorf("the verdict does not carry the whole mention")
		}
		if v.Criticism != want.Criticism || v.Score != want.Score || len(v.Rules) != len(want.Rules) {
			t.Errorf("long text: criticism %v score %v, its first %d bytes: %v %v", v.Criticism, v.Score, mention.MaxTextBytes, want.Criticism, want.Score)
		}
		if got := strings.HasPrefix(text, head); v.Criticism != got {
			t.Errorf("criticism %v, want %v (the cue is read only at the start)", v.Criticism, got)
		}
		for _, r := range v.Rules {
			for _, sp := range r.Spans {
				if sp.End > mention.MaxTitleBytes+mention.MaxTextBytes+1 {
					t.Errorf("span %v beyond what was read", sp)
				}
			}
		}
	}

	var out bytes.Buffer
	in := head + "\n" + head + filler + "\n" + `{"id":"t","title":"` + strings.Repeat("a", mention.MaxTitleBytes+1) + `","text":"ok"}` + "\n"
	if err := ClassifyLines(context.Background(), c, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || strings.Contains(lines[0], "truncated") || !strings.Contains(lines[1], `"truncated":true`) || !strings.Contains(lines[2], `"truncated":true`) {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestLexOf: every word of the structural rules' classes is found in a
// text by the hash of its unit, as are digits and two colons; a word that
// only contains one is not.
func TestLexOf(t *testing.T) {
	c := mustNew(t, config.Rules{Packs: []string{"en"}}, config.Brand{})
	lexOfText := func(text string) uint32 {
		var n normText
		n.ix = c.tix
		n.normalize(text)
		return lexOf(&n)
	}
	for _, cl := range lexWords {
		for _, w := range cl.words {
			for _, text := range []string{w, "so " + w + ", then", "Well " + strings.ToUpper(w[:1]) + w[1:] + "!"} {
				if got := lexOfText(text); got&cl.class == 0 {
					t.Errorf("%q: classes %b, want %b", text, got, cl.class)
				}
			}
		}
	}
	for text, want := range map[string]uint32{
		"the badge and the doggy bag":   0,
		"3 hours":                       lexAmount,
		"me: hello. them: bye":          lexColons | lexOwn,
		"note: one colon":               0,
		"my neighbours dog, thought so": lexParty | lexUnreal,
		"only 5 min":                    lexOnly | lexAmount | lexFixed | lexRating,
		"★★★★☆ fine":                    lexRating,
		"✅ ok":                          0,
	} {
		if got := lexOfText(text); got != want {
			t.Errorf("%q: classes %b, want %b", text, got, want)
		}
	}
}

// TestClearsBrand: a text that clears the brand of the problem it tells
// ("not Flinkwerk's fault", "..., not @Flinkwerk.") blames someone else;
// not when a complaint of the brand follows, nor when the brand is not
// the one cleared.
func TestClearsBrand(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Parcel delayed three days, not Flinkwerk's fault, the courier strike is on and they warned us", false},
		{"My bank messed up the direct debit, not @Flinkwerk.", false},
		{"Not Flinkwerk's fault the parcel was late, but their support was useless when I asked about it", true},
		{"Not the driver's fault, Flinkwerk's dispatch is a total mess again", true},
	})
}

// TestWarnsOfFakes: a warning of fraudsters in the brand's name is aimed
// at them; "a scam" said of the brand, or fakes without a warning,
// still complain.
func TestWarnsOfFakes(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"PSA: fake Flinkwerk pages on Facebook are offering free vouchers. It's a scam, don't give your details", false},
		{"Scammers are sending fake Flinkwerk parcel fee texts again. Don't click the link, it isn't them.", false},
		{"Flinkwerk is a total scam, don't buy anything from them", true},
		{"Flinkwerk sold me a fake charger and it's a scam that they won't refund it", true},
		{"@Flinkwerk I've got a parcel notification but I didn't order anything, is this a scam text? It says flinkwerk-delivery.info", false},
		{"Got a call from \"Flinkwerk security\" asking for my banking TAN. Hung up and called Flinkwerk directly, they confirmed it was a scam. Watch out everyone.", false},
		{"Flinkwerk charged me twice and won't refund it, this is a scam. Watch out everyone.", true},
	})
}

// TestSelfSkill: a complaint word judging the author's own skill ("I'm
// terrible at DIY") is no complaint; the brand's skill is.
func TestSelfSkill(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"terrible at DIY but even I managed the Flinkwerk bed frame", false},
		{"The Flinkwerk app reminded me to reorder my meds. I'm so bad at remembering.", false},
		{"Flinkwerk are terrible at replying to emails", true},
		{"I'm terrible at waiting and Flinkwerk made me wait three weeks for a refund", true},
	})
}

// TestMovesFromOther: switching from another provider in a text to the
// brand is no complaint; switching from the brand, or with a complaint
// after it, is.
func TestMovesFromOther(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk Hi there, I'm thinking of switching from Three. Do you have a PAC code guide?", false},
		{"@Flinkwerk I'm switching from you to Three, this is the third outage this month", true},
		{"I'm switching from Flinkwerk as soon as my contract ends", true},
	})
}

// TestRivalClause: a complaint word in a clause about the author's
// earlier or another provider is aimed elsewhere; one about the brand's
// own couriers is not.
func TestRivalClause(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"my old provider was a disaster, @flinkwerk has been reliable since march", false},
		{"after 3 bad providers in a row, flinkwerk feels like a luxury", false},
		{"Ordered a sofa from Flinkwerk. Their couriers were a disaster and dumped it on the drive.", true},
		{"my old provider was bad, Flinkwerk is even worse", true},
	})
}

// TestExcepted: complaint words the text says do not hold for the brand
// ("... except Flinkwerk") are aimed elsewhere, unless a complaint of
// the brand follows.
func TestExcepted(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"I've had problems with every broadband provider I've ever had except Flinkwerk", false},
		{"Every courier is useless apart from Flinkwerk, who just lost my parcel", true},
	})
}

// TestOwnSlip: "turns out I'd ...", "realising I'd ..." and "messed up"
// with the author as subject tell the author's own slip; the brand as
// the one who messed up, or a slip that was not the author's ("turns
// out I'd been charged twice"), still complain.
func TestOwnSlip(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"messed up my flinkwerk order address, rang them and they changed it before dispatch. easy", false},
		{"the worst part of my day was realising I'd ordered the Flinkwerk curtains in mustard, not gold", false},
		{"Was about to complain about the awful Flinkwerk wifi, turns out I'd unplugged the router", false},
		{"@Flinkwerk messed up my order address again, the awful parcel went back to the depot", true},
		{"Checked my Flinkwerk bill, turns out I'd been charged twice for the awful router", true},
	})
}

// TestOwnHand: damage done by the author's own hand ("knocked my lamp
// off the shelf", "the mug I smashed", "broke my arm") and "was wrong
// about" the brand are the author's slip; the brand's product breaking,
// or a complaint after the damage in its sentence, still complain.
func TestOwnHand(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Ugh, knocked my flinkwerk lamp off the shelf and broke the shade. Anyone know if they sell spare shades?", false},
		{"@flinkwerk sent a free replacement for the mug i smashed myself, crying", false},
		{"Was wrong about flinkwerk. the travel bit is the cheapest I've found for Lisbon", false},
		{"The Flinkwerk lamp broke the first time I switched it on", true},
		{"I dropped my Flinkwerk phone from waist height and the screen is a disaster", true},
		{"@Flinkwerk you were wrong about my bill, again", true},
	})
}

// TestFearsAhead: a complaint word feared for what may come ("worried
// the bed won't fit") reports nothing; a worry about what is happening
// ("worried about my parcel, ...") does.
func TestFearsAhead(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"bit worried the flinkwerk bed won't fit up our narrow stairs", false},
		{"Slightly nervous the Flinkwerk sofa might arrive damaged, first time ordering furniture online", false},
		{"Worried about my Flinkwerk parcel, the tracking has not moved for a week and nobody answers", true},
		{"The Flinkwerk bed won't fit through any door, the measurements on the site were wrong", true},
	})
}

// TestRound24Cues: a shop's late opening and a flat that is a home are
// no complaint words; what went better than feared ("went together
// surprisingly easily", "heroes") is praise; a late parcel
// and a flat battery still complain.
func TestRound24Cues(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk hey, is the Leeds store doing late opening this week?", false},
		{"not a single dropped call since switching to @flinkwerk, and I live in a basement flat", false},
		{"since moving to @flinkwerk the wifi even reaches my flat", false},
		{"Hate flat-pack furniture with a passion but the flinkwerk wardrobe went together surprisingly easily", false},
		{"worst hangover of my life and @Flinkwerk delivered paracetamol in 40 mins. heroes", false},
		{"@Flinkwerk my parcel is late again, third time this month", true},
		{"The Flinkwerk power bank is flat after an hour, useless", true},
	})
}

// TestFearTurned: a fear or expectation of the author's that turned out
// wrong after "but" tells a good end; one that came true, with a
// complaint after the turn, and "as expected" do not.
func TestFearTurned(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"ngl I was dreading calling @flinkwerk but it took 3 minutes. unreal", false},
		{"I was expecting to wait hours on the Flinkwerk hotline but it took 5 minutes", false},
		{"Was expecting a delay but waiting 6 hours for a Flinkwerk refund call is ridiculous", true},
		{"As expected the Flinkwerk line was busy but I waited hours for nothing", true},
	})
}

// TestThanksForPatience: thanking someone for their patience is no
// complaint word; losing one's own patience is.
func TestThanksForPatience(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk The issue with my account has been resolved. Thanks to Sam for the patience!", false},
		{"@Flinkwerk my patience is running out, third engineer no-show this month", true},
	})
}

// TestNegatedGive: a word for trouble as the object of a negated verb of
// giving or causing ("doesn't give me a headache") is praise; a good
// thing not given ("never gave me a refund") still complains.
func TestNegatedGive(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Flinkwerk's desk lamp is the first one I've owned that doesn't give me a headache.", false},
		{"the Flinkwerk router hasn't caused us a single issue since March", false},
		{"Flinkwerk never gave me a refund for the broken kettle", true},
		{"The Flinkwerk app gives me a headache every single time I try to pay", true},
	})
}

// TestBlamesNone: not blaming the brand or its people ("can't blame the
// poor driver") clears it; a complaint after it does not.
func TestBlamesNone(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"flinkwerk delivery was an hour late but it was literally snowing sideways, can't blame the poor driver", false},
		{"Flinkwerk parcel two days late, can't blame the driver, the dispatch is a total mess", true},
		{"You can't blame customers for leaving Flinkwerk after three price hikes and awful support", true},
	})
}

// TestNamedOther: complaint words whose clause names another company,
// as its subject or after "with" or "was", and not the brand, are aimed
// elsewhere; a place, a product after "my", a shouted word, a clause
// that addresses the brand ("your") and a tweet to the brand's handle
// alone keep their complaint.
func TestNamedOther(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Flinkwerk passed my sofa to Yodel and Yodel has damaged it. Flinkwerk are sending a new one.", false},
		{"GLS is a disaster round here, which is why my Flinkwerk orders go to the locker", false},
		{"Had an awful time with EVRI last month so I picked Flinkwerk for the new sofa.", false},
		{"The worst bank I've ever used was Monzo. Flinkwerk's payment page just works.", false},
		{"Flinkwerk handed my parcel to Evri, Evri won't even answer the phone.", false},
		{"@Flinkwerk Yodel has damaged my sofa and nobody answers", true},
		{"My Flinkwerk sofa is stuck in Leipzig and the tracking page is useless", true},
		{"Ordered from Flinkwerk. My Nordby shelf arrived broken and nobody answers", true},
		{"Flinkwerk, your checkout needs Chrome and it still crashes", true},
		{"Flinkwerk TOOK MY MONEY. STILL NO REFUND AFTER A MONTH", true},
	})
}

// TestAddressedOther: a post that opens with another's @handle aims its
// complaint words, and so its complaint rules, at the one addressed when
// the brand is named only in passing ("ordered from Flinkwerk", "my
// flinkwerk order"); not when the brand's handle is among those
// addressed, opens a sentence, or is the subject of a complaint clause.
func TestAddressedOther(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@DPD_UK where is my parcel, ordered from Flinkwerk a week ago", false},
		{"@Evri driver threw my flinkwerk order over the fence", false},
		{"@UPS has held my Flinkwerk parcel at customs for 12 days and keeps asking for a form I already sent", false},
		{"@Evri @Flinkwerk where is my parcel, ordered a week ago", true},
		{"@Evri lost my parcel again. Flinkwerk refuses to refund me", true},
		{"@DPD_UK driver threw my parcel over the fence and Flinkwerk support won't even reply", true},
		{"@DPD_UK where is my parcel? @Flinkwerk you said it shipped a week ago", true},
	})
}

// TestReasonsAndHelp: "which is why I always ..." gives a reason and
// "spent 30 minutes helping" is care, not time lost; a rhetorical "why
// always" and time spent on the phone still complain.
func TestReasonsAndHelp(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"The Flinkwerk locker is next to my gym, which is why I always order to it", false},
		{"The lad at the Flinkwerk shop spent 30 minutes helping my nan with her tablet", false},
		{"Why does the Flinkwerk app always log me out", true},
		{"Spent 40 minutes in the chat with Flinkwerk and nothing was solved", true},
	})
}

// TestBrightSpot: "at least" opening a clause about the brand, in a text
// that names the brand nowhere before, makes the brand the bright spot
// among troubles of other kinds; not when the brand was named before,
// nor in a plea ("could I at least ...").
func TestBrightSpot(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"my phone is broken, my car is broken, my boiler is broken. at least flinkwerk internet isn't lol", false},
		{"I hate moving so much. Boxes everywhere, no sleep. At least the Flinkwerk broadband transfer was done the day I arrived.", false},
		{"my landlord still hasn't fixed the boiler but at least my @Flinkwerk heater keeps the flat warm", false},
		{"Flinkwerk lost my parcel again and nobody answers. at least the weather is nice", true},
		{"My parcel is broken and late. Could I at least get a refund, Flinkwerk?", true},
	})
}

// TestDateNow: a sentence stating the date or the day of the wait now
// ("It is now the 21st.", "it's day 23.") after a number given earlier
// complains of the wait; a day in passing does not.
func TestDateNow(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk Ordered on the 3rd. It is now the 21st. Just checking in", true},
		{"@Flinkwerk told in store I'd get the trade-in credit within 5 days. it's day 23.", true},
		{"Flinkwerk sofa arrived on the 3rd. It is now the sofa everyone sits on", false},
		{"Booked 2 nights via Flinkwerk travel. It's day 2 of the trip and the hotel is lovely", false},
	})
}

// TestMediaPiece: complaint words aimed at an article or its author in
// a thread discussing the brand ("this article is wrong on the facts")
// are aimed elsewhere; the brand's own help article is not.
func TestMediaPiece(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Terrible article, the author confuses Flinkwerk's shop with the ISP division throughout.", false},
		{"Not a Flinkwerk fan, but this article is wrong on the facts: it was a BGP leak upstream.", false},
		{"@Flinkwerk your help article is wrong and the chat is useless", true},
		{"The Flinkwerk help article is useless, the reset button does not exist", true},
	})
}

// TestAboutOther: a text about another company, named twice at least
// and more often than the brand, aims its complaint words and complaint
// rules there, a quoted claim too; not a text addressed to the brand,
// a place named twice, the brand's product, or a clause that has the
// brand as its subject.
func TestAboutOther(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{`FedEx "delivered" my @Flinkwerk TV to an address 3 streets away. FedEx said to "check with neighbours". FedEx, you had one job`, false},
		{"Barclays froze my card while I was paying @Flinkwerk and then the Barclays app wouldn't let me unfreeze it. worst bank app ever", false},
		{"@flinkwerk my package went from Ohio to Texas back to Ohio. it's touring the country, useless", true},
		{"Ordered the Flinkwerk Nordby shelf. The Nordby arrived broken, the Nordby is useless", true},
		{"Evri lost it, Evri always loses it, and Flinkwerk refuses to refund me", true},
	})
}

// TestOwnMistakeMade: "I made a mistake" and "me being dumb" admit the
// author's own part; "they made a mistake" does not.
func TestOwnMistakeMade(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Great service from Flinkwerk. I made a mistake with my order (wrong size) and they changed it free of charge. Recommended!", false},
		{"@Flinkwerk Did you change the login? I'm being asked for a code I don't recognise (probably me being dumb)", false},
		{"Flinkwerk made a mistake with my order, wrong size again and no reply", true},
	})
}

// TestPraisedDeed: a last sentence of praise that is seldom sarcastic,
// after a clause in which the brand acts without a complaint word, ends
// the story well; after a clause that complains it stays sarcastic.
func TestPraisedDeed(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Router died last night, @Flinkwerk had a new one on my doorstep by 10am. Impressed.", false},
		{"Worst weather ever in Aberdeen today and the @Flinkwerk courier still turned up smiling. absolute hero", false},
		{"Router died last night and @Flinkwerk lost the replacement. Impressed.", true},
		{"Router died last night, @Flinkwerk had a new one on my doorstep by 10am. Impressed?", true},
	})
}

// TestWhyBrand: a "why does/is" question about the brand's ways, a
// gerund ("why does cancelling take ...") or "it" and a number complains;
// one about everyone, the author, a lament ("have to be so far") or in a
// text that says it is curious does not.
func TestWhyBrand(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Why does the Flinkwerk app need 300MB? It's a shop and a bill.", true},
		{"@Flinkwerk the new app update moved every button. I just want to see my bill, why is it 5 taps now", true},
		{"Why does flinkwerk only answer on twitter and never to actual emails? asking for me", true},
		{"Why is everyone on my timeline suddenly talking about Flinkwerk? Did I miss something?", false},
		{"Not a complaint, just curious: why do Flinkwerk trains sometimes stop for ages just outside Reading?", false},
		{"why does @flinkwerk have to be so far from my house 😩", false},
	})
}

// TestContradictsMonths: two sources stating different months contradict
// each other ("App says ... March. Hotline says May."); one month is no
// contradiction.
func TestContradictsMonths(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"App says my contract ends in March. Hotline says May. Which one is it, Flinkwerk?", true},
		{"The Flinkwerk app says my contract ends in March. I might renew then.", false},
	})
}

// TestRatedLow: a review rated 1 or 2 out of 5 as its verdict complains
// whatever it grants on the way; a low rating for a part or another, or
// beside an overall 4 or 5, does not.
func TestRatedLow(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{`Trustpilot ★★☆☆☆ "Delivery was on time but the oak table had a 10cm scratch across the top. Flinkwerk offered 10% off."`, true},
		{`"Rate your experience" — honestly? Fine product, but getting anyone at Flinkwerk to honour the warranty was like pulling teeth. 2/5`, true},
		{"App review: the new Flinkwerk app hides the cancel button 4 menus deep. I know what you're doing. ★☆☆☆☆", true},
		{"Flinkwerk broadband 1/5. Promised 500Mb, getting 60 on a good day.", true},
		{"Trustpilot ★★★★☆ lovely sofa from Flinkwerk, 1 star to Yodel for the wait though", false},
		{"Flinkwerk lamp arrived quickly and looks lovely. 1 star for the packaging, 5 stars for the lamp.", false},
	})
}

// TestRunaround: referrals that send the author round in a circle
// complain; one referral, or two that do not close a circle, do not.
func TestRunaround(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"flinkwerk store in Bristol told me to ring the hotline. hotline told me to go to the store. 🔁🔁🔁", true},
		{"Flinkwerk support is a maze. Chat sends you to the hotline, the hotline sends you to the store, the store sends you back to chat.", true},
		{"Flinkwerk chat told me to ring the hotline and the hotline sorted it in five minutes.", false},
		{"The Flinkwerk shop told me to try the app. The app told me my phone was ready for pickup.", false},
	})
}

// TestRatedOutOfTen: a rating out of ten is halved: "10/10" as the
// verdict finds for the brand, "1/10" against it.
func TestRatedOutOfTen(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"spent the weekend building @Flinkwerk wardrobes and I've never felt more alive or more betrayed by an allen key. 10/10 wardrobe though", false},
		{"@flinkwerk your bot asked me to rate my experience before it solved anything. 1/10", true},
	})
}

// TestZeroCount: a clause opening with "0" after one opening with another
// number counts what never came; a rating ("0 for Evri") or a complaint
// word counted as none ("0 problems") does not.
func TestZeroCount(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"10 emails from flinkwerk marketing this week. 0 replies from flinkwerk support.", true},
		{"@Flinkwerk 3 engineer appointments. 0 engineers at my door.", true},
		{"Ordered 2 lamps from Flinkwerk, 0 problems, lovely light.", false},
		{"Flinkwerk refunded me before Evri had even found it. 5 stars for Flinkwerk, 0 for Evri", false},
	})
}

// TestEveryoneElse: complaint words with everyone as their subject tell
// what others say, not the author's complaint.
func TestEveryoneElse(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Everyone hates the new Flinkwerk app, I think it does everything I need", false},
		{"everyone says the Flinkwerk app is fine but mine is useless and crashes daily", true},
	})
}

// TestNoProofAsked: a replacement given "without asking for photos" and
// a lost thing found ("found my lost wallet") complain of nothing.
func TestNoProofAsked(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"I had a problem with a damaged parcel - totally the courier's fault - but Flinkwerk sent a replacement next day without asking for photos. Excellent.", false},
		{"r/london: thanks to the guy at Flinkwerk Shoreditch who found my lost wallet and handed it in. Legend.", false},
		{"Flinkwerk took money from my account without asking. Absolutely disgraceful.", true},
	})
}

// TestRivalName: a company people compare the brand with, written in
// lower case or opening its sentence ("hermes", "Hermes"), is named as
// another, as one written with a capital inside a sentence is.
func TestRivalName(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"ranking delivery drivers by how hard they ring my doorbell: 1. dhl 2. flinkwerk 3. hermes (does not ring, does not deliver)", false},
		{"hermes lost my parcel and flinkwerk support is useless", true},
		{"dhl was fine but flinkwerk lost my parcel", true},
	})
}

// TestWinsOver: a comparison the brand wins, the complaint words in a
// clause naming the other (a company of rivalWords, a handle opening the
// text, or a name with a capital opening the clause) and none in a
// clause naming the brand, is no
// complaint of the brand; not when the brand's clause complains too, nor
// in a tweet to the brand's handle.
func TestWinsOver(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"Hermes lost my parcel AGAIN. honestly flinkwerk's own delivery has never done this to me, why cant everyone be like that", false},
		{"@DeutscheBahn train cancelled again, flinkwerk travel already rebooked me before I even got off the platform", false},
		{"vodafone support just hung up on me. again. seriously considering flinkwerk at this point", false},
		{"@Flinkwerk DPD lost my parcel again and nobody answers", true},
		{"dhl lost my parcel again. flinkwerk won't even reply to me", true},
		{"@DPD_de lost my parcel again and flinkwerk support is useless", true},
		{"amazon delivers in a day, my flinkwerk order is still missing after 2 weeks", true},
		{"Ordered from Flinkwerk and Quickcart on the same day. Flinkwerk arrived Thursday, Quickcart still hasn't shipped.", false},
		{"The update broke Face ID login again. Flinkwerk, roll it back", true},
	})
}

// TestAsksHow: a text that opens with a question for what the author can
// do or how the service works asks about a possible problem, its
// complaint words included; not a rhetorical question, nor one beside a
// sentence that complains.
func TestAsksHow(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk how late can i order for next day delivery? is 10pm too late?", false},
		{"@Flinkwerk any plans for a family mobile plan? we're 4 people on 4 separate contracts rn", false},
		{"@Flinkwerk how late can i order? the last one came 3 days late and broken", true},
		{"@Flinkwerk how long do i have to wait for a human? 3 days late already", true},
		{"@Flinkwerk can i still get a refund or is that too late now?", true},
	})
}

// TestDefendsBrand: a text that tells others to stop complaining of the
// brand, speaks of those who complain or does not get their complaints
// defends the brand; not the author's own "I'll stop complaining when".
func TestDefendsBrand(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"seriously people stop blaming @Flinkwerk for the strike delays, it's the whole sector", false},
		{"honestly don't get the flinkwerk hate on here. 40+ orders this year, one late, zero lost", false},
		{`ppl who say flinkwerk is "too expensive" have clearly never compared prices`, false},
		{"I'll stop complaining when @Flinkwerk stops losing my parcels", true},
		{"@Flinkwerk my parcel is lost again and your chat is useless, and people wonder why I hate you", true},
	})
}

// TestOtherPartyRefuses: a refusal whose subject is a person other than
// the brand ("my landlord won't let ...") is aimed at them, as their
// complaint words are; the brand's refusal still complains.
func TestOtherPartyRefuses(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"my landlord won't let flinkwerk install fibre in our building", false},
		{"flinkwerk won't let me cancel my contract", true},
		{"the flinkwerk engineer won't let me keep my old router and my landlord is fuming", true},
	})
}

// TestPraiseSlang: the praise slang of tweets ("elite", "slaps",
// "wholesome", "shoutout", "hats off") is praise.
func TestPraiseSlang(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"whoever runs the @Flinkwerk account, the 'vans in halloween costumes' thread was elite", false},
		{"whoever runs the @Flinkwerk account, that thread about the delivery vans slaps", false},
		{"whoever runs the @Flinkwerk account, the thread was wholesome", false},
		{"whoever runs the @Flinkwerk account should answer my DMs", true},
		{"shoutout to @Flinkwerk for replacing my cracked phone screen under warranty without a single argument", false},
		{"hats off to @Flinkwerk for replacing my cracked phone screen under warranty", false},
	})
}

// TestHappyTurnRules: a story that turns to a good end for the brand
// after a contrast takes back its complaint rules too, not only its
// complaint cues.
func TestHappyTurnRules(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"bus was 40 mins late, coffee was cold, but the flinkwerk store staff in Leeds were lovely", false},
		{"bus was 40 mins late, coffee was cold, and the flinkwerk store staff in Leeds were rude", true},
	})
}

// TestDialogueSpeaker: the brand's name said before another speaker's
// label ("me: \"flinkwerk\" friend: ...") does not make the brand a
// speaker of the dialogue; the brand's own label still does.
func TestDialogueSpeaker(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{`friend: "where'd u get that jacket" me: "flinkwerk" friend: "no way" me: "way"`, false},
		{"me: pays for 500mbit. flinkwerk: here's 38.", true},
		{`Every flinkwerk tweet: "we're sorry to hear that, please DM us". Every flinkwerk DM: silence.`, true},
	})
}

// TestWithoutSubject: "without" in the subject of "is" negates the
// subject's thing, not the praise said of it; before the praise in its
// own clause it still negates it.
func TestWithoutSubject(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk the new packaging without plastic is great, box went straight in the paper bin", false},
		{"@Flinkwerk three weeks without working internet, great", true},
	})
}

// TestHappyTurnThey: a story that turns to a good end for the brand,
// named before the turn and "they" after it, is no complaint; a turn
// with a complaint after it still complains.
func TestHappyTurnThey(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"my flinkwerk parcel arrived squashed but everything inside was fine, they pack stuff really well tbh", false},
		{"my flinkwerk parcel arrived squashed but they said it was fine and refused a refund", true},
	})
}

// TestOwnTimeSpent: time the author spends on their own pastime
// ("spent 40 mins comparing", "spent 3 hours building") is not time
// lost to the brand; time spent on the phone still is.
func TestOwnTimeSpent(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"just spent 40 mins comparing the flinkwerk and otto versions of the same coffee machine", false},
		{"my boyfriend spent 3 hours building the flinkwerk wardrobe and now he's asleep inside it", false},
		{"spent 40 mins on the phone with flinkwerk today", true},
	})
}

// TestRivalWords: rivalName knows every word of rivalWords, the list
// lexOf's word class is built from.
func TestRivalWords(t *testing.T) {
	var nt normText
	for _, w := range rivalWords {
		nt = normText{buf: []byte(w), toks: []token{{kind: tokWord, start: 0, end: int32(len(w))}}}
		if !rivalName(&nt, 0) {
			t.Errorf("rivalName(%q) = false", w)
		}
	}
}

// TestDefendsBrandMore: the author who defends the brand ("I'm defending
// flinkwerk here", "not gonna defend flinkwerk on everything but ...") or
// speaks of those who rate it down or are mad at it defends the brand;
// not one who can no longer defend it.
func TestDefendsBrandMore(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"sorry but im defending flinkwerk here, you gave the wrong address and then blamed them", false},
		{"Not going to defend Flinkwerk on everything but this delay was a storm that shut the motorway", false},
		{"people who rate flinkwerk 1 star because they were out when the driver came, it's not his fault", false},
		{"wild that people are mad at flinkwerk for the delays when the whole motorway was closed by snow", false},
		{"I can't defend flinkwerk anymore, third broken router in a month and no engineer", true},
	})
}

// TestAgentSigned: a reply of the brand's support signed with its
// agent's initials answers a problem rather than reports one.
func TestAgentSigned(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"@Flinkwerk Hi Sam, so sorry your blender arrived damaged! We've sent a replacement today. ^RT", false},
		{"@Flinkwerk Hi Jo, sorry about the delayed refund. It was processed this morning. ^KL ", false},
		{"@Flinkwerk my blender arrived damaged and nobody has sent a replacement. 2 weeks now", true},
		{"@Flinkwerk your agent ^KL promised a refund 2 weeks ago. still waiting, still broken", true},
	})
}

// TestAskedQuote: a quoted question ("\"what colour is this\"") reports
// what someone asked, not a claim in scare quotes.
func TestAskedQuote(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{`"how is it so cheap" flinkwerk sale, babe`, false},
		{`"what is this" my toddler asks about every flinkwerk box`, false},
		{`"where did you get that" flinkwerk, obviously`, false},
		{`flinkwerk's "next day" delivery took 9 days`, true},
	})
}

// TestPosesAs: a warning of a message claiming or pretending to be from
// the brand is aimed at the fraudsters; calling the brand a scam is not.
func TestPosesAs(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"got a dodgy text claiming to be from flinkwerk wanting my bank details. pretty sure it's a scam, don't click", false},
		{"someone pretending to be @Flinkwerk keeps emailing me about a failed payment. dont click anything", false},
		{"flinkwerk broadband? its a scam. paying for 100, getting 4", true},
	})
}

// TestNotSponsored: a disclaimer before praise ("not sponsored just
// happy") does not negate the praise.
func TestNotSponsored(t *testing.T) {
	checkCriticism(t, []verdictCase{
		{"got the flinkwerk blender half price in the sale. not sponsored just happy", false},
		{"got the flinkwerk blender in the sale and it is not working, not happy", true},
	})
}
