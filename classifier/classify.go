package classifier

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/earshot/earshot/mention"
)

// hit is one occurrence of a pattern: tokens [t0, t1).
type hit struct {
	pat    int32
	t0, t1 int32
	end    int32 // byte offset in the normalised text where the match ends
	plen   int32 // length of the pattern in bytes
}

type cueHit struct {
	t0, t1 int32
	kind   roleKind
	w      float64
	sign   int8 // +1 counted as criticism, -1 as praise, 0 not counted
	// got is the criticism a complaint cue counted; for praise, whether
	// it stands in a sentence of its own of at most two words (1).
	got float64
}

type topicWeight struct {
	topic int32 // index into Classifier.topics
	w     float64
	order int
}

// Token flags set by function words.
const (
	flagNegator uint8 = 1 << iota
	flagIntens
	flagSoft
	flagContrast
	flagBrand
	flagNonNeg // inside a phrase such as "kein Problem", "no complaints"
)

// ruleSlot is a rule's entry in a scratch: gen marks it as a candidate
// of the text with generation gen; trig is its last entry in scratch.trig
// (anyHit rules only), or -1; and a copy of its ruleHot, made with the
// scratch. The candidate loop reads ruleHot right after the hit loop
// wrote the stamp: in one 64-byte slot (one cache line; the padding
// makes an index a shift) both are one L1 miss instead of two (with
// separate tables they were about a sixth of a text's L1 misses). It
// costs 64 bytes a rule and scratch instead of 8.
type ruleSlot struct {
	gen  uint32
	trig int32
	ruleHot
	reqMasks
}

// reqMasks is a set of patterns one of which must occur for a rule to
// match, as at most two words of the filter of the patterns hit (see
// scratch.hitBits) and their bits: an operand of the rule that its
// trigger patterns do not decide (see reqMasksOf). Derived from the
// compact nodes when New is done (a blob does not store it); in the
// rule's slot, where it fills the cache line.
type reqMasks struct {
	bits [2]uint64
	w    [2]uint8
	n    uint8 // 0: none
}

// reqMasksOf returns the reqMasks of a rule with compact node e and
// trigger patterns trig (sorted): the leaves of a NEAR's side, or of an
// OR of terms, that is the rule or one of the operands of its AND, none
// of them a trigger, in at most two words of the filter; of those the
// set of the fewest words, then the fewest leaves. It also returns that
// set (for the tests).
func reqMasksOf(e *enode, trig []int32) (reqMasks, []leaf) {
	var best reqMasks
	var bestSet []leaf
	try := func(ls []leaf) {
		var m reqMasks
		for _, l := range ls {
			if _, found := slices.BinarySearch(trig, l.pat); found {
				return // decided by the trigger hits: it passes
			}
			w, b := uint8(l.pat>>6&(hitWords-1)), uint64(1)<<(l.pat&63)
			i := 0
			for i < int(m.n) && m.w[i] != w {
				i++
			}
			if i == len(m.w) {
				return // more than two words
			}
			if i == int(m.n) {
				m.w[i] = w
				m.n++
			}
			m.bits[i] |= b
		}
		if m.n > 0 && (best.n == 0 || m.n < best.n || m.n == best.n && len(ls) < len(bestSet)) {
			best, bestSet = m, ls
		}
	}
	operand := func(k *enode) {
		switch {
		case k.kind == nNear:
			try(k.leaves)
			try(k.right)
		case k.kind == nOr && len(k.kids) == 0:
			try(k.leaves)
		}
	}
	operand(e)
	if e.kind == nAnd {
		for i := range e.kids {
			operand(&e.kids[i])
		}
	}
	return best, bestSet
}

// reqMaybe reports whether a pattern of rm may have a hit (passes the
// filter s.hitBits); true when rm is empty.
func (s *scratch) reqMaybe(rm *reqMasks) bool {
	bits := &s.hitBits
	switch rm.n {
	case 0:
		return true
	case 1:
		return bits[rm.w[0]&(hitWords-1)]&rm.bits[0] != 0
	}
	return bits[rm.w[0]&(hitWords-1)]&rm.bits[0] != 0 || bits[rm.w[1]&(hitWords-1)]&rm.bits[1] != 0
}

// hitWords is the size of the filter of the patterns hit, in 64-bit
// words: with about 40 patterns hit per text, 4,096 bits let about 1% of
// the absent patterns through, 512 bits 8%.
const hitWords = 64

