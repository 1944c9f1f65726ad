package classifier

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// The matcher runs over words, not bytes. The normalised text is cut into
// units: the parts of a word between the joiners - . & (which are units of
// their own), punctuation marks and emoji. Every unit is hashed once and
// looked up in a dictionary of the units that occur in patterns; the
// dictionary entry lists the one-unit patterns that match it and the
// longer patterns anchored on it (checked unit by unit from there).
// Prefix wildcards (enttäusch*) and compound heads (*katastrophe) are
// looked up by the hashes of a unit's first and last n bytes, behind a
// small bit filter. Brand terms, which may occur anywhere (inside URLs and
// handles too), are compared with whole units (one-word terms) or searched
// in the bytes.
//
// This finds the hits the Aho-Corasick automaton over the bytes with the
// boundary checks of byteScan finds, in the same order
// (TestTokenScanMatchesByteScan, FuzzTokenScan), up to collisions of 64-bit
// hashes (see strTab). Its gain is in compiling: it builds in a fraction of
// the time of the dense automaton over all patterns, and the packs' part is
// shared; per text it costs about the same as the automaton walk plus its
// boundary checks (docs/benchmarks.md, Classifier).

const (
	fnvOff   uint64 = 14695981039346656037
	fnvPrime uint64 = 1099511628211
)

func hashStr(s string) uint64 {
	h := fnvOff
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// unitHash hashes a unit of a text or a pattern 8 bytes at a time. When b
// has capacity for it, the last word is read whole and the bytes beyond
// len(b) are masked off (the scan keeps 8 spare bytes behind the buffer).
func unitHash(b []byte) uint64 {
	const k1, k2 = hashK1, hashK2
	h := uint64(len(b)) * k2
	for len(b) > 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * k1
		h ^= h >> 32
		b = b[8:]
	}
	var x uint64
	if cap(b) >= 8 {
		x = binary.LittleEndian.Uint64(b[:8]) & (^uint64(0) >> (64 - 8*uint(len(b))))
	} else {
		for i := len(b) - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
	}
	return hashMix(h, x)
}

const hashK1, hashK2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F

// hashMix is the last step of unitHash: it mixes the last word x, masked,
// into h.
func hashMix(h, x uint64) uint64 {
	h = (h ^ x) * hashK1
	h ^= h >> 29
	h *= hashK2
	h ^= h >> 32
	return h
}

// unitHashStr is unitHash for a string.
func unitHashStr(s string) uint64 {
	b := make([]byte, len(s), len(s)+8)
	copy(b, s)
	return unitHash(b)
}

// hashRevStr hashes s from its last byte to its first.
func hashRevStr(s string) uint64 {
	h := fnvOff
	for i := len(s) - 1; i >= 0; i-- {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// strTab is an open-addressing hash table from strings to int32. It keeps
// only the 64-bit hash and the length of a key, not the key: a slot is 16
// bytes, and a lookup touches one cache line. Two different strings of the
// same length whose FNV-1a hashes agree in all 64 bits would be confused;
// among the few thousand keys of a classifier and the words of a text that
// has a chance of about 1 in 10^15 per word (checked for the keys
// themselves when the table is built).
type strTab struct {
	mask  uint64
	slots []strSlot
}

type strSlot struct {
	h   uint64
	n   int32
	val int32 // value+1; 0 marks an empty slot
}

func newStrTab(n int) strTab {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return strTab{mask: uint64(size - 1), slots: make([]strSlot, size)}
}

// insert adds key; it reports false when an equally long key with the same
// hash is present.
func (t *strTab) insert(key string, h uint64, val int32) bool {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.val == 0 {
			*sl = strSlot{h: h, n: int32(len(key)), val: val + 1}
			return true
		}
		if sl.h == h && int(sl.n) == len(key) {
			return false
		}
	}
}

// find returns the value of key (with hash h) or -1.
func (t *strTab) find(key []byte, h uint64) int32 {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.val == 0 {
			return -1
		}
		if sl.h == h && int(sl.n) == len(key) {
			return sl.val - 1
		}
	}
}

// pairSet is a set of byte pairs, a cheap gate before the stem lookups.
type pairSet [1024]uint64

func (p *pairSet) add(a, b byte)      { i := uint(a)<<8 | uint(b); p[i>>6] |= 1 << (i & 63) }
func (p *pairSet) has(a, b byte) bool { i := uint(a)<<8 | uint(b); return p[i>>6]&(1<<(i&63)) != 0 }

// tripleSet is a set of byte triples folded into 2^16 bits (a triple
// that shares a bit with a member passes too): the gate before the stem
// lookups for stems of three bytes or more. About a fifth of a text's
// words pass the gate of the benchmark's stems, against half for a
// two-byte gate.
type tripleSet [1024]uint64

func tripleBit(a, b, c byte) uint     { return (uint(a)*961 + uint(b)*31 + uint(c)) & 0xFFFF }
func (p *tripleSet) add(a, b, c byte) { i := tripleBit(a, b, c); p[i>>6] |= 1 << (i & 63) }
func (p *tripleSet) has(a, b, c byte) bool {
	i := tripleBit(a, b, c)
	return p[i>>6]&(1<<(i&63)) != 0
}

// unitPairs is, for every phrase anchored on a unit, the anchor, the
// neighbour it checks first and the side of it (0 after the anchor, 1
// before), as a bit filter of 2^19 bits (an entry that shares its bit
// with a member passes too: a few percent, more in the lines of anchors
// of many phrases). With it, an anchored unit whose neighbours are
// checked by none of its phrases skips its list of them (in the
// benchmark three of four anchored units, two thirds of the list
// entries). An anchor's entries are in one cache line of the filter (one
// of 8 words by neighbour and side, one of 64 bits), so that a unit looks
// at both neighbours with one L1 miss: two independent bits, one a side,
// cost as many misses as the lists they saved.
type unitPairs [1 << 10][8]uint64

// pairAt returns the line of the anchor's entries and, for neighbour nb
// on side (0 after, 1 before), the word in the line and the bit.
func pairAt(anchor, nb int32, side uint32) (line, word, bit uint32) {
	h := uint32(anchor) * 0x9E3779B1
	g := (uint32(nb)*2 + side) * 0x85EBCA77
	return h >> (32 - 10), g >> (32 - 3), g >> (32 - 9) & 63
}

