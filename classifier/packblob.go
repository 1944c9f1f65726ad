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

// The built-in packs are also shipped compiled: packs/<names>.bin holds
// the packBase that compilePacks makes of the packs named (joined by "-",
// in the order given), written by `go generate` (TestPackBlobs with
// -update-packs) and checked against the packs' text by the same test, so
// it cannot drift from them. Decoding one takes a fraction of compiling
// the packs' text (BenchmarkLoadPacks): the daemon's start-up no longer
// waits for the compiler, and every New gets a base of its own, so none is
// kept for the process's life. Combinations of packs without a blob are
// compiled from the text as before.
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
const blobMagic = "earshot packs 2\n"

// blobName is the file of the blob of the packs names.
func blobName(names []string) string { return "packs/" + strings.Join(names, "-") + ".bin" }

// loadPacks returns the compiled form of the named packs: decoded from
// their blob when there is one (owned by the caller), otherwise compiled
// once per process and shared (not owned: the caller copies what it
// changes).
//
// extra is room for patterns the caller will add to an owned base.
func loadPacks(names []string, extra int) (base *packBase, owned bool, err error) {
	if len(names) == 0 {
		return &packBase{}, true, nil
	}
	if blob, ok := blobs[blobName(names)]; ok {
		base, err := decodePacks(*blob, extra)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", blobName(names), err)
		}
		return base, true, nil
	}
	base, err = cachedPacks(names)
	return base, false, err
}

// lookup finds the pattern of key (the mode's digit and the normalised
// text, as builder.literal makes it) in the base.
func (pb *packBase) lookup(key string) (int32, bool) {
	if pb.index != nil {
		p, ok := pb.index[key]
		return p, ok
	}
	i, ok := slices.BinarySearchFunc(pb.sorted, key, func(p int32, key string) int {
		return patKeyCmp(&pb.pats[p], key)
	})
	if !ok {
		return 0, false
	}
	return pb.sorted[i], true
}

// patKeyCmp compares a pattern's key (see lookup) with key.
func patKeyCmp(p *pattern, key string) int {
	if key == "" {
		return 1
	}
	if m := byte('0' + p.mode); m != key[0] {
		if m < key[0] {
			return -1
		}
		return 1
	}
	return strings.Compare(p.text, key[1:])
}

// encodePacks writes base in the blob format. The format is a sequence of
// unsigned varints (signed values zig-zag, floats with their bytes
// reversed so that round numbers are short) and strings (a length, then
// the bytes, which the decoder slices out of the blob without copying).
// Before the tables come the totals of their parts, so that the decoder
// allocates each kind of part once.
func encodePacks(base *packBase) []byte {
	var e blobEncoder
	e.b = append(e.b, blobMagic...)
	var nRoles, nRuleRefs, nUnits, nNodes, nLeaves int
	for i := range base.pats {
		p := &base.pats[i]
		nRoles += len(p.roles)
		nRuleRefs += len(p.rules)
		nUnits += len(p.units)
	}
	var countNodes func(n *node)
	countNodes = func(n *node) {
		nNodes += len(n.kids)
		nLeaves += len(n.left) + len(n.right)
		for k := range n.kids {
			countNodes(&n.kids[k])
		}
	}
	for i := range base.rules {
		nLeaves += len(base.rules[i].spans)
		countNodes(&base.rules[i].root)
	}
	for _, n := range []int{len(base.pats), nRoles, nRuleRefs, nUnits, len(base.rules), nNodes, nLeaves} {
		e.uint(uint64(n))
	}
	topics := make([]string, 0, len(base.topics))
	for t := range base.topics {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	e.strings(topics)
	e.int32s(base.always)
	for i := range base.pats {
		p := &base.pats[i]
		e.str(p.text)
		e.b = append(e.b, byte(p.mode), flags(p.brand, p.exclude, p.stopOnly, p.ruleLeaf, p.bytePath))
		e.float(p.stopDE)
		e.float(p.stopEN)
		e.uint(uint64(len(p.roles)))
		for _, r := range p.roles {
			e.b = append(e.b, byte(r.kind), r.lang)
			e.float(r.weight)
		}
		e.int32s(p.rules)
		e.strings(p.units)
	}
	for i := range base.rules {
		r := &base.rules[i]
		e.str(r.name)
		e.str(r.topic)
		e.str(string(r.severity))
		e.b = append(e.b, byte(r.crit), r.lang, flags(r.custom, r.anyHit))
		e.float(r.weight)
		e.node(&r.root)
		e.leaves(r.spans)
	}
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
		return strings.Compare(pa.text, pb.text)
	})
	e.int32s(sorted)
	// The exact units' numbers (their order among the units; the units
	// themselves are the patterns'), so that New need not look them up.
	ut := base.units
	if ut == nil {
		ut = newUnitTable(base.pats)
	}
	e.uint(uint64(len(ut.keys)))
	e.int32s(ut.uids)
	return e.b
}

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
func (e *blobEncoder) node(n *node) {
	e.b = append(e.b, byte(n.kind), n.field, flags(n.title, n.prefix))
	e.int(int64(n.pat))
	e.int(int64(n.n))
	e.str(n.val)
	e.leaves(n.left)
	e.leaves(n.right)
	e.uint(uint64(len(n.kids)))
	for k := range n.kids {
		e.node(&n.kids[k])
	}
}

