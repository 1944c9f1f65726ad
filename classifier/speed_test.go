package classifier

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// nfcSafeRunes is the rune-by-rune definition that nfcSafe implements with
// its byte-level shortcuts.
func nfcSafeRunes(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x300, r >= 0x2010 && r <= 0x205E, r == 0x20AC, r >= 0x2600 && r <= 0x27BF,
			r >= 0x1F000 && r <= 0x1FAFF, r == 0xFE0F, r == 0x200D:
		default:
			return false
		}
	}
	return true
}

// TestNFCSafeShortcuts compares nfcSafe with its rune-by-rune definition on
// random strings built from ASCII, umlauts, marks, emoji and stray bytes.
func TestNFCSafeShortcuts(t *testing.T) {
	parts := []string{"a", "Flinkwerk ", "ä", "ß", "ˇ", "\u02ff", "\u0300", "e\u0301", "–", "€", "😍", "\ufe0f", "\u200d",
		"\u212b", "Ω", "\xc2", "\xcb", "\xcc\x80", "\x80", "\xc0\x80", "\xcb\x41", "\xff", "12345678", "\u0100"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		s := ""
		for range r.IntN(12) {
			s += parts[r.IntN(len(parts))]
		}
		if got, want := nfcSafe(s), nfcSafeRunes(s); got != want {
			t.Fatalf("nfcSafe(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTriggerSpansOrder checks that spans taken from the hits that made a
// rule a candidate come in the order leaf by leaf gives: with equal starts,
// in the order of the rule's leaves.
func TestTriggerSpansOrder(t *testing.T) {
	yes := true
	c, err := New(config.Rules{Custom: []config.Rule{
		{Name: "long-first", Query: `"nicht angekommen" OR nicht OR paket`, Criticism: &yes},
		{Name: "short-first", Query: `paket OR nicht OR "nicht angekommen"`, Criticism: &yes},
	}}, config.Brand{})
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{Text: "Paket nicht angekommen, Paket weg"}
	var v mention.Verdict
	c.Classify(&m, &v)
	want := map[string][]mention.Span{
		"long-first":  {{Start: 0, End: 5}, {Start: 6, End: 22}, {Start: 6, End: 11}, {Start: 24, End: 29}},
		"short-first": {{Start: 0, End: 5}, {Start: 6, End: 11}, {Start: 6, End: 22}, {Start: 24, End: 29}},
	}
	for _, r := range v.Rules {
		if w, ok := want[r.Rule]; ok {
			if !slices.Equal(r.Spans, w) {
				t.Errorf("%s: spans %v, want %v", r.Rule, r.Spans, w)
			}
			delete(want, r.Rule)
		}
	}
	if len(want) > 0 {
		t.Errorf("rules not matched: %v", want)
	}
}

// TestShortWordPath checks that the tokenizer's fast path for short words
// gives the tokens of the general path, on random strings built from the
// pieces where the two could differ.
func TestShortWordPath(t *testing.T) {
	parts := []string{"a", "abc", "Flinkwerk", "lieferung", "Die", "ABCD", "x1", "400", "Modell1234", "http://x.de/a", "www.y.de",
		" ", "  ", ".", "..", "-", "&", "'", "'s", "’", "@", "@flinkwerk", "!", "?", ",", ";", ":", "\n", "(", ")", "\"", "/", "#",
		"ä", "Ü", "ß", "é", "😍", "\ufe0f", "…", "e\u0301", "\t", "Kundenservicex", "kundenzufriedenh", "Zufriedenheit15"}
	r := rand.New(rand.NewPCG(7, 8))
	var fast, slow normText
	defer func() { noShortWord = false }()
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		title, text := "", b.String()
		if r.IntN(4) == 0 {
			title, text, _ = strings.Cut(text, " ")
		}
		noShortWord = false
		fast.body(title, text)
		noShortWord = true
		slow.body(title, text)
		if string(fast.buf) != string(slow.buf) || !slices.Equal(fast.toks, slow.toks) ||
			fast.excl != slow.excl || fast.quest != slow.quest || fast.caps != slow.caps {
			t.Fatalf("%q|%q: fast path %q %v, general path %q %v", title, text, fast.buf, fast.toks, slow.buf, slow.toks)
		}
	}
}

// TestUnitsWhileTokenizing checks that the units cut while tokenizing are
// those cutUnits cuts from the finished tokens, on random strings built
// from the pieces where the two could differ and on benchmark texts.
func TestUnitsWhileTokenizing(t *testing.T) {
	c := mustNew(t, benchConfig(100), config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk"}})
	parts := []string{"a", "abc", "Flinkwerk", "lieferung", "Die", "ABCD", "x1", "400", "Modell1234", "http://x.de/a", "www.y.de",
		" ", "  ", ".", "..", "-", "&", "'", "'s", "’", "@", "@flinkwerk", "!", "?", ",", ";", ":", "\n", "(", ")", "\"", "/", "#",
		"ä", "Ü", "ß", "é", "😍", "\ufe0f", "…", "e\u0301", "\t", "nicht", "angekommen", "e-mail", "kunden-service", "e.v"}
	r := rand.New(rand.NewPCG(9, 10))
	var texts []string
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		texts = append(texts, b.String())
	}
	for _, m := range benchTexts(500) {
		texts = append(texts, m.Text)
	}
	var nt normText
	nt.ix = c.tix
	for i, text := range texts {
		title := ""
		if i%4 == 0 {
			title, text, _ = strings.Cut(text, " ")
		}
		nt.body(title, text)
		want := c.tix.cutUnits(nil, &nt)
		if !slices.Equal(nt.units, want) {
			t.Fatalf("%q|%q: units while tokenizing %v, cutUnits %v", title, text, nt.units, want)
		}
	}
}

// TestContainedInOrder checks contained's shortcut for cues in order of
// their last token against its definition, on random lists of cues.
func TestContainedInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		var cues []cueHit
		t1 := int32(1)
		for range r.IntN(10) {
			t1 += int32(r.IntN(2))
			cues = append(cues, cueHit{t0: max(0, t1-1-int32(r.IntN(4))), t1: t1})
		}
		maxLen, inOrder := cueOrder(cues)
		if !inOrder {
			t.Fatalf("%v: not in order", cues)
		}
		for i := range cues {
			if got, want := contained(cues, i, maxLen, true), contained(cues, i, maxLen, false); got != want {
				t.Fatalf("%v, cue %d: contained %v, by definition %v", cues, i, got, want)
			}
		}
	}
}

// TestURLStart compares urlStart with the tokenizer's check by
// hasPrefixFold on random 8-byte strings near the prefixes.
func TestURLStart(t *testing.T) {
	alpha := []byte("hHtTpPsSwW:/.x\x08\x0e\x1a\x0fHTTP")
	r := rand.New(rand.NewPCG(13, 14))
	for _, p := range []string{"http://", "https://", "www."} {
		for range 100000 {
			b := []byte(p + "12345678")[:8]
			for k := range 8 {
				if r.IntN(3) == 0 {
					b[k] = alpha[r.IntN(len(alpha))]
				}
			}
			s := string(b)
			want := hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
			if got := urlStart(load64(b, 0)); got != want {
				t.Fatalf("%q: urlStart %v, hasPrefixFold %v", s, got, want)
			}
		}
	}
}

// TestCandidateFilters compares the verdicts of a classifier with those
// of one whose candidate loop tells the rules apart by their language bits
// alone (ruleHot.ok without the title and lang: terms, no need, no req, no
// reqMasks): the filters must only drop rules that eval would not match.
func TestCandidateFilters(t *testing.T) {
	rules := benchConfig(1000)
	for i, q := range []string{
		`title:lieferung NEAR/3 kaputt`, `kaputt NEAR/3 title:lieferung`, `NOT lang:en AND paket`,
		`lang:de AND NOT title:paket`, `(title:akku OR lang:en) AND update`, `lang:deu* AND rechnung`,
		`NOT (lang:de OR lang:en) AND service`, `title:"nicht angekommen"`, `source:web* OR title:hotline`,
	} {
		rules.Custom = append(rules.Custom, config.Rule{Name: "state" + string(rune('a'+i)), Topic: "state", Query: q, Weight: 1})
	}
	brand := config.Brand{Terms: []string{"Flinkwerk", "@flinkwerk"}}
	c, err := New(rules, brand)
	if err != nil {
		t.Fatal(err)
	}
	// all's tables are changed before its first Classify: a scratch
	// copies ruleHot and reqMasks when it is made.
	all, _ := New(rules, brand)
	filtered := 0
	for i := range all.ruleHot {
		langOnly := uint32(0) // the language bits alone
		for st := range textStates {
			if lb, _, _ := stateOf(st); all.rules[i].lang&lb != 0 {
				langOnly |= 1 << st
			}
		}
		if all.ruleHot[i].ok != langOnly {
			filtered++
		}
		all.ruleHot[i].ok = langOnly
		all.ruleHot[i].need, all.ruleHot[i].reqN = -1, 0
		all.reqMasks[i] = reqMasks{}
	}
	if filtered == 0 {
		t.Fatal("no rule is filtered by the state of the text")
	}
	var v, w mention.Verdict
	for i, m := range benchTexts(3000) {
		if i%2 == 1 {
			m.Title, _, _ = strings.Cut(m.Text, ".")
		}
		m.Lang = []string{"", "de", "en", "fr", "DE-at"}[i%5]
		c.Classify(&m, &v)
		all.Classify(&m, &w)
		if !slices.EqualFunc(v.Rules, w.Rules, func(a, b mention.Match) bool {
			return a.Rule == b.Rule && slices.Equal(a.Spans, b.Spans)
		}) || v.Score != w.Score || !slices.Equal(v.Topics, w.Topics) {
			t.Fatalf("text %d (title %q, lang %q): rules %v, without the filter %v", i, m.Title, m.Lang, v.Rules, w.Rules)
		}
	}
}

// TestRuleHotSize keeps ruleHot at 32 bytes (a shift finds an entry).
func TestRuleHotSize(t *testing.T) {
	if n := unsafe.Sizeof(ruleHot{}); n != 32 {
		t.Errorf("ruleHot is %d bytes, want 32", n)
	}
}

// absentEval evaluates the compact node n when none of the patterns in
// absent occurs and nothing else is known: triFalse means n cannot match
// then.
func absentEval(n *enode, absent []int32) int {
	leaves := func(ls []leaf) int {
		for _, l := range ls {
			if !slices.Contains(absent, l.pat) {
				return triMaybe
			}
		}
		return triFalse
	}
	switch n.kind {
	case nTerm:
		if slices.Contains(absent, n.pat) {
			return triFalse
		}
		return triMaybe
	case nNever:
		return triFalse
	case nAnd:
		for _, l := range n.leaves {
			if slices.Contains(absent, l.pat) {
				return triFalse
			}
		}
		for i := range n.kids {
			if absentEval(&n.kids[i], absent) == triFalse {
				return triFalse
			}
		}
		return triMaybe
	case nOr:
		if leaves(n.leaves) != triFalse {
			return triMaybe
		}
		for i := range n.kids {
			if absentEval(&n.kids[i], absent) != triFalse {
				return triMaybe
			}
		}
		return triFalse
	case nNear:
		if leaves(n.leaves) == triFalse || leaves(n.right) == triFalse {
			return triFalse
		}
	}
	return triMaybe
}

// TestNeedAndReq checks that each rule's need and req are necessary: the
// rule cannot match without them.
func TestNeedAndReq(t *testing.T) {
	c, err := New(benchConfig(1000), config.Brand{Terms: []string{"Flinkwerk"}})
	if err != nil {
		t.Fatal(err)
	}
	nreq := 0
	for i := range c.rules {
		rh := &c.ruleHot[i]
		if rh.need >= 0 && absentEval(&c.evals[i], []int32{rh.need}) != triFalse {
			t.Errorf("rule %s: need %d is not necessary", c.rules[i].name, rh.need)
		}
		if rh.reqN > 0 {
			nreq++
			if absentEval(&c.evals[i], rh.req[:rh.reqN]) != triFalse {
				t.Errorf("rule %s: req %v is not necessary", c.rules[i].name, rh.req[:rh.reqN])
			}
		}
	}
	if nreq == 0 {
		t.Error("no rule has a req")
	}
}

// TestReqMasks checks that each rule's reqMasks are the masks of a set of
// patterns that is necessary (the rule cannot match without one of
// them), none of them a trigger of the rule.
func TestReqMasks(t *testing.T) {
	c, err := New(benchConfig(1000), config.Brand{Terms: []string{"Flinkwerk"}})
	if err != nil {
		t.Fatal(err)
	}
	isTrig := func(p, r int32) bool {
		hp := &c.hot[p]
		for _, q := range c.ruleTab[hp.ruleOff:][:hp.ruleN] {
			if q == r || q == ^r {
				return true
			}
		}
		return false
	}
	n := 0
	for i := range c.rules {
		rm := c.reqMasks[i]
		if rm.n == 0 {
			continue
		}
		n++
		var trig []int32
		for p := range c.hot {
			if isTrig(int32(p), int32(i)) {
				trig = append(trig, int32(p))
			}
		}
		m, set := reqMasksOf(&c.evals[i], trig)
		if m != rm || len(set) == 0 {
			t.Fatalf("rule %s: reqMasks %+v, of its set %+v", c.rules[i].name, rm, m)
		}
		var pats []int32
		var want reqMasks
		for _, l := range set {
			if isTrig(l.pat, int32(i)) {
				t.Errorf("rule %s: pattern %d of its reqMasks is a trigger", c.rules[i].name, l.pat)
			}
			pats = append(pats, l.pat)
			var s scratch
			s.hitBits[l.pat>>6&(hitWords-1)] |= 1 << (l.pat & 63)
			if !s.reqMaybe(&rm) {
				t.Errorf("rule %s: pattern %d is not in its reqMasks", c.rules[i].name, l.pat)
			}
			k := 0
			if want.n > 0 && want.w[0] != uint8(l.pat>>6&(hitWords-1)) {
				k = 1
			}
			want.w[k], want.bits[k] = uint8(l.pat>>6&(hitWords-1)), want.bits[k]|1<<(l.pat&63)
			want.n = max(want.n, uint8(k+1))
		}
		if want != rm {
			t.Errorf("rule %s: reqMasks %+v, its set's %+v", c.rules[i].name, rm, want)
		}
		if absentEval(&c.evals[i], pats) != triFalse {
			t.Errorf("rule %s: the set %v of its reqMasks is not necessary", c.rules[i].name, pats)
		}
	}
	if n == 0 {
		t.Error("no rule has reqMasks")
	}
	t.Logf("%d of %d rules have reqMasks", n, len(c.rules))
}

// TestPatternSize keeps pattern free of padding (see pattern), and
// hotPat at 32 bytes.
func TestPatternSize(t *testing.T) {
	if n := unsafe.Sizeof(hotPat{}); n != 32 {
		t.Errorf("hotPat is %d bytes, want 32", n)
	}
	if n := unsafe.Sizeof(pattern{}); n != 56 {
		t.Errorf("pattern is %d bytes, want 56", n)
	}
}

// TestRuleSlotSize keeps a scratch's rule slot at one cache line.
func TestRuleSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(ruleSlot{}); n != 64 {
		t.Errorf("ruleSlot is %d bytes, want 64", n)
	}
}