func (p *unitPairs) add(side int, anchor, nb int32) {
	l, w, b := pairAt(anchor, nb, uint32(side))
	p[l][w] |= 1 << b
}

// findWord returns the slot of the unit with hash h and length n, or -1.
func (x *tokIndex) findWord(h uint64, n int) int32 {
	for i := h & x.wmask; ; i = (i + 1) & x.wmask {
		sl := &x.wslots[i]
		if sl.n == 0 {
			return -1
		}
		if sl.h == h && int(sl.n) == n+1 {
			return int32(i)
		}
	}
}

// bloom is a one-hash bit filter in front of the stem tables.
type bloom [256]uint64

func (b *bloom) add(h uint64)      { b[h>>56] |= 1 << (h >> 50 & 63) }
func (b *bloom) has(h uint64) bool { return b[h>>56]&(1<<(h>>50&63)) != 0 }
func isJoiner(c byte) bool         { return joinerTab[c] }

var joinerTab = [256]bool{'-': true, '.': true, '&': true}

func joinerKey(c byte) string { return string([]byte{1, c}) }

// matchStem reports whether the word unit b matches a phrase's stem unit
// of kind (upPrefix or upSuffix) and text.
func matchStem(kind int32, text string, b []byte) bool {
	switch kind {
	case upPrefix:
		return len(b) >= len(text) && string(b[:len(text)]) == text
	case upSuffix:
		return len(b) >= len(text) && string(b[len(b)-len(text):]) == text
	}
	return false
}

// The units of a phrase that are not exact (tokIndex.munits).
const (
	upPrefix int32 = -1 // the last unit, a prefix stem
	upSuffix int32 = -2 // the first unit, a compound head
)

// multiPat is a pattern of several units. Its units are
// tokIndex.munits[off:][:n]: an exact unit is its dictionary id, a stem
// unit upPrefix or upSuffix, whose text is tokIndex.mtexts[text] (a
// phrase has at most one, first or last: ~4 bytes a unit instead of 24).
type multiPat struct {
	pat    int32
	anchor int32 // the unit whose dictionary entry lists the pattern
	stem   int32 // length of a prefix stem at the end (0: none)
	off, n int32
	text   int32
}

type dictEntry struct {
	// The one-unit exact patterns, except stop-only ones, and the
	// indexes into tokIndex.multi anchored on this unit: counted while
	// the patterns are read, then ranges of one array each.
	singleOff, singleN int32
	multiOff, multiN   int32
	stopDE, stopEN     float64 // language evidence of its one-unit patterns
}

// wordSlot is a slot of the open-addressing dictionary of units: the hash
// and length of the unit (see strTab) and what occurs when it does, in one
// cache line. A unit's id is its slot.
type wordSlot struct {
	h       uint64
	n       int32 // length+1; 0 marks an empty slot
	single  int32 // a one-unit pattern that is not stop-only, or -1
	extOff  int32 // ext[extOff:]: stemN stem hits, then moreN further one-unit patterns
	anchOff int32 // longer patterns anchored here: anchors[anchOff:anchOff+anchN]
	stop    int32 // index into stops, or -1
	stemN   uint8 // probeStems: not listed, probe the unit's bytes
	moreN   uint8
	anchN   uint16 // with anchNoNb: one of them has no neighbour to check
}

// anchNoNb in wordSlot.anchN: a phrase anchored on the unit has no
// neighbour that the pair filter could check (its other units are stems).
const anchNoNb = 1 << 15

// probeStems in wordSlot.stemN: the unit's stem hits are too many to list.
const probeStems = 255

// extRef is an entry of tokIndex.ext: a pattern and, for a prefix stem,
// its length (the hit ends off bytes into the unit); off 0: the hit ends
// with the unit (compound heads, further one-unit patterns).
type extRef struct {
	pat, off int32
}

// anchorRef is a longer pattern anchored on a unit, with one more unit of
// it (nb at offset nbOff from the anchor; nb -1: none) checked first.
type anchorRef struct {
	multi int32
	nb    int32
	nbOff int32
}

type tokIndex struct {
	wmask      uint64
	wslots     []wordSlot
	ext        []extRef // see wordSlot
	anchors    []anchorRef
	pairs      *unitPairs // (anchor, neighbour) in text order, for every anchorRef with one
	byteID     [256]int32 // the dictionary id of each one-byte unit (punctuation marks), or -1
	stops      [][2]float64
	entries    []dictEntry // during the build
	joiner     [3]int32    // ids of "-", ".", "&" as joiners (-1: in no pattern)
	prefix     strTab      // stem -> index into prefixPats
	prefixPats [][]int32
	pbloom     bloom
	p2, s2     pairSet   // first and last two bytes of the stems of two bytes
	p3, s3     tripleSet // first and last three bytes of the longer stems
	p2n, s2n   int       // how many stems of two bytes there are
	minP, maxP int
	suffix     strTab // hashed from the end
	suffixPats [][]int32
	sbloom     bloom
	minS, maxS int
	multi      []multiPat
	munits     []int32     // the units of the multis (see multiPat)
	mtexts     []string    // the texts of their stem units
	bytePats   []int32     // patterns searched in the bytes (brand terms)
	brandWords []brandWord // one-word brand terms: compared with units
	brandBits  uint64      // bit h&63 set for the hashes of the brand words (a gate)
	byteAC     *automaton  // over bytePats when there are many
	byteAt     uint64      // bit k set: bytePats[k] (k < 64) has an '@'
}

func joinerIdx(c byte) int {
	switch c {
	case '-':
		return 0
	case '.':
		return 1
	}
	return 2
}

// patUnits cuts a normalised pattern into units. It returns ok=false when
// the pattern must be searched in the bytes (a URL or handle in it).
func patUnits(nt *normText) ([]string, bool) {
	var out []string
	for _, t := range nt.toks {
		b := nt.buf[t.start:t.end]
		switch t.kind {
		case tokURL, tokHandle:
			return nil, false
		case tokWord:
			s := 0
			for k := 0; k <= len(b); k++ {
				if k == len(b) || isJoiner(b[k]) {
					if k > s {
						out = append(out, string(b[s:k]))
					}
					if k < len(b) {
						out = append(out, joinerKey(b[k]))
					}
					s = k + 1
				}
			}
		default:
			out = append(out, string(b))
		}
	}
	return out, len(out) > 0
}

