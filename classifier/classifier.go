package classifier

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// Packs lists the names of the built-in packs.
func Packs() []string { return []string{"de", "en"} }

// DefaultThreshold is the score from which a text counts as criticism when
// config.Rules.Threshold is zero.
const DefaultThreshold = 1.0

type matchMode uint8

const (
	modeExact       matchMode = iota // whole words
	modePrefix                       // the last word may go on
	modeSuffix                       // the first word may start earlier (compound heads)
	modeBrand                        // any token kind, boundaries are any non-letter
	modeBrandPrefix                  // a brand term that may go on: "Flinkwerk*" in #flinkwerkfail
)

// brand reports whether m is a mode of brand terms.
func (m matchMode) brand() bool { return m >= modeBrand }

type roleKind uint8

const (
	roleNone     roleKind = iota
	roleNeg               // criticism cue
	rolePos               // praise cue
	roleThanks            // gratitude: praise only when nothing else complains
	roleNegator           // negates the cue after it
	roleIntens            // strengthens the cue after it
	roleSoft              // weakens the cue after it
	roleContrast          // what follows counts more
	roleIrony             // turns praise into criticism
	roleSevere            // legal, safety or public escalation
	roleStop              // a function word that tells the language
	roleNonNeg            // a phrase that starts with a negator but does not negate ("nicht nur")
	roleFunc              // a function that should work: criticism only when negated ("kommt nicht")
)

// roleNames are the pack sections of the roles.
var roleNames = [...]string{
	roleNeg: "neg", rolePos: "pos", roleThanks: "thanks", roleNegator: "negator", roleIntens: "intens",
	roleSoft: "soft", roleContrast: "contrast", roleIrony: "irony", roleSevere: "severe", roleStop: "stop",
	roleNonNeg: "nonneg", roleFunc: "func",
}

func roleByName(s string) (roleKind, bool) {
	if i := slices.Index(roleNames[:], s); i > int(roleNone) {
		return roleKind(i), true
	}
	return roleNone, false
}

// isCue says whether a role is a cue that scoring weighs over the tokens
// it covers: of two cues over the same tokens only one counts.
func isCue(k roleKind) bool {
	switch k {
	case roleNeg, rolePos, roleThanks, roleIrony, roleFunc:
		return true
	}
	return false
}

// Language bits.
const (
	langDE  uint8 = 1
	langEN  uint8 = 2
	langAll uint8 = langDE | langEN
)

type role struct {
	kind   roleKind
	lang   uint8
	weight float64
}

// A pattern's fields are ordered so that it has no padding between them
// (56 bytes): New makes one per pattern of the packs (~15,000), fresh
// pages that are a page fault each while the daemon starts. Its text is
// Classifier.texts[i], which the Classifier keeps; its units (see
// tokscan.go) are the unit table's (the packs') or the builder's.
type pattern struct {
	roles   []role
	rules   []int32 // rules that can match only if the pattern occurs
	mode    matchMode
	brand   bool
	exclude bool
	// stopOnly: the pattern only tells the language; skipped when the
	// mention says its language.
	stopOnly bool
	ruleLeaf bool // a term of a rule, wherever in the rule
	bytePath bool // searched in the bytes, not by units
}

type nodeKind uint8

const (
	nTerm nodeKind = iota
	nAnd
	nOr
	nNot
	nNear
	nMeta
	nNever // a term that cannot occur in any text
)

const (
	metaAuthor uint8 = iota
	metaSource
	metaLang
)

type leaf struct {
	pat   int32
	title bool
}

type node struct {
	kind        nodeKind
	pat         int32
	title       bool
	kids        []node
	n           int32
	left, right []leaf // NEAR operands
	field       uint8
	val         string
	prefix      bool
}

type rule struct {
	name     string
	topic    string
	crit     int8 // +1 criticism, -1 praise or exclusion, 0 topic only
	weight   float64
	severity mention.Severity
	lang     uint8
	custom   bool
	root     *node  // its tree, while building: nil in a Classifier (see evals)
	spans    []leaf // the positive leaves, for highlighting
	// anyHit: the rule is a term or an OR of terms (no title: scope), so it
	// matches whenever it is a candidate, which only a hit of one of its
	// terms makes it.
	anyHit bool
}

