package classifier

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

var benchWords = strings.Fields(`lieferung paket versand bestellung rechnung kunde service hotline app
update konto preis qualität gerät akku bildschirm fahrer filiale retoure gutschein abo vertrag
delivery parcel shipping order invoice customer support helpline account price quality device
battery screen driver store return voucher subscription contract warranty refund login checkout
kaffeemaschine staubsauger fernseher router kopfhörer waschmaschine kühlschrank laptop tablet
coffee vacuum television headphones washer fridge phone charger cable speaker camera printer`)

var benchSentences = []string{
	"Die %s von Flinkwerk ist seit drei Wochen nicht angekommen und niemand meldet sich.",
	"Ich habe gestern eine %s bei Flinkwerk bestellt, mal sehen wie schnell das geht.",
	"Super Service bei Flinkwerk, die %s kam einen Tag früher als gedacht 👍",
	"Danke für nichts, @flinkwerk: %s kaputt, Hotline nicht erreichbar, nie wieder!",
	"Flinkwerk senkt die Preise für %s, Details auf https://flinkwerk.de/angebote",
	"Nicht schlecht, die neue %s, aber die Lieferung war leider verspätet.",
	"My %s from Flinkwerk has been out for delivery for four days, still no update.",
	"Flinkwerk support sorted out my %s in five minutes, really happy with them.",
	"Oh great, another broken %s from Flinkwerk 🙄 thanks a lot",
	"Flinkwerk opens a new warehouse for %s orders in Leeds, creating 400 jobs.",
	"The %s is not bad at all, but the checkout in the Flinkwerk app keeps crashing.",
	"Where is my refund for the %s, @flinkwerk? Waiting for three weeks now!!!",
}

// benchTexts returns n texts of about 300 bytes, half German, half English.
func benchTexts(n int) []mention.Mention {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]mention.Mention, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		lang := i % 2
		for b.Len() < 280 {
			s := benchSentences[lang*6+r.IntN(6)]
			w := benchWords[r.IntN(len(benchWords))]
			if r.IntN(3) == 0 {
				w = fmt.Sprintf("Modell%d", r.IntN(2000))
			}
			fmt.Fprintf(&b, s, w)
			b.WriteByte(' ')
		}
		out[i] = mention.Mention{Text: b.String()}
	}
	return out
}

// benchRules returns n custom rules over the benchmark vocabulary and some
// made-up product names.
func benchRules(n int) []config.Rule {
	r := rand.New(rand.NewPCG(3, 4))
	// A quarter of the words are common ones, the rest product names, as
	// in rules that watch products and campaigns.
	word := func() string {
		if r.IntN(4) == 0 {
			return benchWords[r.IntN(len(benchWords))]
		}
		return fmt.Sprintf("modell%d", r.IntN(2000))
	}
	rules := make([]config.Rule, n)
	for i := range rules {
		var q string
		switch i % 5 {
		case 0:
			q = fmt.Sprintf(`(%s OR %s) NEAR/5 ("nicht angekommen" OR %s*)`, word(), word(), word())
		case 1:
			q = fmt.Sprintf(`%s %s NOT %s`, word(), word(), word())
		case 2:
			q = fmt.Sprintf(`"%s %s" OR *%s`, word(), word(), "katastrophe")
		case 3:
			q = fmt.Sprintf(`title:%s OR (%s AND lang:de)`, word(), word())
		default:
			q = fmt.Sprintf(`%s NEAR/3 (kaputt OR broken OR %s)`, word(), word())
		}
		crit := i%4 != 0
		rules[i] = config.Rule{Name: fmt.Sprintf("r%d", i), Topic: fmt.Sprintf("topic%d", i%12), Query: q, Criticism: &crit, Weight: 1}
	}
	return rules
}

func benchConfig(n int) config.Rules {
	return config.Rules{Packs: []string{"de", "en"}, Custom: benchRules(n)}
}