// exactUnitOf reports whether unit j of p, of n units, is looked up as a
// whole word in the dictionary (not a prefix or suffix stem, not a brand
// term's bytes).
func exactUnitOf(p *pattern, j, n int) bool {
	return !p.bytePath && !(p.mode == modePrefix && j == n-1) && !(p.mode == modeSuffix && j == 0)
}

// unitTable holds the units of the first patterns of a table (the
// packs'), whose units field is then nil (a decoded blob; ~31,000 strings
// New need not make), and numbers their exact units: the word index of a
// classifier built on them finds their units' numbers and counts here
// instead of looking the units up by string (half of building the index
// with the packs).
type unitTable struct {
	keys  []string // the units, sorted; a unit's number is its place here
	count []int32  // how many of the patterns use each unit
	// uids holds the number of every unit of every pattern, in order;
	// ^k where the unit is not exact and texts[k] is its text.
	uids  []int32
	texts []string
	start []int32 // pattern i's units are uids[start[i]:start[i+1]]
	npats int     // how many patterns it covers
}

// nUnits returns how many units pattern i (< npats) has.
func (ut *unitTable) nUnits(i int) int { return int(ut.start[i+1] - ut.start[i]) }

// newUnitTable numbers the exact units of pats, whose units are units.
func newUnitTable(pats []pattern, units [][]string) *unitTable {
	num := map[string]int32{}
	for i := range pats {
		for j, u := range units[i] {
			if exactUnitOf(&pats[i], j, len(units[i])) {
				num[u] = 0
			}
		}
	}
	ut := &unitTable{keys: make([]string, 0, len(num)), count: make([]int32, len(num)), npats: len(pats), start: make([]int32, 1, len(pats)+1)}
	for u := range num {
		ut.keys = append(ut.keys, u)
	}
	slices.Sort(ut.keys)
	for k, u := range ut.keys {
		num[u] = int32(k)
	}
	for i := range pats {
		for j, u := range units[i] {
			k := ^int32(len(ut.texts))
			if exactUnitOf(&pats[i], j, len(units[i])) {
				k = num[u]
				ut.count[k]++
			} else {
				ut.texts = append(ut.texts, u)
			}
			ut.uids = append(ut.uids, k)
		}
		ut.start = append(ut.start, int32(len(ut.uids)))
	}
	return ut
}

// find returns the number of unit u, or -1.
func (ut *unitTable) find(u string) int32 {
	if k, ok := slices.BinarySearch(ut.keys, u); ok {
		return int32(k)
	}
	return -1
}

