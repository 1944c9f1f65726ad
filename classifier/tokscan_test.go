package classifier

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// TestTokenScanMatchesByteScan checks that the word-level matcher finds
// exactly the hits, in the same order, and the same language evidence as
// the byte-level Aho-Corasick automaton with boundary checks, over the
// golden corpus and the benchmark texts, with the packs, generated custom
// rules and brand terms.
func TestTokenScanMatchesByteScan(t *testing.T) {
	rules := benchConfig(300)
	rules.Custom = append(rules.Custom,
		config.Rule{Name: "x1", Query: `*katastrophe OR enttäusch* OR "warte seit*" OR *kunden-service OR "e-mail" OR "kunden-se*"`},
		config.Rule{Name: "x2", Query: `"wo bleibt ?" OR 🙄 OR "e.v" OR @support OR "siehe https://flinkwerk.de"`},
	)
	c := mustNew(t, rules, config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk", "flinkwerk.de", "Kunden*"}, Exclude: []string{"Flinkwerk Holding"}})
	var texts []string
	for _, f := range []string{"golden-tune.tsv", "golden-round2.tsv", "golden-round3.tsv", "golden-holdout.tsv", "golden-fresh.tsv"} {
		if f == "golden-fresh.tsv" && !fileExists("testdata/"+f) {
			continue
		}
		for _, l := range readGolden(t, f) {
			texts = append(texts, l.text)
		}
	}
	for _, m := range benchTexts(300) {
		texts = append(texts, m.Text)
	}
	texts = append(texts, norm.NFD.String("Lieferkatastrophe bei Müller, E-Mail an kunden-service@x.de, Kunden-Service e.V. Flinkwerks"),
		"xkunden-service wo bleibt?? siehe https://flinkwerk.de/x @support 🙄🙄 enttaeuschend-e.v", "", "!!! ...", "a-b-c-d.e&f")
	s := c.newScratch()
	r := c.newScratch()
	r.ref = true
	total := 0
	for i, text := range texts {
		for _, lang := range []string{"", "de"} {
			m := mention.Mention{Text: text, Lang: lang}
			if i%7 == 0 {
				m.Title = "Flinkwerk Kunden-Service"
			}
			c.scan(s, &m)
			c.scan(r, &m)
			got, want := hitsString(c, s), hitsString(c, r)
			total += len(want)
			if !slices.Equal(got, want) || s.stopDE != r.stopDE || s.stopEN != r.stopEN {
				t.Fatalf("%q:\nword scan %v (de %v en %v)\nbyte scan %v (de %v en %v)", text, got, s.stopDE, s.stopEN, want, r.stopDE, r.stopEN)
			}
		}
	}
	if total < 10000 {
		t.Fatalf("only %d hits compared", total)
	}
	t.Logf("%d texts, %d hits compared", len(texts), total)
}

func hitsString(c *Classifier, s *scratch) []string {
	var out []string
	for _, h := range s.hits {
		out = append(out, fmt.Sprintf("%q/%d[%d,%d)@%d", c.texts[h.pat], c.hot[h.pat].mode, h.t0, h.t1, h.end))
	}
	return out
}

// FuzzTokenScan compares the word-level matcher with the byte automaton on
// arbitrary text.
func FuzzTokenScan(f *testing.F) {
	for _, s := range []string{"Flinkwerks Lieferkatastrophe!!", "e-mail @flinkwerk https://flinkwerk.de/x", norm.NFD.String("Größe ä-ö.ü&x"), "\xff a-.b", "nicht angekommen 🙄"} {
		f.Add(s)
	}
	rules := benchConfig(100)
	rules.Custom = append(rules.Custom, config.Rule{Name: "x", Query: `*katastrophe OR enttäusch* OR "warte seit*" OR *kunden-service OR "e-mail" OR "kunden-se*" OR "e.v"`})
	c := mustNew(f, rules, config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk", "flinkwerk.de", "f", "kunden*"}, Exclude: []string{"Flinkwerk Holding"}})
	s, r := c.newScratch(), c.newScratch()
	r.ref = true
	f.Fuzz(func(t *testing.T, text string) {
		title, body, _ := strings.Cut(text, "|")
		m := mention.Mention{Title: title, Text: body}
		c.scan(s, &m)
		c.scan(r, &m)
		if got, want := hitsString(c, s), hitsString(c, r); !slices.Equal(got, want) || s.stopDE != r.stopDE || s.stopEN != r.stopEN {
			t.Fatalf("%q:\nword scan %v\nbyte scan %v", text, got, want)
		}
	})
}

// TestAnyHitShortcut checks that skipping the evaluation of rules that are
// a term or an OR of terms changes no verdict.
func TestAnyHitShortcut(t *testing.T) {
	rules := benchConfig(300)
	brand := config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk"}}
	fast, slow := mustNew(t, rules, brand), mustNew(t, rules, brand)
	n := 0
	for i := range slow.rules {
		if slow.rules[i].anyHit {
			n++
		}
		slow.rules[i].anyHit = false
	}
	if n == 0 {
		t.Fatal("no rule takes the shortcut")
	}
	texts := benchTexts(500)
	for _, l := range readGolden(t, "golden-tune.tsv") {
		texts = append(texts, mention.Mention{Text: l.text})
	}
	var a, b mention.Verdict
	for i := range texts {
		fast.Classify(&texts[i], &a)
		slow.Classify(&texts[i], &b)
		if a.Score != b.Score || a.Criticism != b.Criticism || ruleNames(&a) != ruleNames(&b) || fmt.Sprint(a.Topics) != fmt.Sprint(b.Topics) {
			t.Fatalf("%q: with the shortcut %v %v %s, without %v %v %s", texts[i].Text, a.Score, a.Topics, ruleNames(&a), b.Score, b.Topics, ruleNames(&b))
		}
	}
}

func TestASCIIPrefix(t *testing.T) {
	for _, s := range []string{"", "abc", "abcdefgh", "abcdefghä", "äbc", "abcdefghijklmnop", "abcdefghijklmnöp", "abcdefg\x80", "\xff"} {
		want := len(s)
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				want = i
				break
			}
		}
		if got := asciiPrefix(s); got != want {
			t.Errorf("asciiPrefix(%q) = %d, want %d", s, got, want)
		}
	}
}