type headSlot struct {
	gen uint32
	h   int32
}

// scratch is the per-call working memory, pooled so that classifying
// allocates nothing in the steady state.
type scratch struct {
	nt        normText
	units     []unit
	countStop bool
	hits      []hit
	near      []tokRange // the right operand's hits while a NEAR is evaluated
	stems     []extRef   // the stems of a word outside the dictionary
	merged    []hit
	next      []int32
	heads     []headSlot       // per pattern: its last hit in this text (valid when gen matches)
	hitBits   [hitWords]uint64 // bit p&(64*hitWords-1) set for the patterns hit: most lookups of absent patterns stop here
	rules     []ruleSlot       // per rule: whether it is a candidate in this text (gen matches), its trigger hits, its ruleHot
	trig      []hitLink        // the hits that made each rule a candidate, one list per rule
	trigList  []int32          // one rule's trigger hits, for trigSpans
	gen       uint32
	cands     []int32
	matched   []int32
	flags     []uint8
	contrast  []int32 // tokens that start a contrast
	cueCnt    []uint8 // cues per token (up to 2)
	cues      []cueHit
	topics    []topicWeight
	titleTok  int32
	stopDE    float64 // language evidence from function words
	stopEN    float64
	m         *mention.Mention
	lang      string
	ref       bool // match with the byte automaton (tests)
}

func (c *Classifier) newScratch() *scratch {
	s := &scratch{
		heads: make([]headSlot, len(c.texts)),
		rules: make([]ruleSlot, len(c.rules)),
	}
	for i := range s.rules {
		s.rules[i].ruleHot, s.rules[i].reqMasks = c.ruleHot[i], c.reqMasks[i]
	}
	return s
}

// scan normalises the mention and collects the pattern hits.
func (c *Classifier) scan(s *scratch, m *mention.Mention) {
	s.gen++
	if s.gen == 0 { // wrapped: forget every stamp
		clear(s.heads)
		for i := range s.rules {
			s.rules[i].gen = 0
		}
		s.gen = 1
	}
	nt := &s.nt
	nt.ix = c.tix
	nt.body(m.Title, m.Text)
	s.titleTok = 0
	if m.Title != "" {
		for s.titleTok < int32(len(nt.toks)) && int(nt.toks[s.titleTok].ostart) < len(m.Title) {
			s.titleTok++
		}
	}
	s.hits = s.hits[:0]
	s.countStop = m.Lang == ""
	s.stopDE, s.stopEN = 0, 0
	if s.ref {
		c.byteScan(s, c.bareAC(), nil)
	} else {
		c.tokScan(s)
	}
}

func (s *scratch) first(p int32) int32 {
	if s.hitBits[p>>6&(hitWords-1)]&(1<<(p&63)) == 0 {
		return -1
	}
	if hs := s.heads[p]; hs.gen == s.gen {
		return hs.h
	}
	return -1
}

// langOf returns the language bits and name of the text.
func (c *Classifier) langOf(s *scratch, m *mention.Mention) (uint8, string) {
	if len(m.Lang) >= 2 {
		switch l := m.Lang[:2]; {
		case strings.EqualFold(l, "de"):
			return langDE, "de"
		case strings.EqualFold(l, "en"):
			return langEN, "en"
		}
		return langAll, m.Lang
	}
	de, en := s.stopDE, s.stopEN
	// With little evidence either way ("flinkwerk macht einfach was es
	// will"), both packs apply; the name still follows the majority.
	const sure = 2
	switch {
	case de > en && de-en < sure:
		return langAll, "de"
	case en > de && en-de < sure:
		return langAll, "en"
	case de > en:
		return langDE, "de"
	case en > de:
		return langEN, "en"
	}
	return langAll, ""
}

// isBrand reports whether the text names the brand.
func (c *Classifier) isBrand(s *scratch) bool {
	for _, h := range s.hits {
		if c.hot[h.pat].brand {
			return true
		}
	}
	return false
}

// isExcluded reports whether the text names one of the brand's
// exclusions: then it is not about us (the config's contract), also
// where it names the brand elsewhere, and also from a brand_only source.
func (c *Classifier) isExcluded(s *scratch) bool {
	if !c.hasExclude {
		return false
	}
	for _, h := range s.hits {
		if c.hot[h.pat].exclude {
			return true
		}
	}
	return false
}