// buildTokIndex builds the word-level matcher for pats (of texts): the
// units of the first ones are in ut, of the others in units.
func buildTokIndex(pats []pattern, texts []string, ut *unitTable, units [][]string) (*tokIndex, error) {
	x := &tokIndex{joiner: [3]int32{-1, -1, -1}}
	// Count how many patterns use each exact unit, to anchor long patterns
	// on their rarest unit. A unit has a record, which holds its count;
	// its place among the records is its dictionary id. The units of the
	// patterns ut covers are numbered there (every one is some pattern's
	// exact unit, so it is a word of the dictionary); the others are
	// found through more. Its key is the unit: ut.keys[key], or
	// moreKeys[^key] (so that the scan of the patterns does not read the
	// packs' units as strings).
	type unitRec struct{ count, key int32 }
	if ut == nil {
		ut = &unitTable{}
	}
	recs := make([]unitRec, len(ut.keys), len(ut.keys)+len(pats)-ut.npats)
	for k, n := range ut.count {
		recs[k] = unitRec{count: n, key: int32(k)}
	}
	var more map[string]int32
	var moreKeys []string
	rec := func(u string) int32 {
		if k := ut.find(u); k >= 0 {
			return k
		}
		k, ok := more[u]
		if !ok {
			if more == nil {
				more = map[string]int32{}
			}
			k = int32(len(recs))
			more[u] = k
			recs = append(recs, unitRec{key: ^int32(len(moreKeys))})
			moreKeys = append(moreKeys, u)
		}
		return k
	}
	keyOf := func(key int32) string {
		if key >= 0 {
			return ut.keys[key]
		}
		return moreKeys[^key]
	}
	nPrefix, nSuffix, nExact, nMulti, nMultiUnits, nSingles := 0, 0, 0, 0, 0, 0
	nUnits := func(i int) int {
		if i < ut.npats {
			return ut.nUnits(i)
		}
		return len(units[i-ut.npats])
	}
	for i := range pats {
		p := &pats[i]
		if p.bytePath {
			if text := texts[i]; p.mode == modeBrand && simpleWord(text) {
				bw := brandWord{pat: int32(i), text: text, h: unitHashStr(text), hs: unitHashStr(text + "s")}
				x.brandWords = append(x.brandWords, bw)
				x.brandBits |= 1<<(bw.h&63) | 1<<(bw.hs&63)
				// The one-word brand terms are in nearly every text but
				// in no pattern's units: as words of the dictionary
				// (without patterns) they get their stems listed instead
				// of probed in every text.
				rec(text)
				rec(text + "s")
			} else {
				if len(x.bytePats) < 64 && strings.IndexByte(texts[i], '@') >= 0 {
					x.byteAt |= 1 << len(x.bytePats)
				}
				x.bytePats = append(x.bytePats, int32(i))
			}
			continue
		}
		n := nUnits(i)
		if n == 1 {
			switch p.mode {
			case modePrefix:
				nPrefix++
				continue
			case modeSuffix:
				nSuffix++
				continue
			}
		}
		if n > 1 {
			nMulti++
			nMultiUnits += n
		} else if !p.stopOnly {
			nSingles++
		}
		if i < ut.npats {
			continue // counted in ut
		}
		for j, u := range units[i-ut.npats] {
			if exactUnitOf(p, j, n) {
				recs[rec(u)].count++
			}
		}
	}
	nExact = len(recs)
	// Sized up front: growing them was a third of building the index.
	x.multi = make([]multiPat, 0, nMulti)
	// The units of all phrases in one array.
	x.munits = make([]int32, 0, nMultiUnits)
	x.anchors = make([]anchorRef, 0, nMulti)
	x.entries = make([]dictEntry, nExact)
	clear(x.entries) // touched in order first (see wslots below)
	// The one-unit patterns of each entry (entry, pattern), in the order
	// of the patterns.
	singles := make([][2]int32, 0, nSingles)
	var collision error
	x.prefix = newStrTab(nPrefix)
	x.suffix = newStrTab(nSuffix)
	stems := map[string]int32{}
	stem := func(t *strTab, lists *[][]int32, bl *bloom, key string, h uint64, p int32) {
		k := "p" + key
		if t == &x.suffix {
			k = "s" + key
		}
		if v, ok := stems[k]; ok {
			(*lists)[v] = append((*lists)[v], p)
			return
		}
		stems[k] = int32(len(*lists))
		if !t.insert(key, h, int32(len(*lists))) && collision == nil {
			collision = fmt.Errorf("the pattern stem %q has the same hash as another one; please report this", key)
		}
		*lists = append(*lists, []int32{p})
		bl.add(h)
	}
	x.minP, x.minS = 1<<30, 1<<30
	// The words are placed in the dictionary in the order the patterns
	// first use them (brand words last): placed in the order of the
	// units, the words of the packs probed longer (+170 instructions per
	// text in shortWord).
	used := make([]bool, len(recs))
	clear(used) // set at random below: touched in order first
	order := make([]int32, 0, len(recs))
	use := func(r int32) {
		if !used[r] {
			used[r] = true
			order = append(order, r)
		}
	}
	// unit returns unit j of pattern i: for an exact unit its record's
	// number, its dictionary id (and the unit only when the pattern is
	// not the packs'), for another the unit and -1.
	unit := func(i, j int) (string, int32) {
		if i < ut.npats {
			if k := ut.uids[int(ut.start[i])+j]; k >= 0 {
				return "", k
			} else {
				return ut.texts[^k], -1
			}
		}
		us := units[i-ut.npats]
		u := us[j]
		if !exactUnitOf(&pats[i], j, len(us)) {
			return u, -1
		}
		return u, rec(u)
	}
	for i := range pats {
		p := &pats[i]
		pi := int32(i)
		if p.bytePath {
			continue
		}
		n := nUnits(i)
		if n == 1 {
			u, r := unit(i, 0)
			switch p.mode {
			case modePrefix:
				stem(&x.prefix, &x.prefixPats, &x.pbloom, u, hashStr(u), pi)
				if len(u) == 2 {
					x.p2.add(u[0], u[1])
					x.p2n++
				} else {
					x.p3.add(u[0], u[1], u[2])
				}
				x.minP, x.maxP = min(x.minP, len(u)), max(x.maxP, len(u))
			case modeSuffix:
				stem(&x.suffix, &x.suffixPats, &x.sbloom, u, hashRevStr(u), pi)
				if n := len(u); n == 2 {
					x.s2.add(u[0], u[1])
					x.s2n++
				} else {
					x.s3.add(u[n-3], u[n-2], u[n-1])
				}
				x.minS, x.maxS = min(x.minS, len(u)), max(x.maxS, len(u))
			default:
				eid := r
				use(r)
				e := &x.entries[eid]
				de, en := p.stopWeights()
				e.stopDE += de
				e.stopEN += en
				if !p.stopOnly {
					e.singleN++
					singles = append(singles, [2]int32{eid, pi})
				}
			}
			continue
		}
		m := multiPat{pat: pi, anchor: -1, off: int32(len(x.munits)), n: int32(n), text: -1}
		best := int32(1 << 30)
		for j := range n {
			u, r := unit(i, j)
			switch {
			case p.mode == modePrefix && j == n-1:
				x.munits = append(x.munits, upPrefix)
				m.stem = int32(len(u))
				m.text = int32(len(x.mtexts))
				x.mtexts = append(x.mtexts, u)
			case p.mode == modeSuffix && j == 0:
				x.munits = append(x.munits, upSuffix)
				m.text = int32(len(x.mtexts))
				x.mtexts = append(x.mtexts, u)
			default:
				eid, c := r, recs[r].count
				use(r)
				x.munits = append(x.munits, eid)
				if c < best {
					best, m.anchor = c, int32(j)
				}
			}
		}
		x.multi = append(x.multi, m)
		x.entries[x.munits[m.off+m.anchor]].multiN++
	}
	// The entries' lists, each a range of one array, in the order of the
	// patterns (a stable counting sort).
	nSingle, nMultis := 0, 0
	for e := range x.entries {
		en := &x.entries[e]
		en.singleOff, en.multiOff = int32(nSingle), int32(nMultis)
		nSingle += int(en.singleN)
		nMultis += int(en.multiN)
	}
	singleArr, multiArr := make([]int32, nSingle), make([]int32, nMultis)
	fill := make([]int32, len(x.entries))
	clear(fill) // counted at random below: touched in order first
	for _, se := range singles {
		singleArr[x.entries[se[0]].singleOff+fill[se[0]]] = se[1]
		fill[se[0]]++
	}
	clear(fill)
	for mi := range x.multi {
		m := &x.multi[mi]
		e := x.munits[m.off+m.anchor]
		multiArr[x.entries[e].multiOff+fill[e]] = int32(mi)
		fill[e]++
	}
	// Pack the entries into the slots of the dictionary.
	size := 8
	for size < 2*len(x.entries) {
		size <<= 1
	}
	x.wmask = uint64(size - 1)
	x.wslots = make([]wordSlot, size)
	x.pairs = new(unitPairs)
	// Empty slots marked in order first: the placement below reads a
	// slot before writing it, and on a fresh page (a start, with the GC
	// paused) that read maps the zero page and the write faults again
	// (and touching pages in order is cheaper than at random).
	for i := range x.wslots {
		x.wslots[i].single, x.wslots[i].stop = -1, -1
	}
	for e := range recs {
		use(int32(e)) // the brand words
	}
	slotOf := make([]int32, len(x.entries))
	for _, e := range order {
		key := keyOf(recs[e].key)
		if len(key) == 2 && key[0] == 1 {
			x.joiner[joinerIdx(key[1])] = e
		}
		h := unitHashStr(key)
		i := h & x.wmask
		for ; x.wslots[i].n != 0; i = (i + 1) & x.wmask {
			if x.wslots[i].h == h && int(x.wslots[i].n) == len(key)+1 && collision == nil {
				collision = fmt.Errorf("the pattern word %q has the same hash as another one; please report this", key)
			}
		}
		slotOf[e] = int32(i)
		x.wslots[i] = wordSlot{h: h, n: int32(len(key)) + 1, single: -1, stop: -1}
	}
	for i := range x.joiner {
		if x.joiner[i] >= 0 {
			x.joiner[i] = slotOf[x.joiner[i]]
		}
	}
	for j, id := range x.munits {
		if id >= 0 {
			x.munits[j] = slotOf[id]
		}
	}
	for e := range x.entries {
		en := &x.entries[e]
		sl := &x.wslots[slotOf[e]]
		if en.stopDE != 0 || en.stopEN != 0 {
			sl.stop = int32(len(x.stops))
			x.stops = append(x.stops, [2]float64{en.stopDE, en.stopEN})
		}
		// The prefix stems and compound heads a word of the dictionary
		// matches are found once here, by the probe the scan runs for the
		// other words, and listed in probe order.
		sl.extOff = int32(len(x.ext))
		x.ext = x.appendStems(x.ext, strBytes(keyOf(recs[e].key)))
		if n := len(x.ext) - int(sl.extOff); n < probeStems {
			sl.stemN = uint8(n)
		} else {
			x.ext, sl.stemN = x.ext[:sl.extOff], probeStems
		}
		enSingles := singleArr[en.singleOff:][:en.singleN]
		enMultis := multiArr[en.multiOff:][:en.multiN]
		if len(enSingles) > 0 {
			sl.single = enSingles[0]
			sl.moreN = uint8(len(enSingles) - 1)
			for _, p := range enSingles[1:] {
				x.ext = append(x.ext, extRef{pat: p})
			}
		}
		sl.anchOff, sl.anchN = int32(len(x.anchors)), uint16(len(enMultis))
		for _, mi := range enMultis {
			m := &x.multi[mi]
			ar := anchorRef{multi: mi, nb: -1}
			for _, j := range []int32{m.anchor + 1, m.anchor - 1} {
				if j >= 0 && j < m.n && x.munits[m.off+j] >= 0 {
					ar.nb, ar.nbOff = x.munits[m.off+j], j-m.anchor
					break
				}
			}
			switch {
			case ar.nb < 0:
				sl.anchN |= anchNoNb
			case ar.nbOff > 0:
				x.pairs.add(0, slotOf[e], ar.nb)
			default:
				x.pairs.add(1, slotOf[e], ar.nb)
			}
			x.anchors = append(x.anchors, ar)
		}
		if len(enSingles) > 1<<8 || len(enMultis) >= anchNoNb {
			collision = fmt.Errorf("the pattern word %q occurs in too many patterns", keyOf(recs[e].key))
		}
	}
	x.entries = nil
	for c := range x.byteID {
		x.byteID[c] = x.findWord(unitHashStr(string([]byte{byte(c)})), 1)
	}
	if len(x.bytePats) > maxIndexPats {
		bt := make([]string, len(x.bytePats))
		for i, p := range x.bytePats {
			bt[i] = texts[p]
		}
		x.byteAC = newAutomaton(bt)
	}
	return x, collision
}