// ruleHot is what the candidate loop needs of a rule, kept apart from the
// rule so that a candidate in another language or an OR of terms is
// decided without touching the rule.
type ruleHot struct {
	// ok has bit textState(...) set for the texts of the states in which
	// the rule can match: its language bits meet the text's, and neither
	// its title: terms (in a text without title) nor its lang:de and
	// lang:en terms (see maybeIn) rule it out.
	ok     uint32
	anyHit bool
	reqN   uint8
	// need is a term of a rule that is an AND (its last operand that is a
	// term), or -1: the rule cannot match unless need occurs, so a
	// candidate without it is dropped before its nodes are read.
	need int32
	// req lists patterns one of which must occur for the rule to match
	// (reqN of them): the right operand of a NEAR that is the rule or one
	// of its AND operands, when it has at most len(req) leaves; or, when
	// that holds every trigger pattern (see betterReq), another such set.
	// A candidate none of whose req passes the filter of the patterns hit
	// is dropped before its nodes are read (they are a cache miss or two
	// away; most custom NEAR rules that a common word makes candidates
	// end here). Five entries make the struct 32 bytes.
	req [5]int32
}

// Classifier decides whether mentions are criticism. It is immutable after
// New and safe for concurrent use; to reload rules, build a new one and swap
// it (for example through an atomic.Pointer).
type Classifier struct {
	tix        *tokIndex
	hot        []hotPat     // per pattern: what its hits need (see hotPat)
	roleTab    []role       // the roles of the patterns, hotPat.roleOff on
	ruleTab    []int32      // the rule lists of the patterns, hotPat.ruleOff on; ^r for a rule r that is anyHit
	stopW      [][2]float64 // function-word weights (de, en), hotPat.stop
	ruleHot    []ruleHot    // per rule: what the candidate loop needs
	evals      []enode      // per rule: its root as eval reads it
	reqMasks   []reqMasks   // per rule: see reqMasks
	bare       *automaton   // over every pattern, built on first use (bareAC)
	bareOnce   sync.Once
	pats       []pattern // while building; nil after New (texts is what matching needs)
	texts      []string  // per pattern: its text (its mode is in hot)
	rules      []rule
	always     []int32 // rules that can match without any of their terms
	topics     []string
	ruleTopic  []int32 // per rule: its topic, an index into topics, or -1
	threshold  float64
	hasBrand   bool
	hasExclude bool
	pool       sync.Pool
}

type builder struct {
	c     *Classifier
	index map[string]int32
	base  *packBase // the packs', when building on them
	// touched lists the packs' patterns that literal returned, which the
	// caller may change.
	touched []int32
	// units are the units of the patterns literal added (the ones from
	// len(base.pats) on).
	units  [][]string
	tmp    normText
	errs   []error
	topics map[string]bool
}