// maybeReq reports whether a pattern of rh.req may have a hit (passes the
// filter s.hitBits).
func (s *scratch) maybeReq(rh *ruleHot) bool {
	for _, p := range rh.req[:rh.reqN] {
		if s.hitBits[p>>6&(hitWords-1)]&(1<<(p&63)) != 0 {
			return true
		}
	}
	return false
}

// firstMaybe returns the index of the first leaf of ls whose pattern may
// have a hit (passes the filter s.hitBits), or -1: the leaves before it
// have none.
func (s *scratch) firstMaybe(ls []leaf) int {
	bits := &s.hitBits
	for i, l := range ls {
		if bits[l.pat>>6&(hitWords-1)]&(1<<(l.pat&63)) != 0 {
			return i
		}
	}
	return -1
}

func (s *scratch) leafHit(l leaf) bool {
	for h := s.first(l.pat); h >= 0; h = s.next[h] {
		if !l.title || s.hits[h].t1 <= s.titleTok {
			return true
		}
	}
	return false
}

func hasFoldPrefix(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// enode is a node of a rule as eval reads it: an AND or OR keeps its
// terms apart from its other operands, in one array of leaves, which the
// filter of the patterns hit decides in a loop that calls nothing; the
// rule's node keeps every operand as a node of its own (~128 bytes, two
// cache lines each: an OR of 30 terms was 30 nodes apart). AND and OR
// look at their terms first, then at their other operands: neither has
// side effects, so the order changes the cost, not the result.
type enode struct {
	kind   nodeKind
	title  bool   // nTerm
	pat    int32  // nTerm
	n      int32  // nNear: the distance
	leaves []leaf // nAnd, nOr: the terms; nNear: the left operand
	right  []leaf // nNear: the right operand
	kids   []enode
	meta   *node // nMeta
}

// evalNode returns the enode of n.
func evalNode(n *node) enode {
	e := enode{kind: n.kind, title: n.title, pat: n.pat}
	switch n.kind {
	case nAnd, nOr:
		terms := 0
		for i := range n.kids {
			if n.kids[i].kind == nTerm {
				terms++
			}
		}
		if terms > 0 {
			e.leaves = make([]leaf, 0, terms)
		}
		if terms < len(n.kids) {
			e.kids = make([]enode, 0, len(n.kids)-terms)
		}
		for i := range n.kids {
			if k := &n.kids[i]; k.kind == nTerm {
				e.leaves = append(e.leaves, leaf{k.pat, k.title})
			} else {
				e.kids = append(e.kids, evalNode(k))
			}
		}
	case nNot:
		e.kids = []enode{evalNode(&n.kids[0])}
	case nNear:
		e.n, e.leaves, e.right = n.n, n.left, n.right
	case nMeta:
		// A copy: the rules' trees are dropped once New is done.
		m := *n
		e.meta = &m
	}
	return e
}

func (s *scratch) eval(n *enode) bool {
	bits := &s.hitBits
	switch n.kind {
	case nTerm:
		return s.leafHit(leaf{n.pat, n.title})
	case nAnd:
		for _, l := range n.leaves {
			if p := l.pat; bits[p>>6&(hitWords-1)]&(1<<(p&63)) == 0 || !s.leafHit(l) {
				return false
			}
		}
		for i := range n.kids {
			if !s.eval(&n.kids[i]) {
				return false
			}
		}
		return true
	case nOr:
		for _, l := range n.leaves {
			if p := l.pat; bits[p>>6&(hitWords-1)]&(1<<(p&63)) != 0 && s.leafHit(l) {
				return true
			}
		}
		for i := range n.kids {
			if s.eval(&n.kids[i]) {
				return true
			}
		}
		return false
	case nNot:
		return !s.eval(&n.kids[0])
	case nNear:
		left, right := n.leaves, n.right
		// Most right operands have no hit at all: a tight loop over the
		// filter of the patterns hit tells, before their hits are
		// collected.
		i0 := s.firstMaybe(right)
		if i0 < 0 {
			return false
		}
		// The hits of the right operand are collected once (its leaves
		// are often many, its hits few or none); NEAR operands are
		// leaves, so no other NEAR uses s.near meanwhile.
		rs := s.near[:0]
		for _, r := range right[i0:] { // the leaves before i0 have no hit
			if p := r.pat; bits[p>>6&(hitWords-1)]&(1<<(p&63)) == 0 {
				continue // decided in a loop that calls nothing
			}
			for b := s.first(r.pat); b >= 0; b = s.next[b] {
				if hb := &s.hits[b]; !r.title || hb.t1 <= s.titleTok {
					rs = append(rs, tokRange{hb.t0, hb.t1})
				}
			}
		}
		s.near = rs
		if len(rs) == 0 {
			return false
		}
		for _, l := range left {
			if p := l.pat; bits[p>>6&(hitWords-1)]&(1<<(p&63)) == 0 {
				continue
			}
			for a := s.first(l.pat); a >= 0; a = s.next[a] {
				ha := &s.hits[a]
				if l.title && ha.t1 > s.titleTok {
					continue
				}
				for _, hb := range rs {
					gap := hb.t0 - ha.t1
					if hb.t0 < ha.t0 {
						gap = ha.t0 - hb.t1
					}
					if gap <= n.n {
						return true
					}
				}
			}
		}
		return false
	case nMeta:
		return s.evalMeta(n.meta)
	}
	return false
}

// evalMeta evaluates an author:, source: or lang: term.
func (s *scratch) evalMeta(n *node) bool {
	var v string
	switch n.field {
	case metaAuthor:
		v = strings.TrimPrefix(s.m.Author, "@")
		if strings.HasPrefix(n.val, "@") {
			v = s.m.Author
		}
	case metaSource:
		if n.prefix && hasFoldPrefix(s.m.Source, n.val) || strings.EqualFold(s.m.Source, n.val) {
			return true
		}
		for _, src := range s.m.Sources {
			if n.prefix && hasFoldPrefix(src, n.val) || strings.EqualFold(src, n.val) {
				return true
			}
		}
		return false
	case metaLang:
		v = s.lang
	}
	if n.prefix {
		return hasFoldPrefix(v, n.val)
	}
	return strings.EqualFold(v, n.val)
}

// tokRange is the tokens [t0, t1) of a hit.
type tokRange struct{ t0, t1 int32 }

// hitLink is an entry of a list of hits.
type hitLink struct {
	hit, next int32
}

// leafSpans adds the spans of rule r's positive leaves to mt: leaf by
// leaf, the hits of each.
func (s *scratch) leafSpans(mt *mention.Match, r *rule) {
	bits := &s.hitBits
	for _, l := range r.spans {
		if p := l.pat; bits[p>>6&(hitWords-1)]&(1<<(p&63)) == 0 {
			continue // most leaves: not hit, decided in a loop that calls nothing
		}
		for h := s.first(l.pat); h >= 0; h = s.next[h] {
			if hh := &s.hits[h]; !l.title || hh.t1 <= s.titleTok {
				s.addSpan(mt, hh.t0, hh.t1)
			}
		}
	}
}

// trigSpans adds the spans of rule ri, a term or an OR of terms (anyHit),
// from the hits that made it a candidate: those are the hits of its
// leaves, so a rule of many leaves is not looked at leaf by leaf. The
// spans come sorted by start; spans with equal starts keep the order in
// which they were added, which here is not leafSpans' order. So when two
// spans share a start, trigSpans empties mt.Spans and reports false, and
// the caller uses leafSpans. The list runs from the last hit to the
// first; the hits are added first to last, so that addSpan appends them
// in order instead of moving every span (without equal starts, the order
// of adding does not change the result).
func (s *scratch) trigSpans(mt *mention.Match, ri int32) bool {
	tl := s.trigList[:0]
	for e := s.rules[ri].trig; e >= 0; e = s.trig[e].next {
		tl = append(tl, s.trig[e].hit)
	}
	s.trigList = tl
	for i := len(tl) - 1; i >= 0; i-- {
		hh := &s.hits[tl[i]]
		s.addSpan(mt, hh.t0, hh.t1)
	}
	for i := 1; i < len(mt.Spans); i++ {
		if mt.Spans[i].Start == mt.Spans[i-1].Start {
			mt.Spans = mt.Spans[:0]
			return false
		}
	}
	return true
}

// addMatch appends a match to v, reusing the Spans of a previous verdict.
func addMatch(v *mention.Verdict, name, topic string, crit bool, w float64) *mention.Match {
	if len(v.Rules) < cap(v.Rules) {
		v.Rules = v.Rules[:len(v.Rules)+1]
		mt := &v.Rules[len(v.Rules)-1]
		*mt = mention.Match{Rule: name, Topic: topic, Criticism: crit, Weight: w, Spans: mt.Spans[:0]}
		return mt
	}
	v.Rules = append(v.Rules, mention.Match{Rule: name, Topic: topic, Criticism: crit, Weight: w})
	return &v.Rules[len(v.Rules)-1]
}

// addSpan adds the original byte range of tokens [t0, t1) unless present,
// keeping the first mention.MaxSpans by start: the spans of a long text
// are bounded, and so is the work of adding one.
func (s *scratch) addSpan(mt *mention.Match, t0, t1 int32) {
	toks := s.nt.toks
	sp := mention.Span{Start: int(toks[t0].ostart), End: int(toks[t1-1].oend)}
	// The spans are sorted by start: one that starts after the last
	// cannot be present and goes at the end (the usual case).
	k := len(mt.Spans)
	if k == 0 || sp.Start > mt.Spans[k-1].Start {
		if k < mention.MaxSpans {
			mt.Spans = append(mt.Spans, sp)
		}
		return
	}
	for _, x := range mt.Spans {
		if x == sp {
			return
		}
	}
	// keep spans sorted by start; when full, the last one gives way
	if k < mention.MaxSpans {
		mt.Spans = append(mt.Spans, sp)
	} else {
		mt.Spans[k-1] = sp
	}
	for i := len(mt.Spans) - 1; i > 0 && mt.Spans[i].Start < mt.Spans[i-1].Start; i-- {
		mt.Spans[i], mt.Spans[i-1] = mt.Spans[i-1], mt.Spans[i]
	}
}

// classifyLong classifies the beginning of a mention longer than a
// mention's limits; the verdict carries the whole mention.
func (c *Classifier) classifyLong(m *mention.Mention, v *mention.Verdict) bool {
	cut := *m
	cut.Title, cut.Text = clipUTF8(m.Title, mention.MaxTitleBytes), clipUTF8(m.Text, mention.MaxTextBytes)
	brand := c.Classify(&cut, v)
	v.Mention = *m
	return brand
}

// clipUTF8 returns the longest prefix of s of at most n bytes that does not
// cut a rune.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// addTopic adds w to the weight of topic (an index into
// Classifier.topics, -1 for none).
func (s *scratch) addTopic(topic int32, w float64) {
	if topic < 0 {
		return
	}
	for i := range s.topics {
		if s.topics[i].topic == topic {
			s.topics[i].w += w
			return
		}
	}
	s.topics = append(s.topics, topicWeight{topic, w, len(s.topics)})
}

// Classify fills v for mention m and reports whether m is a brand mention at
// all (a brand term occurs outside the exclusions; always true when m is
// BrandOnly or no brand terms are configured). It reuses v's slices, so that
// classifying into the same Verdict allocates nothing. v.Classified is not
// touched: the caller owns the clock. Only the first mention.MaxTitleBytes
// of the title and mention.MaxTextBytes of the text are classified.
func (c *Classifier) Classify(m *mention.Mention, v *mention.Verdict) bool {
	if len(m.Text) > mention.MaxTextBytes || len(m.Title) > mention.MaxTitleBytes {
		return c.classifyLong(m, v)
	}
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	s.m = m
	c.scan(s, m)
	langBits, lang := c.langOf(s, m)
	s.lang = lang

	v.V = mention.Version
	v.Mention = *m
	v.Lang = lang
	v.Rules = v.Rules[:0]
	v.Topics = v.Topics[:0]
	s.topics = s.topics[:0]

	brand := (!c.hasBrand || m.BrandOnly || c.isBrand(s)) && !c.isExcluded(s)
	sc := c.score(s, v, langBits)

	// Rules. A rule is a candidate only if the text's state lets it
	// match (its ok bit), checked when its slot is first stamped: the
	// rules it rules out never enter the candidate loop.
	okBit := uint32(1) << textState(langBits, s.titleTok > 0, lang)
	s.cands = s.cands[:0]
	for _, r := range c.always {
		if s.rules[r].ok&okBit != 0 {
			s.cands = append(s.cands, r)
		}
	}
	// One pass over the hits threads the hits of each pattern into a list
	// (heads, next: for first) and collects the candidate rules.
	s.trig = s.trig[:0]
	hits := s.hits
	next := slices.Grow(s.next[:0], len(hits))[:len(hits)]
	s.next = next
	heads, gen := s.heads, s.gen
	hot := c.hot[:len(heads)] // one per pattern, as heads: one bounds check a hit for both
	bits := &s.hitBits
	*bits = [hitWords]uint64{}
	for hi := range hits {
		p := hits[hi].pat
		bits[p>>6&(hitWords-1)] |= 1 << (p & 63)
		hs := &heads[p]
		again := hs.gen == gen // not the pattern's first hit
		if !again {
			*hs = headSlot{gen: gen, h: -1}
		}
		next[hi] = hs.h
		hs.h = int32(hi)
		hp := &hot[p]
		if hp.ruleN == 0 || again && !hp.anyHit {
			continue // its rules are candidates since its first hit
		}
		for _, r := range c.ruleTab[hp.ruleOff:][:hp.ruleN] {
			anyHit := r < 0
			if anyHit {
				r = ^r
			}
			rs := &s.rules[r]
			if rs.gen != gen {
				rs.gen, rs.trig = gen, -1
				if rs.ok&okBit != 0 {
					s.cands = append(s.cands, r)
				}
			}
			if anyHit { // the trigger hits of the others are not needed
				s.trig = append(s.trig, hitLink{hit: int32(hi), next: rs.trig})
				rs.trig = int32(len(s.trig) - 1)
			}
		}
	}
	s.matched = s.matched[:0]
	for _, ri := range s.cands {
		if rs := &s.rules[ri]; rs.anyHit || (rs.need < 0 || s.first(rs.need) >= 0) && (rs.reqN == 0 || s.maybeReq(&rs.ruleHot)) && s.reqMaybe(&rs.reqMasks) && s.eval(&c.evals[ri]) {
			s.matched = append(s.matched, ri)
		}
	}
	// Rule order. The matched rules are usually few: insertion sort,
	// without the call and set-up of slices.Sort.
	if ms := s.matched; len(ms) <= 16 {
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && ms[j] < ms[j-1]; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
	} else {
		slices.Sort(ms)
	}
	sev := mention.SeverityNone
	for _, ri := range s.matched {
		r := &c.rules[ri]
		mt := addMatch(v, r.name, r.topic, r.crit > 0, r.weight)
		mt.TopicOnly = r.crit == 0
		if !r.anyHit || !s.trigSpans(mt, ri) {
			s.leafSpans(mt, r)
		}
		switch r.crit {
		case 1:
			sc.rules += r.weight
			if r.severity.Rank() > sev.Rank() {
				sev = r.severity
			}
		case -1:
			if r.custom {
				sc.minus += r.weight
			} else {
				sc.praise += r.weight
			}
		}
		tw := r.weight
		if r.custom {
			tw *= 2
		}
		if r.crit >= 0 {
			s.addTopic(c.ruleTopic[ri], tw)
		}
	}
	score := sc.total()
	v.Score = round2(score)
	v.Criticism = brand && score >= c.threshold
	v.Severity = mention.SeverityNone
	if v.Criticism {
		v.Severity = c.severity(score, sc.severe, sev, m)
	}
	// Topics, strongest first.
	ts := s.topics
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && (ts[j].w > ts[j-1].w || ts[j].w == ts[j-1].w && ts[j].order < ts[j-1].order); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
	for _, t := range ts {
		v.Topics = append(v.Topics, c.topics[t.topic])
	}
	return brand
}

func round2(f float64) float64 {
	if f < 0 {
		return -round2(-f)
	}
	return float64(int64(f*100+0.5)) / 100
}

func (c *Classifier) severity(score float64, severe int, rule mention.Severity, m *mention.Mention) mention.Severity {
	r := score / c.threshold
	rank := 1
	switch {
	case r >= 4:
		rank = 3
	case r >= 2.2:
		rank = 2
	}
	if severe > 0 {
		rank = max(rank+1, 3)
		if r >= 3 || severe > 1 {
			rank = 4
		}
	}
	e := m.Engagement
	if e.Points+e.Comments+e.Shares+e.Likes/10+e.Views/1000 >= 500 {
		rank++
	}
	rank = max(rank, rule.Rank())
	switch {
	case rank >= 4:
		return mention.SeverityCrisis
	case rank == 3:
		return mention.SeverityHigh
	case rank == 2:
		return mention.SeverityMedium
	}
	return mention.SeverityLow
}