// BenchmarkClassify classifies 100,000 generated texts of about 300 bytes
// with the packs and 1,000 custom rules; one op is one text. It also times
// a bare scan of the same texts with the same automaton and reports the
// ratio of the two rates (x_bare: 1 means as fast as the bare scan).
func BenchmarkClassify(b *testing.B) {
	texts := benchTexts(100_000)
	for _, n := range []int{1000, 0} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) { benchClassify(b, n, texts) })
	}
}

func benchClassify(b *testing.B, rules int, texts []mention.Mention) {
	c, err := New(benchConfig(rules), config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk"}})
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for i := range texts {
		bytes += int64(len(texts[i].Text))
	}
	// Bare Aho-Corasick over the raw bytes: no normalisation, no boundary
	// checks, no scoring.
	a := c.bareAC() // built before the clock starts
	start := time.Now()
	hits := 0
	for i := range texts {
		hits += a.count([]byte(texts[i].Text))
	}
	bare := time.Since(start)
	bareRate := float64(len(texts)) / bare.Seconds()
	// The same over case-folded bytes, which walk the automaton as deep as
	// the normalised text does.
	folded := make([][]byte, len(texts))
	for i := range texts {
		folded[i] = []byte(strings.ToLower(texts[i].Text))
	}
	start = time.Now()
	for i := range folded {
		hits += a.count(folded[i])
	}
	foldedRate := float64(len(texts)) / time.Since(start).Seconds()
	_ = hits

	var v mention.Verdict
	b.SetBytes(bytes / int64(len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.Classify(&texts[i], &v)
		i++
		if i == len(texts) {
			i = 0
		}
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "texts/s")
	b.ReportMetric(bareRate, "bare_texts/s")
	b.ReportMetric(rate/bareRate, "x_bare")
	b.ReportMetric(rate/foldedRate, "x_bare_folded")
}

// BenchmarkBareScan is the bare automaton scan alone, for reference.
func BenchmarkBareScan(b *testing.B) {
	c, err := New(benchConfig(1000), config.Brand{Terms: []string{"Flinkwerk"}})
	if err != nil {
		b.Fatal(err)
	}
	texts := benchTexts(10_000)
	raw := make([][]byte, len(texts))
	for i := range texts {
		raw[i] = []byte(texts[i].Text)
	}
	a := c.bareAC()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.count(raw[i])
		i = (i + 1) % len(raw)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// BenchmarkCompile builds a classifier from 1,000 custom rules (and the
// packs, in the second case), and from the packs alone. The packs are
// decoded from their compiled blob by every New (see loadPacks), so the
// cases with packs measure a start and a reload alike;
// BenchmarkCompilePacksCold measures compiling the packs' text, which only
// go generate does.
func BenchmarkCompile(b *testing.B) {
	for _, tc := range []struct {
		rules int
		packs []string
	}{{1000, nil}, {1000, []string{"de", "en"}}, {0, []string{"de", "en"}}} {
		rules := benchConfig(tc.rules)
		rules.Packs = tc.packs
		b.Run(fmt.Sprintf("rules=%d/packs=%d", tc.rules, len(tc.packs)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(rules, config.Brand{Terms: []string{"Flinkwerk"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClassifyLines runs the `earshot classify` loop over 20,000 JSON
// lines per op (packs only, as without --config).
func BenchmarkClassifyLines(b *testing.B) {
	c, err := New(config.Rules{Packs: []string{"de", "en"}}, config.Brand{})
	if err != nil {
		b.Fatal(err)
	}
	texts := benchTexts(20_000)
	var in bytes.Buffer
	for i := range texts {
		fmt.Fprintf(&in, `{"id":%d,"text":%q}`+"\n", i, texts[i].Text)
	}
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if err := ClassifyLines(context.Background(), c, bytes.NewReader(in.Bytes()), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
}

// BenchmarkCompilePacksCold compiles both packs from their text, as go
// generate does (New decodes their blob).
func BenchmarkCompilePacksCold(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compilePacks([]string{"de", "en"}); err != nil {
			b.Fatal(err)
		}
	}
}