// New compiles the rules and the packs named in rules.Packs ("de", "en").
// Every problem is reported (errors.Join), each a *config.FieldError with a
// path such as "rules.custom[2].query" or "rules.packs[0]".
func New(rules config.Rules, brand config.Brand) (*Classifier, error) {
	c := &Classifier{threshold: rules.Threshold}
	if c.threshold <= 0 {
		c.threshold = DefaultThreshold
	}
	b := &builder{c: c}
	// The packs first, decoded from their compiled form (see loadPacks).
	var names []string
	seen := map[string]bool{}
	for i, name := range rules.Packs {
		name = strings.ToLower(strings.TrimSpace(name))
		if seen[name] {
			continue
		}
		seen[name] = true
		if !slices.Contains(Packs(), name) {
			b.errs = append(b.errs, config.Errorf(fmt.Sprintf("rules.packs[%d]", i), "unknown pack %q (known: %s)", name, strings.Join(Packs(), ", ")))
			continue
		}
		names = append(names, name)
	}
	// The order in which a config lists the packs does not matter: the
	// packs are always loaded in the order of their names (the order of
	// the patterns and rules decides which of two equal cues counts and
	// the order of rules of equal weight), so every combination has one
	// compiled form.
	slices.Sort(names)
	// Room for the patterns this classifier adds: brand terms, and a few
	// per custom rule (more only cost a copy); and for its rules.
	// The packs' rules are still being decoded (see loadPacks): the
	// custom rules are added after them, which only writes past them.
	base, waitRules, err := loadPacks(names, len(brand.Terms)+len(brand.Exclude)+4*len(rules.Custom), len(rules.Custom))
	if err != nil {
		b.errs = append(b.errs, config.Errorf("rules.packs", "%w", err))
		base, waitRules = &packBase{}, func() error { return nil }
	}
	defer func() { _ = waitRules() }() // on every return: nothing writes to base after New
	if cap(base.rules)-len(base.rules) < len(rules.Custom) {
		// Adding would copy the rules being decoded.
		if err := waitRules(); err != nil {
			return nil, config.Errorf("rules.packs", "%w", err)
		}
	}
	c.pats, c.texts, c.rules, c.always, b.topics = base.pats, base.texts, base.rules, base.always, base.topics
	if b.topics == nil {
		b.topics = map[string]bool{}
	}
	// The packs' patterns are found in the base; the ones this
	// classifier adds go to its own index.
	b.base, b.index = base, map[string]int32{}
	brandTerms := func(field string, terms []string, exclude bool) {
		for i, t := range terms {
			name := fmt.Sprintf("brand.%s[%d]", field, i)
			mode := modeBrand
			stem, prefix := strings.CutSuffix(strings.TrimSpace(t), "*")
			switch {
			case strings.Contains(stem, "*"):
				b.errs = append(b.errs, config.Errorf(name, "%q: only a trailing * is understood (Flinkwerk* matches Flinkwerkfail and #flinkwerkfail)", t))
				continue
			case prefix && letters(stem) < MinPrefix:
				b.errs = append(b.errs, config.Errorf(name, "%q: a prefix needs at least %d letters", t, MinPrefix))
				continue
			case prefix:
				mode = modeBrandPrefix
			}
			p, ok := b.literal(stem, mode)
			if !ok {
				b.errs = append(b.errs, config.Errorf(name, "%q has no letters or digits", t))
				continue
			}
			if exclude {
				c.pats[p].exclude, c.hasExclude = true, true
			} else {
				c.pats[p].brand, c.hasBrand = true, true
			}
		}
	}
	brandTerms("terms", brand.Terms, false)
	brandTerms("exclude", brand.Exclude, true)
	for i, r := range rules.Custom {
		b.custom(i, r)
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	// The packs' patterns come finished (see compilePacks): only the
	// ones this classifier added or changed need it.
	finishPatterns(c.pats[len(base.pats):])
	for _, p := range b.touched {
		finishPatterns(c.pats[p : p+1])
	}
	// The word index only reads the patterns: it is built beside the
	// rules' decoding and tables (the longer branch; New is on the
	// daemon's start path, and a reload's).
	var tixErr error
	var wg sync.WaitGroup
	wg.Go(func() { c.tix, tixErr = buildTokIndex(c.pats, c.texts, base.units, b.units) })
	if err := waitRules(); err != nil {
		wg.Wait()
		return nil, config.Errorf("rules.packs", "%w", err)
	}
	for t := range b.topics {
		c.topics = append(c.topics, t)
	}
	slices.Sort(c.topics)
	// Topics are added up by index, not compared as strings, per text
	// (every rule's topic is in c.topics).
	c.ruleTopic = make([]int32, len(c.rules))
	for i := range c.rules {
		c.ruleTopic[i] = -1
		if t := c.rules[i].topic; t != "" {
			k, _ := slices.BinarySearch(c.topics, t)
			c.ruleTopic[i] = int32(k)
		}
	}
	if base.phot != nil {
		// The packs' patterns come with theirs: only the patterns added
		// or changed need it made.
		c.hot, c.roleTab, c.ruleTab, c.stopW = base.phot, base.roleTab, base.ruleTab, base.stopW
		for i := len(c.hot); i < len(c.pats); i++ {
			c.hot = append(c.hot, c.hotOf(i))
		}
		// A pack's pattern that a brand term or custom rule names keeps
		// its roles (so its function-word weights); its flags and rules
		// may have changed.
		slices.Sort(b.touched)
		for _, p := range slices.Compact(b.touched) {
			hp, q := &c.hot[p], &c.pats[p]
			hp.stopOnly, hp.brand, hp.exclude = q.stopOnly, q.brand, q.exclude
			hp.ruleOff, hp.ruleN, hp.anyHit = c.addRules(q.rules)
		}
	} else {
		c.buildHot()
	}
	// The packs' rules come with their tables (see packBase.hot); only
	// the custom rules' are derived here.
	n := len(c.rules) - len(base.evals)
	c.ruleHot, c.evals = slices.Grow(base.hot, n), slices.Grow(base.evals, n)
	for i := len(c.evals); i < len(c.rules); i++ {
		rh, e := ruleTables(&c.rules[i])
		c.ruleHot, c.evals = append(c.ruleHot, rh), append(c.evals, e)
	}
	if wg.Wait(); tixErr != nil {
		return nil, tixErr
	}
	// Derived from the compact nodes and the rule lists of the patterns
	// (which hold each rule's triggers): see reqMasks.
	// Each rule's triggers, in one array (trig[off[r]:off[r+1]], sorted;
	// max(r, ^r) is the rule of an entry of ruleTab, which holds ^r for
	// an anyHit rule r).
	off := make([]int32, len(c.rules)+1)
	for p := range c.hot {
		hp := &c.hot[p]
		for _, r := range c.ruleTab[hp.ruleOff:][:hp.ruleN] {
			off[max(r, ^r)+1]++
		}
	}
	for r := range c.rules {
		off[r+1] += off[r]
	}
	trig, fill := make([]int32, off[len(c.rules)]), slices.Clone(off[:len(c.rules)])
	for p := range c.hot {
		hp := &c.hot[p]
		for _, r := range c.ruleTab[hp.ruleOff:][:hp.ruleN] {
			r = max(r, ^r)
			trig[fill[r]] = int32(p)
			fill[r]++
		}
	}
	c.reqMasks = make([]reqMasks, len(c.rules))
	for i := range c.rules {
		if !c.ruleHot[i].anyHit {
			c.reqMasks[i], _ = reqMasksOf(&c.evals[i], trig[off[i]:off[i+1]])
		}
	}
	// Matching needs a pattern's text (c.texts) and what hot holds: the
	// full table is the builder's.
	c.pats = nil
	// Classifying evaluates the compact nodes: the custom rules' trees
	// were only needed to build them and the candidate tables (the packs'
	// rules come without).
	for i := range c.rules {
		c.rules[i].root = nil
	}
	c.pool.New = func() any { return c.newScratch() }
	return c, nil
}

// ruleTables returns what the candidate loop needs of rule r (see
// ruleHot) and its compact nodes, both derived from its tree.
func ruleTables(r *rule) (ruleHot, enode) {
	rh := ruleHot{anyHit: r.anyHit, need: -1}
	for st := range textStates {
		lb, title, li := stateOf(st)
		if r.lang&lb != 0 && maybeIn(r.root, title, li) != triFalse {
			rh.ok |= 1 << st
		}
	}
	near := func(n *node) {
		if n.kind == nNear && rh.reqN == 0 && len(n.right) <= len(rh.req) {
			for _, l := range n.right {
				rh.req[rh.reqN] = l.pat
				rh.reqN++
			}
		}
	}
	root := r.root
	near(root)
	if root.kind == nAnd {
		for k := range root.kids {
			if root.kids[k].kind == nTerm {
				rh.need = root.kids[k].pat
			}
			near(&root.kids[k])
		}
	}
	betterReq(r, &rh)
	// Only req[:reqN] is read: the rest zero, so that equal rules have
	// equal tables (a blob stores reqN entries).
	clear(rh.req[rh.reqN:])
	return rh, evalNode(root)
}

// finishPatterns derives the stop-only flag of the patterns and sorts
// their rule lists. The lists of the packs' patterns are parts of one
// array, clipped, so that a custom rule added to one copies it; a list is
// only rewritten when it is not strictly increasing, which only such a
// copy can be.
func finishPatterns(pats []pattern) {
	for i := range pats {
		p := &pats[i]
		for k := 1; k < len(p.rules); k++ {
			if p.rules[k] <= p.rules[k-1] {
				slices.Sort(p.rules)
				p.rules = slices.Compact(p.rules)
				break
			}
		}
		p.rules = slices.Clip(p.rules)
		p.roles = slices.Clip(p.roles)
		// A function word that is a rule's term must be seen even when
		// it does not trigger the rule ("paket NEAR/2 der").
		p.stopOnly = len(p.roles) > 0 && len(p.rules) == 0 && !p.ruleLeaf && !p.brand && !p.exclude
		for _, r := range p.roles {
			p.stopOnly = p.stopOnly && r.kind == roleStop
		}
	}
}

// stopWeights returns the weights of the function-word roles of p, German
// and English.
func (p *pattern) stopWeights() (de, en float64) {
	for _, r := range p.roles {
		if r.kind == roleStop {
			switch r.lang {
			case langDE:
				de += r.weight
			case langEN:
				en += r.weight
			}
		}
	}
	return de, en
}

// packBase is the compiled form of a set of packs: compiled from the
// packs' text (compilePacks, in the tests), written as a blob and decoded
// from it (loadPacks) by every New, which then owns it.
type packBase struct {
	pats   []pattern
	texts  []string // per pattern
	rules  []rule
	always []int32
	index  map[string]int32 // a key (see builder.literal) -> its pattern; or
	sorted []int32          // the patterns in the order of their keys (a decoded blob)
	topics map[string]bool
	units  *unitTable // the exact units of pats, numbered
	// Per rule, its candidate table and compact nodes (see ruleTables):
	// New derives them only for the rules it adds. Decoded from a blob,
	// the rules have no trees (root is zero): nothing else needs them.
	hot   []ruleHot
	evals []enode
	// What the hits need of the patterns (see buildHot): a decoded blob
	// has them made (nil otherwise).
	phot    []hotPat
	roleTab []role
	ruleTab []int32
	stopW   [][2]float64
}

// Topics returns every topic any loaded rule can assign, sorted.
func (c *Classifier) Topics() []string { return slices.Clone(c.topics) }

// Threshold returns the score from which a text counts as criticism.
func (c *Classifier) Threshold() float64 { return c.threshold }

// normPattern normalises a pattern's text the way texts are normalised.
// It returns "" when nothing is left, and the kind of the first token.
func (b *builder) normPattern(s string) (string, tokKind) {
	b.tmp.normalize(s)
	if len(b.tmp.toks) == 0 {
		return "", tokWord
	}
	return string(b.tmp.buf), b.tmp.toks[0].kind
}

// literal adds (or finds) the pattern for s with mode.
func (b *builder) literal(s string, mode matchMode) (int32, bool) {
	text, kind := b.normPattern(s)
	if text == "" {
		return 0, false
	}
	units, ok := patUnits(&b.tmp)
	if !mode.brand() && (kind == tokURL || kind == tokHandle) {
		mode = modeBrand
	}
	key := string(rune('0'+mode)) + text
	if p, ok := b.index[key]; ok {
		return p, true
	}
	if b.base != nil {
		if p, ok := b.base.lookup(key); ok {
			b.touched = append(b.touched, p)
			return p, true
		}
	}
	p := int32(len(b.c.pats))
	b.c.pats = append(b.c.pats, pattern{mode: mode, bytePath: mode.brand() || !ok})
	b.units = append(b.units, units)
	b.c.texts = append(b.c.texts, text)
	b.index[key] = p
	return p, true
}

// leafPattern adds the pattern of a term or phrase.
func (b *builder) leafPattern(e Expr) (int32, error) {
	var text string
	mode := modeExact
	switch e := e.(type) {
	case *Term:
		text = e.Text
		if e.Prefix {
			mode = modePrefix
		}
		if e.Suffix {
			mode = modeSuffix
		}
	case *Phrase:
		text = e.Text
		if e.Prefix {
			mode = modePrefix
		}
	default:
		return 0, &SyntaxError{e.Column(), "expected a term or phrase"}
	}
	p, ok := b.literal(text, mode)
	if !ok {
		return 0, &SyntaxError{e.Column(), fmt.Sprintf("%s has no letters, digits or emoji", e)}
	}
	return p, nil
}

// compile turns an expression into a node. ruleIdx is registered with every
// pattern so that the rule is evaluated when the pattern occurs.
func (b *builder) compile(e Expr, ruleIdx int32, title bool, neg bool, spans *[]leaf) (node, error) {
	switch e := e.(type) {
	case *Term, *Phrase:
		p, err := b.leafPattern(e)
		if err != nil {
			return node{}, err
		}
		b.c.pats[p].ruleLeaf = true
		if !neg {
			*spans = append(*spans, leaf{p, title})
		}
		return node{kind: nTerm, pat: p, title: title}, nil
	case *And, *Or:
		var xs []Expr
		k := nAnd
		if a, ok := e.(*And); ok {
			xs = a.X
		} else {
			xs = e.(*Or).X
			k = nOr
		}
		n := node{kind: k}
		for _, x := range xs {
			kid, err := b.compile(x, ruleIdx, title, neg, spans)
			if err != nil {
				return node{}, err
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	case *Not:
		kid, err := b.compile(e.X, ruleIdx, title, !neg, spans)
		if err != nil {
			return node{}, err
		}
		return node{kind: nNot, kids: []node{kid}}, nil
	case *Near:
		n := node{kind: nNear, n: int32(e.N)}
		var err error
		if n.left, err = b.leaves(e.X, ruleIdx, title, neg, spans); err != nil {
			return node{}, err
		}
		if n.right, err = b.leaves(e.Y, ruleIdx, title, neg, spans); err != nil {
			return node{}, err
		}
		return n, nil
	case *Field:
		if e.Name == "title" {
			return b.compile(e.X, ruleIdx, true, neg, spans)
		}
		t := e.X.(*Term)
		n := node{kind: nMeta, val: strings.ToLower(t.Text), prefix: t.Prefix}
		switch e.Name {
		case "author":
			n.field = metaAuthor
		case "source":
			n.field = metaSource
		case "lang":
			n.field = metaLang
		}
		return n, nil
	}
	return node{}, &SyntaxError{e.Column(), "unsupported expression"}
}

func (b *builder) leaves(e Expr, ruleIdx int32, title, neg bool, spans *[]leaf) ([]leaf, error) {
	switch x := e.(type) {
	case *Term, *Phrase:
		p, err := b.leafPattern(x)
		if err != nil {
			return nil, err
		}
		b.c.pats[p].ruleLeaf = true
		if !neg {
			*spans = append(*spans, leaf{p, title})
		}
		return []leaf{{p, title}}, nil
	case *Or:
		var out []leaf
		for _, y := range x.X {
			l, err := b.leaves(y, ruleIdx, title, neg, spans)
			if err != nil {
				return nil, err
			}
			out = append(out, l...)
		}
		return out, nil
	case *Field:
		return b.leaves(x.X, ruleIdx, true, neg, spans)
	}
	return nil, &SyntaxError{e.Column(), "NEAR joins terms, phrases and OR-groups of them only"}
}

// triggers returns patterns of which at least one must occur for n to
// match, and false when n can match without any pattern (NOT x, lang:de).
// For AND it picks the operand with the fewest patterns, so that a rule is
// looked at only when its rarest requirement occurs.
func triggers(n *node) ([]int32, bool) {
	switch n.kind {
	case nTerm:
		return []int32{n.pat}, true
	case nNear:
		var out []int32
		for _, l := range n.left {
			out = append(out, l.pat)
		}
		return out, true
	case nOr:
		var out []int32
		for i := range n.kids {
			t, ok := triggers(&n.kids[i])
			if !ok {
				return nil, false
			}
			out = append(out, t...)
		}
		return out, true
	case nAnd:
		var best []int32
		found := false
		for i := range n.kids {
			if t, ok := triggers(&n.kids[i]); ok && (!found || len(t) < len(best)) {
				best, found = t, true
			}
		}
		return best, found
	}
	return nil, false
}

// anyTerm reports whether n is a term or an OR of terms, none of them
// restricted to the title.
func anyTerm(n *node) bool {
	switch n.kind {
	case nTerm:
		return !n.title
	case nOr:
		for i := range n.kids {
			if k := &n.kids[i]; k.kind != nTerm || k.title {
				return false
			}
		}
		return len(n.kids) > 0
	}
	return false
}

// addRule compiles and registers a rule.
func (b *builder) addRule(r rule, query string) error {
	e, err := Parse(query)
	if err != nil {
		return err
	}
	idx := int32(len(b.c.rules))
	root, err := b.compile(e, idx, false, false, &r.spans)
	if err != nil {
		return err
	}
	r.root = &root
	r.anyHit = anyTerm(r.root)
	b.c.rules = append(b.c.rules, r)
	if t, ok := triggers(b.c.rules[idx].root); ok {
		for _, p := range t {
			b.c.pats[p].rules = append(b.c.pats[p].rules, idx)
		}
	} else {
		b.c.always = append(b.c.always, idx)
	}
	if r.topic != "" {
		b.topics[r.topic] = true
	}
	return nil
}

func (b *builder) custom(i int, cr config.Rule) {
	path := fmt.Sprintf("rules.custom[%d]", i)
	r := rule{name: cr.Name, topic: cr.Topic, weight: cr.Weight, lang: langAll, custom: true}
	if r.name == "" {
		r.name = path
	}
	if r.weight == 0 {
		r.weight = 1
	}
	if r.weight < 0 {
		b.errs = append(b.errs, config.Errorf(path+".weight", "must not be negative (use criticism: false to lower the score)"))
		return
	}
	if cr.Criticism != nil {
		r.crit = -1
		if *cr.Criticism {
			r.crit = 1
		}
	}
	sev, err := mention.ParseSeverity(cr.Severity)
	if err != nil {
		b.errs = append(b.errs, config.Errorf(path+".severity", "%w", err))
		return
	}
	r.severity = sev
	if err := b.addRule(r, cr.Query); err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			b.errs = append(b.errs, config.Errorf(path+".query", "column %d: %s", se.Col, se.Msg))
		} else {
			b.errs = append(b.errs, config.Errorf(path+".query", "%w", err))
		}
	}
}

// pack loads a built-in pack. The format is line based:
//
//	[neg]                    a section: neg, pos, thanks, irony, severe (weighted);
//	1.5 *katastrophe         negator, intens, soft, contrast, stop (no weight)
//	[rule]
//	name | topic | + | 1.2 | query       (+ criticism, - praise, = topic only)
func (b *builder) pack(name, src string) error {
	var lang uint8
	switch name {
	case "de":
		lang = langDE
	case "en":
		lang = langEN
	}
	section := ""
	var errs []error
	ruleLine := map[string]int{} // rule name -> the line that named it
	for ln, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			section = line[1 : len(line)-1]
			if _, ok := roleByName(section); !ok && section != "rule" {
				errs = append(errs, fmt.Errorf("line %d: unknown section %q", ln+1, section))
			}
			continue
		}
		if section == "rule" {
			// Verdicts name the rules that matched: two with one name
			// could not be told apart.
			rn, _, _ := strings.Cut(line, "|")
			rn = strings.TrimSpace(rn)
			if first, ok := ruleLine[rn]; ok {
				errs = append(errs, fmt.Errorf("line %d: rule %q already named on line %d", ln+1, rn, first))
				continue
			}
			ruleLine[rn] = ln + 1
		}
		if err := b.packLine(name, lang, section, line); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", ln+1, err))
		}
	}
	return errors.Join(errs...)
}