// maxIndexPats is the number of byte-searched patterns up to which each is
// searched with bytes.Index rather than with an automaton.
const maxIndexPats = 8

// appendStems appends to dst the prefix stems and compound heads that the
// word unit b matches: prefix stems by length, then compound heads by
// length (the order in which their hits are added). The stems are found by
// their hashes (FNV-1a from the first byte, or from the last), behind a
// gate on the first or last bytes and a bit filter.
func (x *tokIndex) appendStems(dst []extRef, b []byte) []extRef {
	if len(x.prefixPats) > 0 && len(b) >= x.minP && (len(b) >= 3 && x.p3.has(b[0], b[1], b[2]) || x.p2n > 0 && x.p2.has(b[0], b[1])) {
		h := fnvOff
		for k := 0; k < len(b) && k < x.maxP; k++ {
			h = (h ^ uint64(b[k])) * fnvPrime
			if k+1 >= x.minP && x.pbloom.has(h) {
				if v := x.prefix.find(b[:k+1], h); v >= 0 {
					for _, p := range x.prefixPats[v] {
						dst = append(dst, extRef{pat: p, off: int32(k) + 1})
					}
				}
			}
		}
	}
	if n := len(b); len(x.suffixPats) > 0 && n >= x.minS && (n >= 3 && x.s3.has(b[n-3], b[n-2], b[n-1]) || x.s2n > 0 && x.s2.has(b[n-2], b[n-1])) {
		h := fnvOff
		for k := len(b) - 1; k >= 0 && len(b)-k <= x.maxS; k-- {
			h = (h ^ uint64(b[k])) * fnvPrime
			if len(b)-k >= x.minS && x.sbloom.has(h) {
				if v := x.suffix.find(b[k:], h); v >= 0 {
					for _, p := range x.suffixPats[v] {
						dst = append(dst, extRef{pat: p})
					}
				}
			}
		}
	}
	return dst
}