// blobDecoder reads a blob; the first problem stops it (err).
type blobDecoder struct {
	s   string
	off int
	err error
	// The parts of the tables, allocated once and handed out in order.
	roles   []role
	refs    []int32
	units   []string
	nodes   []node
	leafArr []leaf
}

var errBlob = errors.New("truncated or corrupt")

// decodePacks reads a blob written by encodePacks, with room for extra
// more patterns. Strings are slices of blob.
func decodePacks(blob string, extra int) (*packBase, error) {
	if !strings.HasPrefix(blob, blobMagic) {
		return nil, errors.New("not a packs blob of this version")
	}
	d := &blobDecoder{s: blob, off: len(blobMagic)}
	var n [7]int
	for i := range n {
		n[i] = d.count()
	}
	if d.err != nil {
		return nil, d.err
	}
	base := &packBase{pats: make([]pattern, n[0], n[0]+max(extra, 0)), rules: make([]rule, n[4]), topics: map[string]bool{}}
	d.roles, d.refs, d.units = make([]role, n[1]), make([]int32, n[2]), make([]string, n[3])
	d.nodes, d.leafArr = make([]node, n[5]), make([]leaf, n[6])
	for _, t := range d.strings() {
		base.topics[t] = true
	}
	base.always = d.int32s(nil)
	for i := range base.pats {
		p := &base.pats[i]
		p.text = d.str()
		p.mode = matchMode(d.byte())
		f := d.byte()
		p.brand, p.exclude, p.stopOnly, p.ruleLeaf, p.bytePath = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0, f&16 != 0
		p.stopDE, p.stopEN = d.float(), d.float()
		if k := take(d, &d.roles); k > 0 {
			p.roles = d.roles[:k:k]
			for j := range p.roles {
				p.roles[j] = role{kind: roleKind(d.byte()), lang: d.byte(), weight: d.float()}
			}
			d.roles = d.roles[k:]
		}
		p.rules = d.int32s(&d.refs)
		if k := take(d, &d.units); k > 0 {
			p.units = d.units[:k:k]
			for j := range p.units {
				p.units[j] = d.str()
			}
			d.units = d.units[k:]
		}
	}
	for i := range base.rules {
		r := &base.rules[i]
		r.name, r.topic, r.severity = d.str(), d.str(), mention.Severity(d.str())
		r.crit, r.lang = int8(d.byte()), d.byte()
		f := d.byte()
		r.custom, r.anyHit = f&1 != 0, f&2 != 0
		r.weight = d.float()
		d.node(&r.root)
		r.spans = d.leaves()
	}
	base.sorted = d.int32s(nil)
	nKeys := d.count()
	uids := d.int32s(nil)
	if d.err == nil && d.off != len(d.s) {
		d.err = errBlob
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(base.sorted) != len(base.pats) || !base.indexesValid() {
		return nil, errBlob
	}
	if base.units = unitsOf(base.pats, nKeys, uids); base.units == nil {
		return nil, errBlob
	}
	return base, nil
}

// unitsOf rebuilds the unit table of pats from the units' numbers, or
// returns nil if they do not number the exact units in sorted order.
func unitsOf(pats []pattern, nKeys int, uids []int32) *unitTable {
	ut := &unitTable{keys: make([]string, nKeys), count: make([]int32, nKeys), uids: uids, npats: len(pats)}
	n := 0
	for i := range pats {
		for j, u := range pats[i].units {
			if n == len(uids) {
				return nil
			}
			k := uids[n]
			n++
			if k < 0 {
				if k != -1 || exactUnit(&pats[i], j) {
					return nil
				}
				continue
			}
			if int(k) >= nKeys || !exactUnit(&pats[i], j) || ut.count[k] > 0 && ut.keys[k] != u {
				return nil
			}
			ut.keys[k] = u
			ut.count[k]++
		}
	}
	// Every number used, the units sorted: find relies on it.
	for k := range ut.keys {
		if ut.count[k] == 0 || k > 0 && ut.keys[k-1] >= ut.keys[k] {
			return nil
		}
	}
	if n != len(uids) {
		return nil
	}
	return ut
}

// indexesValid reports whether every pattern and rule number in base
// names one that exists, so that a damaged blob cannot make the matcher
// index out of range.
func (pb *packBase) indexesValid() bool {
	np, nr := int32(len(pb.pats)), int32(len(pb.rules))
	in := func(xs []int32, n int32) bool {
		for _, x := range xs {
			if x < 0 || x >= n {
				return false
			}
		}
		return true
	}
	leaves := func(ls []leaf) bool {
		for _, l := range ls {
			if l.pat < 0 || l.pat >= np {
				return false
			}
		}
		return true
	}
	var nodeOK func(n *node) bool
	nodeOK = func(n *node) bool {
		if n.pat < 0 || n.pat >= max(np, 1) || !leaves(n.left) || !leaves(n.right) {
			return false
		}
		for k := range n.kids {
			if !nodeOK(&n.kids[k]) {
				return false
			}
		}
		return true
	}
	if !in(pb.sorted, np) || !in(pb.always, nr) {
		return false
	}
	for i := range pb.pats {
		if !in(pb.pats[i].rules, nr) {
			return false
		}
	}
	for i := range pb.rules {
		if !nodeOK(&pb.rules[i].root) || !leaves(pb.rules[i].spans) {
			return false
		}
	}
	return true
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

func (d *blobDecoder) uint() uint64 {
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

// int32s reads a list into arena (nil: a list of its own). An empty
// list is nil.
func (d *blobDecoder) int32s(arena *[]int32) []int32 {
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
		if v < math.MinInt32 || v > math.MaxInt32 {
			d.fail()
		}
		xs[i] = int32(v)
	}
	if k == 0 {
		return nil
	}
	return xs
}

func (d *blobDecoder) leaves() []leaf {
	k := take(d, &d.leafArr)
	if k == 0 {
		return nil
	}
	ls := d.leafArr[:k:k]
	d.leafArr = d.leafArr[k:]
	for i := range ls {
		ls[i].pat = int32(d.int())
		ls[i].title = d.byte()&1 != 0
	}
	return ls
}

func (d *blobDecoder) node(n *node) {
	n.kind, n.field = nodeKind(d.byte()), d.byte()
	f := d.byte()
	n.title, n.prefix = f&1 != 0, f&2 != 0
	n.pat, n.n = int32(d.int()), int32(d.int())
	n.val = d.str()
	n.left, n.right = d.leaves(), d.leaves()
	if k := take(d, &d.nodes); k > 0 {
		n.kids = d.nodes[:k:k]
		d.nodes = d.nodes[k:]
		for i := range n.kids {
			d.node(&n.kids[i])
		}
	}
}