func (b *builder) packLine(pack string, lang uint8, section, line string) error {
	if section == "rule" {
		f := strings.SplitN(line, "|", 5)
		if len(f) != 5 {
			return fmt.Errorf("want name | topic | +/-/= | weight | query")
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		w, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			return fmt.Errorf("weight %q: %w", f[3], err)
		}
		r := rule{name: pack + ":" + f[0], topic: f[1], weight: w, lang: lang}
		switch f[2] {
		case "+":
			r.crit = 1
		case "-":
			r.crit = -1
		case "=":
		default:
			return fmt.Errorf("criticism %q: want +, - or =", f[2])
		}
		return b.addRule(r, f[4])
	}
	kind, ok := roleByName(section)
	if !ok {
		return fmt.Errorf("line outside a known section")
	}
	w := 1.0
	switch kind {
	case roleNeg, rolePos, roleThanks, roleIrony, roleSevere, roleFunc:
		sp := strings.IndexByte(line, ' ')
		if sp < 0 {
			return fmt.Errorf("want a weight and a term")
		}
		var err error
		if w, err = strconv.ParseFloat(line[:sp], 64); err != nil {
			return fmt.Errorf("weight %q: %w", line[:sp], err)
		}
		line = strings.TrimSpace(line[sp+1:])
	}
	e, err := parseCue(line)
	if err != nil {
		return err
	}
	p, err := b.leafPattern(e)
	if err != nil {
		return err
	}
	for _, r := range b.c.pats[p].roles {
		if r.kind == kind && r.lang == lang {
			return fmt.Errorf("%s listed twice in [%s]", e, section)
		}
		// Scoring would count only one of the two (the other would be
		// dead weight that looks alive).
		if r.lang&lang != 0 && isCue(r.kind) && isCue(kind) {
			return fmt.Errorf("%s is in [%s] already: a term counts in only one of [neg], [pos], [thanks], [irony] and [func]", e, roleNames[r.kind])
		}
	}
	b.c.pats[p].roles = append(b.c.pats[p].roles, role{kind: kind, lang: lang, weight: w})
	return nil
}