// cutUnits appends the units of the tokens of nt to us: every word, or
// the parts of a word between joiners, and the joiners, punctuation marks
// and emoji, each hashed and looked up in the dictionary. The tokenizer
// cuts the same units as it adds the tokens (normText.ix); this pass over
// the finished tokens is what TestUnitsWhileTokenizing compares it with.
func (x *tokIndex) cutUnits(us []unit, nt *normText) []unit {
	buf := nt.buf
	toks := nt.toks
	ti := 0
	for ti < len(toks) {
		// The inner loop takes the common token, a word of up to 8 bytes
		// without joiners (one unit), and calls nothing: a call in the
		// loop makes Go keep the loop's values on the stack and reload
		// them every turn. Each such token adds one unit, so room for
		// all the tokens left is made first.
		us = slices.Grow(us, len(toks)-ti)
		for ; ti < len(toks); ti++ {
			t := &toks[ti]
			n := int(t.end - t.start)
			if t.kind != tokWord || t.joined || uint(n-1) > 7 || int(t.start)+8 > cap(buf) {
				break
			}
			// unitHash of a unit of 1 to 8 bytes, written out (the shift
			// is below 64, which &63 tells the compiler)
			w := binary.LittleEndian.Uint64(buf[t.start : t.start+8])
			h := hashMix(uint64(n)*hashK2, w&(^uint64(0)>>((64-8*uint(n))&63)))
			k := len(us)
			us = us[:k+1]
			// field by field: a composite literal is built on the stack
			// and copied
			u := &us[k]
			u.h, u.start, u.end, u.tok, u.id, u.word = h, t.start, t.end, int32(ti), x.findWord(h, n), true
		}
		if ti == len(toks) {
			break
		}
		t := &toks[ti]
		if t.kind != tokWord || t.joined {
			us = x.cutOther(us, buf, t, int32(ti))
		} else { // a longer (or empty) word without joiners: one unit
			h := unitHash(buf[t.start:t.end])
			us = append(us, unit{h: h, start: t.start, end: t.end, tok: int32(ti), id: x.findWord(h, int(t.end-t.start)), word: true})
		}
		ti++
	}
	return us
}

// cutOther appends the units of token t (number ti) when it is not a word
// without joiners.
func (x *tokIndex) cutOther(us []unit, buf []byte, t *token, ti int32) []unit {
	b := buf[t.start:t.end]
	switch {
	case t.kind == tokWord:
		st := 0
		for k := 0; k <= len(b); k++ {
			if k < len(b) && !isJoiner(b[k]) {
				continue
			}
			h := unitHash(b[st:k])
			us = append(us, unit{h: h, start: t.start + int32(st), end: t.start + int32(k), tok: ti, id: x.findWord(h, k-st), word: true})
			if k < len(b) {
				us = append(us, unit{start: t.start + int32(k), end: t.start + int32(k) + 1, tok: ti, id: x.joiner[joinerIdx(b[k])]})
			}
			st = k + 1
		}
	case t.kind == tokURL || t.kind == tokHandle:
		us = append(us, unit{start: t.start, end: t.end, tok: ti, id: -1})
	default:
		us = append(us, unit{start: t.start, end: t.end, tok: ti, id: x.findWord(unitHash(b), len(b))})
	}
	return us
}

// unit is one unit of a text.
type unit struct {
	h          uint64 // hash of the unit's bytes (word units)
	start, end int32  // in the normalised buffer
	tok        int32
	id         int32 // dictionary entry, -1 when no pattern has the unit
	word       bool  // letters and digits of a word token
}

// brandWord is a brand term of one word ("flinkwerk"). Outside URLs and
// handles it can only match a whole unit, or a unit that adds an s
// ("Flinkwerks"); inside them it is searched in the bytes.
type brandWord struct {
	pat   int32
	text  string
	h, hs uint64 // hashes of text and text+"s"
}

// simpleWord reports whether s is one unit of letters and digits.
func simpleWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// hotPat is what the hits of a text need of a pattern, in one array
// (32 bytes a pattern; the builder's patterns are dropped after New) so
// that the scan, the scorer and the candidate loop touch little memory. The
// pattern's roles and rules are ranges of Classifier.roleTab and
// Classifier.ruleTab; its function-word weights, when it has any, are
// Classifier.stopW[stop].
type hotPat struct {
	plen             int32
	stop             int32 // index into stopW, or -1
	roleOff, roleN   int32
	ruleOff, ruleN   int32
	stopOnly, brand  bool
	exclude, hasRole bool
	ascii            bool      // the text is ASCII: its hits are no emoji
	anyHit           bool      // one of its rules is anyHit (needs every hit of it)
	mode             matchMode // for the patterns searched in the bytes
	_                [1]byte   // to 32 bytes: a shift, not a multiplication, finds an entry
}

// buildHot fills c.hot, c.roleTab, c.ruleTab and c.stopW from c.pats.
func (c *Classifier) buildHot() {
	c.hot = make([]hotPat, len(c.pats))
	nRoles, nRules := 0, 0
	for i := range c.pats {
		nRoles += len(c.pats[i].roles)
		nRules += len(c.pats[i].rules)
	}
	c.roleTab = make([]role, 0, nRoles)
	c.ruleTab = make([]int32, 0, nRules)
	for i := range c.pats {
		c.hot[i] = c.hotOf(i)
	}
}

// addRules adds a pattern's rules to c.ruleTab and returns where they
// are and whether one of them is anyHit.
func (c *Classifier) addRules(rules []int32) (off, n int32, anyHit bool) {
	off = int32(len(c.ruleTab))
	for _, r := range rules {
		if c.rules[r].anyHit {
			anyHit = true
			r = ^r // see Classifier.ruleTab
		}
		c.ruleTab = append(c.ruleTab, r)
	}
	return off, int32(len(rules)), anyHit
}

// hotOf returns the hotPat of pattern i, adding its roles, rules and
// function-word weights to the tables.
func (c *Classifier) hotOf(i int) hotPat {
	p := &c.pats[i]
	text := c.texts[i]
	hp := hotPat{plen: int32(len(text)), stop: -1, stopOnly: p.stopOnly, brand: p.brand, exclude: p.exclude, mode: p.mode,
		roleOff: int32(len(c.roleTab)), roleN: int32(len(p.roles)),
		hasRole: len(p.roles) > 0, ascii: asciiPrefix(text) == len(text)}
	c.roleTab = append(c.roleTab, p.roles...)
	hp.ruleOff, hp.ruleN, hp.anyHit = c.addRules(p.rules)
	if de, en := p.stopWeights(); de != 0 || en != 0 {
		hp.stop = int32(len(c.stopW))
		c.stopW = append(c.stopW, [2]float64{de, en})
	}
	return hp
}

// roles returns the roles of the pattern of hp.
func (c *Classifier) roles(hp *hotPat) []role {
	return c.roleTab[hp.roleOff:][:hp.roleN]
}

