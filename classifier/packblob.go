package classifier

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/earshot/earshot/mention"
)

// The built-in packs ship compiled: packs/<names>.bin holds the packBase
// that compilePacks makes of the packs named (sorted, joined by "-"), one
// blob for every combination a config can name, written by `go generate`
// (TestPackBlobs with -update-packs) and checked against the packs' text
// by the same test, so it cannot drift from them. Only the blobs are in
// the binary: the packs' text is read from packs/*.txt by the tests and
// the generator. Decoding a blob takes a fraction of compiling the text
// (BenchmarkLoadPacks), and every New gets a base of its own, so none is
// kept for the process's life.
//
//go:generate go test -run ^TestPackBlobs$ -update-packs

// The blobs, one variable each: embedding them as strings keeps them in
// the binary's read-only data, and the patterns' texts point into it.
var (
	//go:embed packs/de-en.bin
	blobDeEn string
	//go:embed packs/de.bin
	blobDe string
	//go:embed packs/en.bin
	blobEn string

	blobs = map[string]*string{"packs/de-en.bin": &blobDeEn, "packs/de.bin": &blobDe, "packs/en.bin": &blobEn}
)

// blobMagic starts every blob; the number is the format's version.
const blobMagic = "earshot packs 3\n"

// blobName is the file of the blob of the packs names.
func blobName(names []string) string { return "packs/" + strings.Join(names, "-") + ".bin" }