// The state of a text, as far as the candidate loop tells rules apart by
// it: its language bits (langDE, langEN or langAll), whether it has a
// title (of at least one token), and whether its language (Verdict.Lang)
// is "de", "en" or another.
const textStates = 3 * 2 * 3

func textState(langBits uint8, title bool, lang string) uint {
	st := uint(langBits-1) * 6
	if title {
		st += 3
	}
	switch lang {
	case "de":
		st++
	case "en":
		st += 2
	}
	return st
}

func stateOf(st int) (langBits uint8, title bool, li int) {
	return uint8(st/6 + 1), st%6 >= 3, st % 3
}

const (
	triFalse = iota
	triTrue
	triMaybe
)

// maybeIn evaluates node n as far as the state of the text tells (title:
// whether the text has a title; li: its language is "de" (1), "en" (2) or
// another (0)): triFalse when n cannot be true in such a text, triTrue
// when it is true in every such text, triMaybe when it depends on the
// hits. It follows eval: a title: term has no hit in a text without
// title, and a lang:de or lang:en term compares the language.
func maybeIn(n *node, title bool, li int) int {
	switch n.kind {
	case nTerm:
		if n.title && !title {
			return triFalse
		}
		return triMaybe
	case nAnd:
		r := triTrue
		for i := range n.kids {
			switch maybeIn(&n.kids[i], title, li) {
			case triFalse:
				return triFalse
			case triMaybe:
				r = triMaybe
			}
		}
		return r
	case nOr:
		r := triFalse
		for i := range n.kids {
			switch maybeIn(&n.kids[i], title, li) {
			case triTrue:
				return triTrue
			case triMaybe:
				r = triMaybe
			}
		}
		return r
	case nNot:
		switch maybeIn(&n.kids[0], title, li) {
		case triFalse:
			return triTrue
		case triTrue:
			return triFalse
		}
		return triMaybe
	case nNear:
		if !title && (allTitle(n.left) || allTitle(n.right)) {
			return triFalse
		}
		return triMaybe
	case nMeta:
		if n.field == metaLang && !n.prefix && (n.val == "de" || n.val == "en") {
			if n.val == "de" && li == 1 || n.val == "en" && li == 2 {
				return triTrue
			}
			return triFalse
		}
		return triMaybe
	}
	return triMaybe
}