// addHit records a hit of pattern p over tokens [t0, t1) ending at byte end.
func (c *Classifier) addHit(s *scratch, p, t0, t1, end int32) {
	hp := &c.hot[p]
	if hp.stop >= 0 && s.countStop {
		s.stopDE += c.stopW[hp.stop][0]
		s.stopEN += c.stopW[hp.stop][1]
	}
	if hp.stopOnly {
		return
	}
	s.hits = append(s.hits, hit{pat: p, t0: t0, t1: t1, end: end, plen: hp.plen})
}

// tokScan collects the hits of every pattern in the units of the
// normalised text (cut while tokenizing), sorted as the byte automaton
// reports them: by end, longer first, then by pattern.
func (c *Classifier) tokScan(s *scratch) {
	x := c.tix
	nt := &s.nt
	if cap(nt.buf)-len(nt.buf) < 8 { // room for unitHash's last word
		nt.buf = slices.Grow(nt.buf, 8)
	}
	buf := nt.buf
	us := nt.units // cut while tokenizing
	s.units = us
	hasPS, hasB := len(x.prefixPats) > 0 || len(x.suffixPats) > 0, len(x.brandWords) > 0
	for ui := range us {
		u := &us[ui]
		var sl *wordSlot // the unit's slot, nil outside the dictionary
		if u.id >= 0 {
			sl = &x.wslots[u.id]
		}
		if u.word && hasPS {
			// prefix stems and compound heads: listed for the words of the
			// dictionary, probed for the others
			stemN := uint8(probeStems)
			if sl != nil {
				stemN = sl.stemN
			}
			switch stemN {
			case 0:
			case probeStems:
				s.stems = x.appendStems(s.stems[:0], buf[u.start:u.end])
				c.stemHits(s, u, s.stems)
			default:
				c.stemHits(s, u, x.ext[sl.extOff:][:stemN])
			}
		}
		if hasB {
			if u.word {
				// most words fail the one-bit gate before the comparison
				if x.brandBits&(1<<(u.h&63)) != 0 {
					c.brandWordHits(s, u)
				}
			} else if u.id < 0 {
				c.brandInToken(s, u)
			}
		}
		if sl == nil {
			continue
		}
		if sl.stop >= 0 && s.countStop {
			st := &x.stops[sl.stop]
			s.stopDE += st[0]
			s.stopEN += st[1]
		}
		if sl.single >= 0 {
			s.hits = append(s.hits, hit{pat: sl.single, t0: u.tok, t1: u.tok + 1, end: u.end, plen: u.end - u.start})
			if sl.moreN > 0 {
				more := x.ext[sl.extOff:][:int(sl.stemN)+int(sl.moreN)][sl.stemN:]
				for _, e := range more {
					s.hits = append(s.hits, hit{pat: e.pat, t0: u.tok, t1: u.tok + 1, end: u.end, plen: u.end - u.start})
				}
			}
		}
		if sl.anchN == 0 {
			continue
		}
		// the slots of the units before and after it (-1: none), which
		// the phrases' neighbour checks compare with
		l, r := int32(-1), int32(-1)
		if ui > 0 {
			l = us[ui-1].id
		}
		if ui+1 < len(us) {
			r = us[ui+1].id
		}
		if sl.anchN&anchNoNb == 0 {
			// Most anchored units have neither neighbour that one of
			// their phrases checks first: the pair filter tells, in one
			// line of it. (Inline and both bits computed: a call, or the
			// left neighbour read only when the right one fails, cost
			// more.)
			pl, wr, br := pairAt(u.id, r, 0)
			_, wl, bl := pairAt(u.id, l, 1)
			line := &x.pairs[pl]
			if line[wr&7]&(1<<br) == 0 && line[wl&7]&(1<<bl) == 0 {
				continue
			}
		}
	multi:
		for _, ar := range x.anchors[sl.anchOff:][:sl.anchN&(anchNoNb-1)] {
			if ar.nb >= 0 { // the unit right after (nbOff 1) or before (-1)
				nb := l
				if ar.nbOff > 0 {
					nb = r
				}
				if nb != ar.nb {
					continue
				}
			}
			m := &x.multi[ar.multi]
			s0 := ui - int(m.anchor)
			if s0 < 0 || s0+int(m.n) > len(us) {
				continue
			}
			for j, id := range x.munits[m.off:][:m.n] {
				tu := &us[s0+j]
				if id >= 0 {
					if tu.id != id {
						continue multi
					}
				} else if !tu.word || !matchStem(id, x.mtexts[m.text], buf[tu.start:tu.end]) {
					continue multi
				}
			}
			last := &us[s0+int(m.n)-1]
			end := last.end
			if m.stem > 0 {
				end = last.start + m.stem
			}
			c.addHit(s, m.pat, us[s0].tok, last.tok+1, end)
		}
	}
	// Sort by end, longer first, then by pattern. The hits come nearly in
	// order, so insertion sort is linear in practice.
	c.sortHits(s.hits)
	if len(x.bytePats) > 0 {
		// Other brand terms: searched in the bytes, sorted apart, merged in.
		n := len(s.hits)
		if x.byteAC != nil {
			c.byteScan(s, x.byteAC, x.bytePats)
		} else {
			for k, p := range x.bytePats {
				if x.byteAt>>(k&63)&1 != 0 && !s.nt.atTok {
					continue // an '@' in a text without URLs and handles
				}
				c.indexScan(s, p)
			}
		}
		if m := len(s.hits) - n; m > 0 && m <= 4 {
			// A few (the usual case): each is put in its place, after
			// the hits that are not greater, as the merge below would.
			c.sortHits(s.hits[n:])
			for k := n; k < len(s.hits); k++ {
				h := s.hits[k]
				lo, hi := 0, k // the first hit greater than h is in [lo, hi]
				for lo < hi {
					mid := int(uint(lo+hi) >> 1)
					if c.hitLess(&h, &s.hits[mid]) {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				copy(s.hits[lo+1:k+1], s.hits[lo:k])
				s.hits[lo] = h
			}
		} else if m > 0 {
			c.sortHits(s.hits[n:])
			s.merged = append(s.merged[:0], s.hits...)
			a, b := s.merged[:n], s.merged[n:]
			out := s.hits[:0]
			for len(a) > 0 && len(b) > 0 {
				if c.hitLess(&b[0], &a[0]) {
					out = append(out, b[0])
					b = b[1:]
				} else {
					out = append(out, a[0])
					a = a[1:]
				}
			}
			out = append(append(out, a...), b...)
			s.hits = out
		}
	}
}

func (c *Classifier) sortHits(hs []hit) {
	if len(hs) == 0 {
		return
	}
	last := hs[0].end // the largest end so far: that of the last hit sorted
	for i := 1; i < len(hs); i++ {
		if e := hs[i].end; e > last {
			last = e
			continue // in order (most hits): one comparison
		}
		for j := i; j > 0 && c.hitLess(&hs[j], &hs[j-1]); j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
		last = hs[i].end
	}
}

func (c *Classifier) hitLess(a, b *hit) bool {
	if a.end != b.end {
		return a.end < b.end
	}
	if a.plen != b.plen {
		return a.plen > b.plen
	}
	return a.pat < b.pat
}

// boundaryOK applies the word-boundary rules of the pattern's mode to a
// match of buf[start:end] whose first byte lies in a token of kind kind.
func boundaryOK(mode matchMode, buf []byte, start, end int, kind tokKind) bool {
	startOK := start == 0 || !isWordByte(buf[start-1])
	endOK := end == len(buf) || !isWordByte(buf[end])
	switch mode {
	case modeExact:
		return startOK && endOK && kind != tokURL && kind != tokHandle
	case modePrefix:
		return startOK && kind != tokURL && kind != tokHandle
	case modeSuffix:
		return endOK && kind == tokWord
	case modeBrand:
		// a brand may take a genitive or plural s: "Flinkwerks"
		return startOK && (endOK || buf[end] == 's' && (end+1 == len(buf) || !isWordByte(buf[end+1])))
	case modeBrandPrefix:
		return startOK
	}
	return false
}

// tokAt returns the token that contains byte i of the buffer (or the last
// one starting before it).
func (nt *normText) tokAt(i int) int32 {
	lo, hi := 0, len(nt.toks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(nt.toks[m].start) <= i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return int32(max(lo-1, 0))
}

// stemHits adds the hits of the stems of word unit u.
func (c *Classifier) stemHits(s *scratch, u *unit, stems []extRef) {
	for _, e := range stems {
		end := u.end
		if e.off > 0 {
			end = u.start + e.off
		}
		c.addHit(s, e.pat, u.tok, u.tok+1, end)
	}
}

// brandWordHits adds the hits of the one-word brand terms that word unit u
// is, with or without an added s.
func (c *Classifier) brandWordHits(s *scratch, u *unit) {
	n := int(u.end - u.start)
	for bi := range c.tix.brandWords {
		bw := &c.tix.brandWords[bi]
		if u.h == bw.h && n == len(bw.text) || u.h == bw.hs && n == len(bw.text)+1 {
			c.addHit(s, bw.pat, u.tok, u.tok+1, u.start+int32(len(bw.text)))
		}
	}
}

// brandInToken finds the one-word brand terms inside unit u when it is a
// URL or a handle (elsewhere they are whole units, compared in tokScan).
func (c *Classifier) brandInToken(s *scratch, u *unit) {
	x := c.tix
	nt := &s.nt
	if u.id >= 0 || nt.toks[u.tok].kind != tokURL && nt.toks[u.tok].kind != tokHandle {
		return
	}
	// inside a URL or handle: search the bytes of the token
	buf := nt.buf
	tb := buf[u.start:u.end]
	for bi := range x.brandWords {
		bw := &x.brandWords[bi]
		for off := 0; off < len(tb); {
			i := strings.Index(unsafe.String(&tb[off], len(tb)-off), bw.text)
			if i < 0 {
				break
			}
			start := int(u.start) + off + i
			end := start + len(bw.text)
			off += i + 1
			if boundaryOK(modeBrand, buf, start, end, tokURL) {
				c.addHit(s, bw.pat, u.tok, u.tok+1, int32(end))
			}
		}
	}
}

// indexScan finds the occurrences of pattern p in the bytes.
func (c *Classifier) indexScan(s *scratch, p int32) {
	text, mode := c.texts[p], c.hot[p].mode
	buf := s.nt.buf
	for off := 0; off < len(buf); {
		i := strings.Index(unsafe.String(&buf[off], len(buf)-off), text)
		if i < 0 {
			return
		}
		start := off + i
		end := start + len(text)
		off = start + 1
		if mode == modeBrand {
			// the common case: no token kind needed
			if boundaryOK(modeBrand, buf, start, end, tokWord) {
				c.addHit(s, p, s.nt.tokAt(start), s.nt.tokAt(end-1)+1, int32(end))
			}
			continue
		}
		t0 := s.nt.tokAt(start)
		if boundaryOK(mode, buf, start, end, s.nt.toks[t0].kind) {
			c.addHit(s, p, t0, s.nt.tokAt(end-1)+1, int32(end))
		}
	}
}

// byteScan runs automaton a (over the patterns idx, or all patterns when
// idx is nil) over the bytes of the normalised text and adds the hits that
// keep the word boundaries of their mode. It is the matcher the word-level
// scan replaces, kept for brand terms and as the reference in tests.
func (c *Classifier) byteScan(s *scratch, a *automaton, idx []int32) {
	nt := &s.nt
	buf := nt.buf
	st := int32(0)
	ti := int32(0) // the token at i: tokens are separated by single spaces
	for i, ch := range buf {
		if ch == ' ' {
			ti++
		}
		st = a.delta[st&^outFlag+int32(a.classOf[ch])]
		if st >= 0 {
			continue
		}
		end := i + 1
		for _, ap := range a.outputs(st) {
			p := ap
			if idx != nil {
				p = idx[ap]
			}
			start := end - len(c.texts[p])
			t0 := ti
			for t0 > 0 && int(nt.toks[t0].start) > start {
				t0--
			}
			if boundaryOK(c.hot[p].mode, buf, start, end, nt.toks[t0].kind) {
				c.addHit(s, p, t0, ti+1, int32(end))
			}
		}
	}
}

// bareAC returns the byte automaton over every pattern, built on first
// use: the benchmarks' bare scan and the tests' reference matcher.
func (c *Classifier) bareAC() *automaton {
	c.bareOnce.Do(func() {
		c.bare = newAutomaton(c.texts)
	})
	return c.bare
}