// loadPacks decodes the compiled form of the named packs (sorted, see
// New) from their blob; the caller owns it. extra and extraRules are room
// for the patterns and rules the caller will add. It returns once the
// patterns are read: the caller calls wait before it reads base's rules,
// hot or evals (see startDecode).
func loadPacks(names []string, extra, extraRules int) (base *packBase, wait func() error, err error) {
	if len(names) == 0 {
		return &packBase{}, func() error { return nil }, nil
	}
	blob, ok := blobs[blobName(names)]
	if !ok {
		return nil, nil, fmt.Errorf("the packs %s have no compiled form (%s)", strings.Join(names, ", "), blobName(names))
	}
	name := blobName(names)
	base, w, err := startDecode(*blob, extra, extraRules)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return base, func() error {
		if err := w(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}, nil
}

// lookup finds the pattern of key (the mode's digit and the normalised
// text, as builder.literal makes it) in the base.
func (pb *packBase) lookup(key string) (int32, bool) {
	if pb.index != nil {
		p, ok := pb.index[key]
		return p, ok
	}
	i, ok := slices.BinarySearchFunc(pb.sorted, key, func(p int32, key string) int {
		return patKeyCmp(pb.texts[p], pb.pats[p].mode, key)
	})
	if !ok {
		return 0, false
	}
	return pb.sorted[i], true
}

// patKeyCmp compares a pattern's key (see lookup) with key.
func patKeyCmp(text string, mode matchMode, key string) int {
	if key == "" {
		return 1
	}
	if m := byte('0' + mode); m != key[0] {
		if m < key[0] {
			return -1
		}
		return 1
	}
	return strings.Compare(text, key[1:])
}

// encodePacks writes base in the blob format. The format is a sequence of
// unsigned varints (signed values zig-zag, floats with their bytes
// reversed so that round numbers are short) and strings (a length, then
// the bytes, which the decoder slices out of the blob without copying).
//
// After the magic come the totals of the tables' parts, so that the
// decoder allocates each kind of part once, and where the rules start and
// where the second half of the patterns starts (see blobSplit): the blob
// is decoded on two goroutines, one the first half of the patterns, the
// other the second half, then the rules (which New needs last). The
// patterns' exact units are numbers into the sorted list of them (the
// unit table), the others are strings; their rule lists say which rules
// are anyHit (so the decoder makes the hits' tables, see buildHot). The
// rules carry what New would derive from their trees (their candidate
// tables and compact nodes, see ruleTables) instead of the trees.
func encodePacks(base *packBase) []byte {
	var e blobEncoder
	e.b = append(e.b, blobMagic...)
	ut := base.units // the patterns' units are only there
	hot, evals := base.hot, base.evals
	if hot == nil {
		hot, evals = make([]ruleHot, len(base.rules)), make([]enode, len(base.rules))
		for i := range base.rules {
			hot[i], evals[i] = ruleTables(&base.rules[i])
		}
	}
	var n blobCounts
	n[cPats], n[cRules], n[cKeys] = len(base.pats), len(base.rules), len(ut.keys)
	n[cUnits], n[cTexts] = len(ut.uids), len(ut.texts)
	for i := range base.pats {
		p := &base.pats[i]
		n[cRoles] += len(p.roles)
		n[cRefs] += len(p.rules)
		if de, en := p.stopWeights(); de != 0 || en != 0 {
			n[cStops]++
		}
	}
	var countNodes func(n *enode, spans []leaf)
	countNodes = func(en *enode, spans []leaf) {
		n[cEnodes] += len(en.kids)
		for _, ls := range [][]leaf{en.leaves, en.right} {
			if inSpans(spans, ls) < 0 {
				n[cLeaves] += len(ls)
			}
		}
		if en.meta != nil {
			n[cMetas]++
		}
		for k := range en.kids {
			countNodes(&en.kids[k], spans)
		}
	}
	for i := range base.rules {
		n[cLeaves] += len(base.rules[i].spans)
		countNodes(&evals[i], base.rules[i].spans)
	}
	for _, k := range n {
		e.uint(uint64(k))
	}
	splitAt := len(e.b)
	e.b = append(e.b, make([]byte, 4*nSplit)...)
	start := len(e.b)
	topics := make([]string, 0, len(base.topics))
	for t := range base.topics {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	e.strings(topics)
	e.int32s(base.always)
	e.strings(ut.keys)
	var at []blobSplit // where each pattern starts, and where they end
	var sp blobSplit
	for i := range base.pats {
		p := &base.pats[i]
		at = append(at, sp)
		at[i][sByte] = len(e.b)
		uids := ut.uids[ut.start[i]:ut.start[i+1]]
		sp[sPat]++
		sp[sRoles] += len(p.roles)
		sp[sRefs] += len(p.rules)
		sp[sUnits] += len(uids)
		if de, en := p.stopWeights(); de != 0 || en != 0 {
			sp[sStops]++
		}
		e.str(base.texts[i])
		e.b = append(e.b, byte(p.mode), flags(p.brand, p.exclude, p.stopOnly, p.ruleLeaf, p.bytePath))
		e.uint(uint64(len(p.roles)))
		for _, r := range p.roles {
			e.b = append(e.b, byte(r.kind), r.lang)
			e.float(r.weight)
		}
		// A rule's number times 2, plus 1 when it is anyHit (see
		// Classifier.ruleTab).
		e.uint(uint64(len(p.rules)))
		for _, r := range p.rules {
			any := r >= 0 && int(r) < len(base.rules) && base.rules[r].anyHit // (a damaged base in the tests)
			e.uint(uint64(r)<<1 | uint64(flags(any)))
		}
		e.uint(uint64(len(uids)))
		for _, k := range uids {
			// An exact unit is its number + 1; another, 0 and its text.
			if k >= 0 {
				e.uint(uint64(k) + 1)
			} else {
				e.uint(0)
				e.str(ut.texts[^k])
				sp[sTexts]++
			}
		}
	}
	at = append(at, sp)
	at[len(base.pats)][sByte] = len(e.b)
	// The patterns in the order of their keys, for lookup.
	sorted := make([]int32, len(base.pats))
	for i := range sorted {
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, func(a, b int32) int {
		pa, pb := &base.pats[a], &base.pats[b]
		if pa.mode != pb.mode {
			return int(pa.mode) - int(pb.mode)
		}
		return strings.Compare(base.texts[a], base.texts[b])
	})
	e.int32s(sorted)
	rulesAt := len(e.b)
	for i := range base.rules {
		r := &base.rules[i]
		e.str(r.name)
		e.str(r.topic)
		e.str(string(r.severity))
		e.b = append(e.b, byte(r.crit), r.lang, flags(r.custom, r.anyHit))
		e.float(r.weight)
		e.leaves(r.spans)
		h := &hot[i]
		e.uint(uint64(h.ok))
		e.b = append(e.b, flags(h.anyHit), h.reqN)
		e.int(int64(h.need))
		for _, p := range h.req[:h.reqN] {
			e.int(int64(p))
		}
		e.enode(&evals[i], r.spans)
	}
	// The first goroutine decodes up to the pattern that starts nearest
	// the middle of the patterns (or all of them), the second the rest,
	// then the rules.
	mid := start + (rulesAt-start)/2
	i := 0
	for i < len(base.pats) && at[i][sByte] < mid {
		i++
	}
	sp = at[i]
	sp[sRules] = rulesAt
	for k, v := range sp {
		binary.LittleEndian.PutUint32(e.b[splitAt+4*k:], uint32(v))
	}
	return e.b
}

// blobSplit is where the part of the blob that the second goroutine
// decodes starts: the byte and the numbers of patterns, roles, rule
// numbers, units and units' texts before it; and where the rules start.
// Each is 4 bytes, little-endian, after the totals.
type blobSplit [nSplit]int

const (
	sByte = iota
	sPat
	sRoles
	sRefs
	sUnits
	sTexts
	sStops
	sRules
	nSplit
)

// The totals at the start of a blob.
const (
	cPats = iota
	cRoles
	cRefs  // rule numbers of the patterns
	cUnits // units of the patterns
	cTexts // units that are not exact (by text)
	cStops // patterns with function-word weights
	cKeys  // exact units (the unit table)
	cRules
	cEnodes // compact nodes below the rules' roots
	cLeaves // of the nodes and the rules' spans
	cMetas  // meta nodes (author:, source:, lang:)
	nCounts
)

type blobCounts [nCounts]int

func flags(bs ...bool) byte {
	var f byte
	for i, b := range bs {
		if b {
			f |= 1 << i
		}
	}
	return f
}

type blobEncoder struct{ b []byte }

func (e *blobEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *blobEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *blobEncoder) float(f float64) {
	e.uint(bits.ReverseBytes64(math.Float64bits(f)))
}
func (e *blobEncoder) str(s string) { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *blobEncoder) strings(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}
func (e *blobEncoder) int32s(xs []int32) {
	e.uint(uint64(len(xs)))
	for _, x := range xs {
		e.int(int64(x))
	}
}
func (e *blobEncoder) leaves(ls []leaf) {
	e.uint(uint64(len(ls)))
	for _, l := range ls {
		e.int(int64(l.pat))
		e.b = append(e.b, flags(l.title))
	}
}

// inSpans returns where the leaves ls are a run of the leaves spans, or
// -1 (and for none).
func inSpans(spans, ls []leaf) int {
	for i := 0; len(ls) > 0 && i+len(ls) <= len(spans); i++ {
		if slices.Equal(spans[i:i+len(ls)], ls) {
			return i
		}
	}
	return -1
}

// enode writes a rule's compact node; spans are the rule's. A node's
// leaves are mostly a run of the rule's spans (a NEAR's operands, an OR
// of terms): such a list is written as where the run starts (its length
// times 2, plus 1), the others leaf by leaf (the length times 2).
func (e *blobEncoder) enode(n *enode, spans []leaf) {
	e.b = append(e.b, byte(n.kind), flags(n.title, n.meta != nil))
	e.int(int64(n.pat))
	e.int(int64(n.n))
	for _, ls := range [][]leaf{n.leaves, n.right} {
		if i := inSpans(spans, ls); i >= 0 {
			e.uint(uint64(len(ls))<<1 | 1)
			e.uint(uint64(i))
			continue
		}
		e.uint(uint64(len(ls)) << 1)
		for _, l := range ls {
			e.int(int64(l.pat))
			e.b = append(e.b, flags(l.title))
		}
	}
	if n.meta != nil {
		m := n.meta
		if m.kind != nMeta || m.pat != 0 || m.n != 0 || m.title || m.kids != nil || m.left != nil || m.right != nil {
			panic("classifier: a meta node with more than a field, a value and prefix")
		}
		e.b = append(e.b, m.field, flags(m.prefix))
		e.str(m.val)
	}
	e.uint(uint64(len(n.kids)))
	for k := range n.kids {
		e.enode(&n.kids[k], spans)
	}
}

// blobDecoder reads a part of a blob; the first problem stops it (err).
type blobDecoder struct {
	s   string
	off int
	err error
	// The numbers of patterns and rules, which every reference must be
	// below, so that a damaged blob cannot make the matcher index out of
	// range.
	nPats, nRules int32
	// The patterns' units (see unitTable): the decoder's part of uids
	// and of texts, and where they start in the whole.
	uids       []int32
	texts      []string
	uoff, toff int32
	// The patterns' hot tables (see buildHot): the decoder's part of
	// them, and where its roles, rules and weights start in the whole.
	hot                      []hotPat
	rtab                     []int32
	stops                    [][2]float64
	roleOff, refOff, stopOff int32
	// The parts of the tables, allocated once and handed out in order.
	roles   []role
	refs    []int32
	enodes  []enode
	leafArr []leaf
	metas   []node
	spans   []leaf // of the rule being read
}

var errBlob = errors.New("truncated or corrupt")

// decodePacks reads a blob written by encodePacks, with room for extra
// more patterns and extraRules more rules.
func decodePacks(blob string, extra, extraRules int) (*packBase, error) {
	base, wait, err := startDecode(blob, extra, extraRules)
	if err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	return base, nil
}

// startDecode is decodePacks returning once the patterns are read: wait
// waits for the rules (base.rules, hot and evals) and returns what went
// wrong with them; nothing else in base changes meanwhile. Strings are
// slices of blob. The first half of the patterns is decoded on the
// calling goroutine; the second half, then the rules, on another.
func startDecode(blob string, extra, extraRules int) (*packBase, func() error, error) {
	if !strings.HasPrefix(blob, blobMagic) {
		return nil, nil, errors.New("not a packs blob of this version")
	}
	h := &blobDecoder{s: blob, off: len(blobMagic)}
	var n blobCounts
	for i := range n {
		n[i] = h.count()
	}
	if h.off+4*nSplit > len(blob) || h.err != nil || n[cPats] > math.MaxInt32 || n[cRules] > math.MaxInt32 {
		return nil, nil, errBlob
	}
	var sp blobSplit
	for k := range sp {
		sp[k] = int(binary.LittleEndian.Uint32([]byte(blob[h.off+4*k:])))
	}
	start := h.off + 4*nSplit
	if sp[sByte] < start || sp[sRules] < sp[sByte] || sp[sRules] > len(blob) ||
		sp[sPat] > n[cPats] || sp[sRoles] > n[cRoles] || sp[sRefs] > n[cRefs] || sp[sUnits] > n[cUnits] || sp[sTexts] > n[cTexts] || sp[sStops] > n[cStops] ||
		n[cUnits] > math.MaxInt32 || n[cTexts] > math.MaxInt32 {
		return nil, nil, errBlob
	}
	base := &packBase{pats: make([]pattern, n[cPats], n[cPats]+max(extra, 0)), texts: make([]string, n[cPats], n[cPats]+max(extra, 0)),
		rules: make([]rule, n[cRules], n[cRules]+max(extraRules, 0)), topics: map[string]bool{},
		hot: make([]ruleHot, n[cRules], n[cRules]+max(extraRules, 0)), evals: make([]enode, n[cRules], n[cRules]+max(extraRules, 0))}
	np, nr := int32(n[cPats]), int32(n[cRules])
	roles, refs := make([]role, n[cRoles]), make([]int32, n[cRefs])
	// What the hits need of the patterns (see buildHot) is made here too.
	base.phot = make([]hotPat, n[cPats], n[cPats]+max(extra, 0))
	// (The rule lists have room for the custom rules', which New adds.)
	base.roleTab, base.ruleTab, base.stopW = roles, make([]int32, n[cRefs], n[cRefs]+max(extra, 0)), make([][2]float64, n[cStops])
	ut := &unitTable{count: make([]int32, n[cKeys]), uids: make([]int32, n[cUnits]), texts: make([]string, n[cTexts]),
		start: make([]int32, n[cPats]+1), npats: n[cPats]}
	// The two halves of the patterns, each with its part of the arenas.
	p1 := &blobDecoder{s: blob[:sp[sByte]], off: start, nPats: np, nRules: nr,
		roles: roles[:sp[sRoles]], refs: refs[:sp[sRefs]], uids: ut.uids[:sp[sUnits]], texts: ut.texts[:sp[sTexts]],
		rtab: base.ruleTab[:sp[sRefs]], stops: base.stopW[:sp[sStops]], hot: base.phot[:sp[sPat]]}
	p2 := &blobDecoder{s: blob[:sp[sRules]], off: sp[sByte], nPats: np, nRules: nr,
		roles: roles[sp[sRoles]:], refs: refs[sp[sRefs]:], uids: ut.uids[sp[sUnits]:], texts: ut.texts[sp[sTexts]:],
		uoff: int32(sp[sUnits]), toff: int32(sp[sTexts]),
		rtab: base.ruleTab[sp[sRefs]:], stops: base.stopW[sp[sStops]:], hot: base.phot[sp[sPat]:],
		roleOff: int32(sp[sRoles]), refOff: int32(sp[sRefs]), stopOff: int32(sp[sStops])}
	rd := &blobDecoder{s: blob, off: sp[sRules], nPats: np, nRules: nr,
		enodes: make([]enode, n[cEnodes]), leafArr: make([]leaf, n[cLeaves]), metas: make([]node, n[cMetas])}
	count2 := make([]int32, n[cKeys]) // the second half's counts of the units
	// Both counts are added to at random: touched in order first (on a
	// fresh page a read maps the zero page, and the write faults again).
	clear(ut.count)
	clear(count2)
	keysRead := make(chan struct{})
	half := make(chan struct{}) // the second half decoded
	rulesRead := make(chan struct{})
	go func() {
		defer close(rulesRead)
		func() {
			defer close(half)
			<-keysRead
			if len(ut.keys) != n[cKeys] {
				p2.fail() // the first half failed before the keys
				return
			}
			p2.patterns(base.pats[sp[sPat]:], base.texts[sp[sPat]:], ut.keys, ut.start[sp[sPat]+1:], count2)
			base.sorted = p2.refList(nil, np)
		}()
		rd.rules(base)
	}()
	// wait waits for the rules and reports what went wrong with them.
	wait := func() error {
		<-rulesRead
		if rd.err == nil && rd.off != len(rd.s) {
			rd.err = errBlob
		}
		if rd.err == nil {
			// The rule lists of the hits say which rules are anyHit:
			// so do the rules.
			for j, r := range refs {
				if (base.ruleTab[j] < 0) != base.rules[r].anyHit {
					rd.err = errBlob
					break
				}
			}
		}
		return rd.err
	}
	func() {
		defer close(keysRead)
		for _, t := range p1.strings() {
			base.topics[t] = true
		}
		base.always = p1.refList(nil, nr)
		keys := p1.strings()
		if len(keys) != n[cKeys] {
			p1.fail()
			return
		}
		// The units sorted: unitTable.find relies on it.
		for k := 1; k < len(keys); k++ {
			if keys[k-1] >= keys[k] {
				p1.fail()
				return
			}
		}
		ut.keys = keys
	}()
	p1.patterns(base.pats[:sp[sPat]], base.texts[:sp[sPat]], ut.keys, ut.start[1:sp[sPat]+1], ut.count)
	<-half
	fail := func(err error) (*packBase, func() error, error) {
		wait() // nothing may still write to base
		return nil, nil, err
	}
	for _, d := range []*blobDecoder{p1, p2} {
		if d.err == nil && d.off != len(d.s) {
			d.err = errBlob
		}
		if d.err != nil {
			return fail(d.err)
		}
	}
	// Each part used exactly its part of the units, rule numbers and
	// function-word weights.
	if len(base.sorted) != len(base.pats) || p1.uoff != int32(sp[sUnits]) || len(p1.texts) > 0 || len(p2.uids) > 0 || len(p2.texts) > 0 ||
		p1.refOff != int32(sp[sRefs]) || len(p2.refs) > 0 || len(p1.stops) > 0 || len(p2.stops) > 0 || p1.roleOff != int32(sp[sRoles]) || len(p2.roles) > 0 {
		return fail(errBlob)
	}
	// Every unit used by a pattern.
	for k, c := range count2 {
		if ut.count[k] += c; ut.count[k] == 0 {
			return fail(errBlob)
		}
	}
	base.units = ut
	return base, wait, nil
}

// patterns reads pats, whose units go to d.uids and d.texts and are
// counted in count; ends[i] is where the units of pats[i] end. keys are
// the exact units. The patterns' units fields stay nil.
func (d *blobDecoder) patterns(pats []pattern, texts, keys []string, ends, count []int32) {
	if d.err != nil {
		return
	}
	nKeys := uint64(len(keys))
	for i := range pats {
		p := &pats[i]
		texts[i] = d.str()
		p.mode = matchMode(d.byte())
		f := d.byte()
		p.brand, p.exclude, p.stopOnly, p.ruleLeaf, p.bytePath = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0, f&16 != 0
		text := texts[i]
		hp := hotPat{plen: int32(len(text)), stop: -1, stopOnly: p.stopOnly, brand: p.brand, exclude: p.exclude, mode: p.mode,
			roleOff: d.roleOff, ruleOff: d.refOff, ascii: asciiPrefix(text) == len(text)}
		if k := take(d, &d.roles); k > 0 {
			p.roles = d.roles[:k:k]
			for j := range p.roles {
				p.roles[j] = role{kind: roleKind(d.byte()), lang: d.byte(), weight: d.float()}
			}
			d.roles = d.roles[k:]
			hp.roleN, hp.hasRole = int32(k), true
			d.roleOff += int32(k)
		}
		if k := take(d, &d.refs); k > 0 {
			p.rules = d.refs[:k:k]
			for j := range p.rules {
				v := d.uint()
				r := int32(v >> 1)
				if v>>1 >= uint64(d.nRules) {
					d.fail()
					return
				}
				p.rules[j], d.rtab[j] = r, r
				if v&1 != 0 {
					d.rtab[j], hp.anyHit = ^r, true
				}
			}
			d.refs, d.rtab = d.refs[k:], d.rtab[k:]
			hp.ruleN = int32(k)
			d.refOff += int32(k)
		}
		if de, en := p.stopWeights(); de != 0 || en != 0 {
			if len(d.stops) == 0 {
				d.fail()
				return
			}
			d.stops[0] = [2]float64{de, en}
			d.stops = d.stops[1:]
			hp.stop = d.stopOff
			d.stopOff++
		}
		d.hot[i] = hp
		k := take(d, &d.uids)
		if k == 0 && !p.bytePath {
			d.fail() // the word index needs a unit to look it up by
			return
		}
		for j, uids := 0, d.uids[:k]; j < k; j++ {
			u := d.uint()
			if u == 0 {
				if exactUnitOf(p, j, k) || len(d.texts) == 0 {
					d.fail()
					return
				}
				d.texts[0] = d.str()
				d.texts = d.texts[1:]
				uids[j] = ^d.toff
				d.toff++
				continue
			}
			if u > nKeys || !exactUnitOf(p, j, k) {
				d.fail()
				return
			}
			uids[j] = int32(u - 1)
			count[u-1]++
		}
		d.uids = d.uids[k:]
		d.uoff += int32(k)
		ends[i] = d.uoff
		if d.err != nil {
			return
		}
	}
}

// rules reads the part of the blob from the rules on.
func (d *blobDecoder) rules(base *packBase) {
	for i := range base.rules {
		r := &base.rules[i]
		r.name, r.topic, r.severity = d.str(), d.str(), mention.Severity(d.str())
		r.crit, r.lang = int8(d.byte()), d.byte()
		f := d.byte()
		r.custom, r.anyHit = f&1 != 0, f&2 != 0
		r.weight = d.float()
		r.spans = d.leaves()
		h := &base.hot[i]
		ok := d.uint()
		if ok >= 1<<textStates {
			d.fail()
		}
		h.ok = uint32(ok)
		h.anyHit = d.byte()&1 != 0
		if h.reqN = d.byte(); int(h.reqN) > len(h.req) {
			d.fail()
			return
		}
		if h.need = d.pat(); h.need < -1 {
			d.fail()
		}
		for k := range h.req[:h.reqN] {
			if h.req[k] = d.pat(); h.req[k] < 0 {
				d.fail()
			}
		}
		d.spans = r.spans
		d.enode(&base.evals[i])
		if d.err != nil {
			return
		}
	}
}

func (d *blobDecoder) fail() {
	if d.err == nil {
		d.err = errBlob
	}
	d.off = len(d.s)
}

func (d *blobDecoder) byte() byte {
	if d.off >= len(d.s) {
		d.fail()
		return 0
	}
	c := d.s[d.off]
	d.off++
	return c
}

// uint reads a varint: most are one byte (counts, numbers of units, small
// pattern numbers), read inline.
func (d *blobDecoder) uint() uint64 {
	if off := d.off; uint(off) < uint(len(d.s)) && d.s[off] < 0x80 {
		d.off = off + 1
		return uint64(d.s[off])
	}
	return d.uintLong()
}

func (d *blobDecoder) uintLong() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := d.byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail()
	return 0
}

func (d *blobDecoder) int() int64 {
	u := d.uint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *blobDecoder) float() float64 { return math.Float64frombits(bits.ReverseBytes64(d.uint())) }

// count reads a length, which cannot exceed what is left of the blob
// (every element takes at least a byte).
func (d *blobDecoder) count() int {
	n := d.uint()
	if n > uint64(len(d.s)-d.off) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *blobDecoder) str() string {
	n := d.count()
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *blobDecoder) strings() []string {
	ss := make([]string, d.count())
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

// take reads a count of parts and checks that arena still has them.
func take[T any](d *blobDecoder, arena *[]T) int {
	k := d.count()
	if k > len(*arena) {
		d.fail()
		return 0
	}
	return k
}

// refList reads a list of numbers below n into arena (nil: a list of
// its own). An empty list is nil.
func (d *blobDecoder) refList(arena *[]int32, n int32) []int32 {
	var k int
	var xs []int32
	if arena == nil {
		k = d.count()
		xs = make([]int32, k)
	} else {
		if k = take(d, arena); k == 0 {
			return nil
		}
		xs = (*arena)[:k:k]
		*arena = (*arena)[k:]
	}
	for i := range xs {
		v := d.int()
		if v < 0 || v >= int64(n) {
			d.fail()
		}
		xs[i] = int32(v)
	}
	if k == 0 {
		return nil
	}
	return xs
}

// pat reads a pattern's number: below the number of patterns, and at
// least -1 (which callers that want none refuse).
func (d *blobDecoder) pat() int32 {
	v := d.int()
	if v < -1 || v >= int64(d.nPats) {
		d.fail()
		return 0
	}
	return int32(v)
}

// nodeLeaves reads the leaves of a compact node (see blobEncoder.enode).
func (d *blobDecoder) nodeLeaves() []leaf {
	v := d.uint()
	if v&1 == 0 {
		return d.leafList(int(min(v>>1, uint64(len(d.s)))))
	}
	k, i := v>>1, d.uint()
	if k == 0 || i > uint64(len(d.spans)) || k > uint64(len(d.spans))-i {
		d.fail()
		return nil
	}
	return d.spans[i : i+k : i+k]
}

func (d *blobDecoder) leaves() []leaf { return d.leafList(d.count()) }

// leafList reads k leaves.
func (d *blobDecoder) leafList(k int) []leaf {
	if k > len(d.leafArr) {
		d.fail()
		return nil
	}
	if k == 0 {
		return nil
	}
	ls := d.leafArr[:k:k]
	d.leafArr = d.leafArr[k:]
	for i := range ls {
		if ls[i].pat = d.pat(); ls[i].pat < 0 {
			d.fail()
		}
		ls[i].title = d.byte()&1 != 0
	}
	return ls
}

func (d *blobDecoder) enode(n *enode) {
	n.kind = nodeKind(d.byte())
	f := d.byte()
	n.title = f&1 != 0
	if p := d.int(); p >= 0 && p < int64(max(d.nPats, 1)) {
		n.pat = int32(p)
	} else {
		d.fail()
	}
	v := d.int()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail()
	}
	n.n = int32(v)
	n.leaves, n.right = d.nodeLeaves(), d.nodeLeaves()
	if f&2 != 0 {
		if len(d.metas) == 0 {
			d.fail()
			return
		}
		m := &d.metas[0]
		d.metas = d.metas[1:]
		m.kind, m.field = nMeta, d.byte()
		m.prefix = d.byte()&1 != 0
		m.val = d.str()
		n.meta = m
	}
	k := take(d, &d.enodes)
	// What eval relies on: a kind it knows, NOT with its operand, a meta
	// term with its node.
	if n.kind > nNever || n.kind == nNot && k != 1 || n.kind == nMeta && n.meta == nil {
		d.fail()
		return
	}
	if k > 0 {
		n.kids = d.enodes[:k:k]
		d.enodes = d.enodes[k:]
		for i := range n.kids {
			if d.err != nil {
				return
			}
			d.enode(&n.kids[i])
		}
	}
}