// allTitle reports whether every leaf of ls is a title: term (true for
// none: a NEAR operand without leaves has no hit either).
func allTitle(ls []leaf) bool {
	for _, l := range ls {
		if !l.title {
			return false
		}
	}
	return true
}

// betterReq replaces rh.req, when it is empty or holds every trigger
// pattern of rule r (it then passes whenever r is a candidate), by the
// smallest set of up to len(rh.req) patterns of which one must occur for r
// to match and which does not hold every trigger pattern: an operand of a
// NEAR that is r or an operand of an AND that is r, or another operand of
// that AND which is a term or an OR of terms (other than rh.need).
func betterReq(r *rule, rh *ruleHot) {
	if r.anyHit {
		return
	}
	trig, ok := triggers(r.root)
	if !ok || rh.reqN > 0 && !isSubset(trig, rh.req[:rh.reqN]) {
		return
	}
	var best []int32
	try := func(set []int32) {
		if len(set) == 0 || len(set) > len(rh.req) || isSubset(trig, set) ||
			len(set) == 1 && set[0] == rh.need || best != nil && len(set) >= len(best) {
			return
		}
		best = set
	}
	near := func(n *node) {
		for _, ls := range [][]leaf{n.left, n.right} {
			set := make([]int32, len(ls))
			for i, l := range ls {
				set[i] = l.pat
			}
			try(set)
		}
	}
	switch root := r.root; root.kind {
	case nNear:
		near(root)
	case nAnd:
		for k := range root.kids {
			switch kid := &root.kids[k]; kid.kind {
			case nNear:
				near(kid)
			case nTerm, nOr:
				if t, ok := triggers(kid); ok {
					try(t)
				}
			}
		}
	}
	if best != nil {
		rh.reqN = uint8(copy(rh.req[:], best))
	}
}

// isSubset reports whether every element of a is in b.
func isSubset(a, b []int32) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
