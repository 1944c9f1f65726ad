package classifier

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// tokKind says what a token of the normalised text is.
type tokKind uint8

const (
	tokWord   tokKind = iota // letters and digits, possibly joined by - . &
	tokPunct                 // ! ? . , ; :
	tokEmoji                 // one emoji (modifiers and joiners dropped)
	tokURL                   // a URL, kept for brand terms only
	tokHandle                // an @handle, kept for brand terms only
)

// token is one unit of the normalised text. start and end index the
// normalised buffer; ostart and oend the original text.
type token struct {
	start, end   int32
	ostart, oend int32
	sent         int32 // sentence number
	kind         tokKind
	caps         bool // written in capitals (4 or more letters, no lower case)
	joined       bool // a word with a joiner (- . &) inside
}

// normText is the normalised form of one text: the tokens' folded bytes
// joined by single spaces, so that phrases are plain byte strings.
type normText struct {
	buf    []byte
	toks   []token
	nfc    []byte  // scratch for NFC conversion
	nfcMap []int32 // original offset of every byte of nfc
	iter   norm.Iter
	excl   int // exclamation marks
	quest  int // question marks
	caps   int // tokens written in capitals
	// atTok: a URL or handle was added. Their tokens are the only ones
	// whose bytes can hold an '@' (elsewhere it ends a word and is
	// dropped), so without one no pattern with an '@' can match.
	atTok bool

	// word state
	inWord           bool
	joined           bool // the current word has a joiner
	upper, lower     int
	wordStart, wordO int
	sent             int32
	omap             []int32
	base             int32 // offset of the current part in the original body

	// With ix set (texts, not patterns), every token is cut into its units
	// as it is added: each word, or the parts of a word between joiners,
	// and the joiners, punctuation marks and emoji, hashed and looked up
	// in the dictionary (see tokscan.go). Cutting them while the bytes
	// are at hand saves a pass over the tokens.
	ix    *tokIndex
	units []unit
}

func (n *normText) reset() {
	n.buf = n.buf[:0]
	n.toks = n.toks[:0]
	n.excl, n.quest, n.caps = 0, 0, 0
	n.atTok = false
	n.inWord = false
	n.sent = 0
	n.omap = nil
	n.base = 0
	n.units = n.units[:0]
}

// orig maps an offset of the source the tokenizer reads to the original text.
func (n *normText) orig(i int) int32 {
	if n.omap == nil {
		return n.base + int32(i)
	}
	return n.base + n.omap[i]
}

// normalize tokenizes s alone.
func (n *normText) normalize(s string) {
	n.reset()
	n.reserve(len(s) + 1)
	n.add(s, 0)
}

// reserve makes room for the tokens, units and bytes of most texts of k
// bytes (a token takes a byte at least, most are one unit, and most bytes
// stay one, with a space before each token), so that shortWord (see
// turnsLeft) seldom runs out of it (when it does, the general path
// appends); the room is made once for a longer text than any before.
func (n *normText) reserve(k int) {
	if cap(n.toks) < k || cap(n.units) < k || cap(n.buf) < 2*k+32 {
		n.toks = slices.Grow(n.toks, k)
		n.units = slices.Grow(n.units, k)
		n.buf = slices.Grow(n.buf, 2*k+32)
	}
}

// body tokenizes a mention's title and text as mention.Body joins them,
// without building the joined string.
func (n *normText) body(title, text string) {
	n.reset()
	n.reserve(len(title) + len(text) + 2)
	n.add(title, 0)
	if title != "" && text != "" {
		n.endWord(len(title))
		n.sent++
		n.add(text, len(title)+1)
	} else {
		n.add(text, 0)
	}
}

// add tokenizes s, whose first byte is at offset base of the original body.
// Offsets of tokens refer to the body even when s is not in NFC and had to
// be converted first.
func (n *normText) add(s string, base int) {
	n.omap = nil
	n.base = int32(base)
	// The ASCII prefix is in NFC whatever follows it; check the rest.
	i := asciiPrefix(s)
	if i == len(s) || nfcSafe(s[i:]) || norm.NFC.QuickSpanString(s) == len(s) {
		n.tokenize(s)
		return
	}
	// Convert to NFC segment by segment, remembering where each output
	// byte came from: byte k of a segment from byte k of its source,
	// within the source segment. A segment starts at a starter, and so
	// does every token; the end of a token that stops inside a segment (an
	// emoji before a stray combining mark, which is dropped) maps to the
	// end of the token's own bytes, not to the segment's start, which
	// would make its span empty.
	n.nfc = n.nfc[:0]
	n.nfcMap = n.nfcMap[:0]
	it := &n.iter
	it.InitString(norm.NFC, s)
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		end := it.Pos()
		n.nfc = append(n.nfc, seg...)
		for k := range seg {
			n.nfcMap = append(n.nfcMap, int32(min(start+k, end)))
		}
	}
	n.nfcMap = append(n.nfcMap, int32(len(s)))
	n.omap = n.nfcMap
	if len(n.nfc) == 0 {
		return
	}
	n.tokenize(unsafe.String(&n.nfc[0], len(n.nfc)))
}

// asciiPrefix returns the length of the ASCII prefix of s, reading 8 bytes
// at a time.
func asciiPrefix(s string) int {
	b := strBytes(s)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if load64(b, i)&msb != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// strBytes returns the bytes of s, to be read only.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// load64 reads b[i:i+8] little-endian. The caller must have checked
// 0 <= i and i+8 <= len(b): it reads without a bounds check of its own (in
// the tokenizer's hottest loops the check cost ~500 instructions a text).
// Read as an array of 8 bytes, the compiler makes one load of it on
// little-endian machines and stays correct on the others.
func load64(b []byte, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))[:])
}

// store64 writes v little-endian to b[i:i+8] within b's capacity. The
// caller must have checked 0 <= i and i+8 <= cap(b): it writes without a
// bounds check of its own.
func store64(b []byte, i int, v uint64) {
	binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))[:], v)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// lowerRunEnd returns the end of the run of ASCII lower-case letters and
// digits in s that starts at or before i, reading 8 bytes at a time: with
// the top bit of every byte set, subtracting a byte value below 0x80 from
// each byte cannot borrow from its neighbour, so the top bits of
// (w|msb) - lsb*x tell which bytes are >= x.
func lowerRunEnd(s []byte, i int) int {
	for i+8 <= len(s) {
		w := load64(s, i)
		h := w | msb
		lower := (h - lsb*'a') &^ (h - lsb*('z'+1))
		digit := (h - lsb*'0') &^ (h - lsb*('9'+1))
		other := ^((lower | digit) &^ w) & msb // non-ASCII bytes are others
		if other != 0 {
			return i + bits.TrailingZeros64(other)>>3
		}
		i += 8
	}
	for i < len(s) && (s[i]-'a' < 26 || s[i]-'0' < 10) {
		i++
	}
	return i
}

func isAlnumASCII(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isWordByte reports whether c belongs to a word in the normalised buffer:
// ASCII letters and digits and every byte of a multi-byte character.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func (n *normText) sep() {
	if len(n.buf) > 0 {
		n.buf = append(n.buf, ' ')
	}
}

// begin starts a token at original offset o (in the source).
func (n *normText) begin(o int) {
	n.sep()
	n.wordStart = len(n.buf)
	n.wordO = o
}

// emit ends the token begun with begin.
// appendLowerASCII appends b to the token with ASCII letters folded to
// lower case (URLs and @handles, which are matched only as brand terms).
func (n *normText) appendLowerASCII(b string) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		n.buf = append(n.buf, c)
	}
}

// emitWhole emits a token that is complete as it stands (a URL, a handle,
// a punctuation mark, an emoji) and, while indexing, cuts its unit at once.
func (n *normText) emitWhole(kind tokKind, oend int) {
	n.emit(kind, oend, false)
	if n.ix != nil {
		n.cutLast()
	}
}

func (n *normText) emit(kind tokKind, oend int, caps bool) {
	n.toks = append(n.toks, token{
		start: int32(n.wordStart), end: int32(len(n.buf)),
		ostart: n.orig(n.wordO), oend: n.orig(oend),
		sent: n.sent, kind: kind, caps: caps, joined: kind == tokWord && n.joined,
	})
}

// cutLast appends the units of the last token to n.units.
func (n *normText) cutLast() {
	ti := len(n.toks) - 1
	t := &n.toks[ti]
	if t.kind == tokPunct && t.end-t.start == 1 { // one mark: its id is at hand
		n.units = append(n.units, unit{start: t.start, end: t.end, tok: int32(ti), id: n.ix.byteID[n.buf[t.start]]})
		return
	}
	if t.kind != tokWord || t.joined {
		n.units = n.ix.cutOther(n.units, n.buf, t, int32(ti))
		return
	}
	h := unitHash(n.buf[t.start:t.end])
	n.units = append(n.units, unit{h: h, start: t.start, end: t.end, tok: int32(ti), id: n.ix.findWord(h, int(t.end-t.start)), word: true})
}

func (n *normText) endWord(o int) {
	if !n.inWord {
		return
	}
	n.inWord = false
	if len(n.buf) == n.wordStart { // nothing kept (cannot happen, defensive)
		return
	}
	caps := n.upper >= 4 && n.lower == 0
	if caps {
		n.caps++
	}
	n.emit(tokWord, o, caps)
	if n.ix != nil {
		n.cutLast()
	}
}

func (n *normText) startWord(o int) {
	if !n.inWord {
		n.begin(o)
		n.inWord = true
		n.upper, n.lower = 0, 0
		n.joined = false
	}
}

func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '<' || c == '>'
}

func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF
}

// isEmojiModifier reports runes that only modify the emoji before them.
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || r >= 0x1F3FB && r <= 0x1F3FF
}

// fold returns the folded form of a non-ASCII letter: umlauts become two
// letters (ä = ae), ß becomes ss, common accents are dropped.
func fold(r rune) (string, rune) {
	switch r {
	case 'ä', 'Ä', 'æ', 'Æ':
		return "ae", 0
	case 'ö', 'Ö', 'œ', 'Œ':
		return "oe", 0
	case 'ü', 'Ü':
		return "ue", 0
	case 'ß', 'ẞ':
		return "ss", 0
	case 'à', 'á', 'â', 'ã', 'å', 'À', 'Á', 'Â', 'Ã', 'Å':
		return "a", 0
	case 'ç', 'Ç':
		return "c", 0
	case 'è', 'é', 'ê', 'ë', 'È', 'É', 'Ê', 'Ë':
		return "e", 0
	case 'ì', 'í', 'î', 'ï', 'Ì', 'Í', 'Î', 'Ï':
		return "i", 0
	case 'ñ', 'Ñ':
		return "n", 0
	case 'ò', 'ó', 'ô', 'õ', 'ø', 'Ò', 'Ó', 'Ô', 'Õ', 'Ø':
		return "o", 0
	case 'ù', 'ú', 'û', 'Ù', 'Ú', 'Û':
		return "u", 0
	case 'ý', 'ÿ', 'Ý':
		return "y", 0
	}
	return "", unicode.ToLower(r)
}

// Classes of ASCII bytes for the tokenizer.
const (
	clsOther   uint8 = iota // ends a word
	clsLower                // a-z 0-9
	clsUpper                // A-Z
	clsSpace                // space: ends a word
	clsAt                   // @ (handles)
	clsApos                 // ' (don't, Flinkwerk's)
	clsJoin                 // - & (inside a word: joiners)
	clsDot                  // . (a joiner inside a word, else punctuation)
	clsPunct                // ! ? , ; :
	clsNewline              // ends a sentence
)

// asciiClass is the class of every byte; bytes from 0x80 on are clsOther
// (the tokenizer decodes them as runes).
var asciiClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clsLower
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clsUpper
	}
	t[' '], t['@'], t['\''], t['-'], t['&'], t['.'], t['\n'] = clsSpace, clsAt, clsApos, clsJoin, clsJoin, clsDot, clsNewline
	for _, c := range "!?,;:" {
		t[c] = clsPunct
	}
	return t
}()

// wordEnds lists the classes of the ASCII bytes before which a word of
// letters and digits ends without looking further: a space, punctuation
// other than the joiner '.', a newline and the other ends of words
// ('@' is not one: after a word it is dropped, before one it starts a
// handle.)
var wordEnds = [...]bool{clsOther: true, clsSpace: true, clsPunct: true, clsNewline: true}

// noShortWord turns shortWord off (tests compare the two paths).
var noShortWord = false

// shortWord is the fast path for the most common word: when the 8 bytes of
// src from i on hold a whole word of at most 8 lower-case letters and
// digits, the first maybe a capital (or the 16 bytes a word of up to 15),
// and the byte after it ends the word, it adds the word's token (and,
// with ix set, its unit) at once, as startWord, the run and endWord
// would, takes a punctuation mark (not a run of them) and a space after
// it, and goes on so with the words that follow while they are such
// words; it returns where it stopped, i when it did nothing. No word is
// open, and i+8 <= len(src).
func (n *normText) shortWord(src []byte, i int) int {
	turns := n.turnsLeft()
	if turns <= 0 {
		return i
	}
	w := load64(src, i)
	for {
		first := byte(w)
		capital := first-'A' < 26
		if capital {
			w |= 0x20 // the capital folded, the rest must be lower case
		}
		h := w | msb
		lower := (h - lsb*'a') &^ (h - lsb*('z'+1))
		digit := (h - lsb*'0') &^ (h - lsb*('9'+1))
		other := ^((lower | digit) &^ w) & msb
		wl := 8 // the word's length
		if other != 0 {
			wl = bits.TrailingZeros64(other) >> 3
		}
		j := i + wl
		if wl == 0 || capital && wl == 1 {
			return i // no word, or a single capital (which the slow path handles)
		}
		// A word of 9 to 15 bytes ("Flinkwerk"): the next 8 bytes hold its
		// rest, lower-case letters and digits.
		var w2 uint64
		wl2 := 0
		if wl == 8 && i+16 <= len(src) {
			w2 = load64(src, i+8)
			h2 := w2 | msb
			lower2 := (h2 - lsb*'a') &^ (h2 - lsb*('z'+1))
			digit2 := (h2 - lsb*'0') &^ (h2 - lsb*('9'+1))
			other2 := ^((lower2 | digit2) &^ w2) & msb
			if other2 == 0 {
				return i // 16 bytes or more: the general path
			}
			wl2 = bits.TrailingZeros64(other2) >> 3
			j += wl2
		}
		if j < len(src) && !endsWord[src[j]] && !(joinerTab[src[j]] && (j+1 == len(src) || !isAlnumASCII(src[j+1]) && src[j+1] < utf8.RuneSelf)) {
			// the word may go on (a joiner - . & before a letter or digit
			// joins; one before anything else ends the word, as the general
			// path has it: a '.' is punctuation then, the others are dropped)
			return i
		}
		// written without bounds checks: turnsLeft made the room
		b := n.buf
		l := len(b)
		if l > 0 {
			store64(b, l, ' ') // the space, and zeros the word overwrites
			l++
		}
		store64(b, l, w)
		if wl2 > 0 {
			store64(b, l+8, w2)
			wl += wl2
		}
		n.buf = b[:l+wl]
		os, oe := n.base+int32(i), n.base+int32(j)
		if n.omap != nil {
			os, oe = n.base+n.omap[i], n.base+n.omap[j]
		}
		// field by field: a composite literal is built on the stack and
		// copied; there is room (see turnsLeft)
		k := len(n.toks)
		n.toks = n.toks[:k+1]
		t := &n.toks[k]
		t.start, t.end, t.ostart, t.oend, t.sent = int32(l), int32(l+wl), os, oe, n.sent
		t.kind, t.caps, t.joined = tokWord, false, false
		if x := n.ix; x != nil {
			// its unit: unitHash of a word of 1 to 15 bytes, written out (the
			// shifts are below 64, which &63 tells the compiler)
			var h uint64
			if wl2 == 0 {
				h = hashMix(uint64(wl)*hashK2, w&(^uint64(0)>>((64-8*uint(wl))&63)))
			} else {
				h = (uint64(wl)*hashK2 ^ w) * hashK1
				h ^= h >> 32
				h = hashMix(h, w2&(^uint64(0)>>((64-8*uint(wl2))&63)))
			}
			ku := len(n.units)
			n.units = n.units[:ku+1]
			u := &n.units[ku]
			u.h, u.start, u.end, u.tok, u.id, u.word = h, int32(l), int32(l+wl), int32(k), x.findWord(h, wl), true
		}
		// the next word, in the same call: the tokenizer's loop reloads its
		// values after every call
		i = j
		if i < len(src) && src[i] == ' ' {
			i++ // the common case: a space ends the word, and no word is open
		} else if i < len(src) && punctMark[src[i]] && (i+1 == len(src) || src[i+1] != src[i]) {
			// a punctuation mark after the word, not a run of it: its
			// token, as punct adds it (the word before starts no run)
			c := src[i]
			switch c {
			case '!':
				n.excl++
			case '?':
				n.quest++
			}
			l := len(n.buf)
			n.buf = n.buf[:l+2]
			n.buf[l], n.buf[l+1] = ' ', c
			os, oe := n.base+int32(i), n.base+int32(i+1)
			if n.omap != nil {
				os, oe = n.base+n.omap[i], n.base+n.omap[i+1]
			}
			k := len(n.toks)
			n.toks = n.toks[:k+1]
			t := &n.toks[k]
			t.start, t.end, t.ostart, t.oend, t.sent = int32(l+1), int32(l+2), os, oe, n.sent
			t.kind, t.caps, t.joined = tokPunct, false, false
			if x := n.ix; x != nil {
				ku := len(n.units)
				n.units = n.units[:ku+1]
				u := &n.units[ku]
				u.h, u.start, u.end, u.tok, u.id, u.word = 0, int32(l+1), int32(l+2), int32(k), x.byteID[c], false
			}
			if c == '!' || c == '?' || c == '.' {
				n.sent++
			}
			i++
			if i < len(src) && src[i] == ' ' {
				i++ // ends no word: none is open
			}
		}
		if turns--; i+8 > len(src) || turns == 0 {
			return i
		}
		// the next word's first 8 bytes, read once for the check and the turn
		w = load64(src, i)
		if c := byte(w) | 0x20; (c == 'h' || c == 'w') && urlStart(w) {
			return i // a URL: the general path
		}
	}
}

// turnsLeft returns how many turns of shortWord the buffers have room
// for: a turn adds two tokens and two units at most, and 18 bytes (a
// space, a word of up to 15 bytes, a space and a mark), writing at most 17
// bytes beyond the buffer's length (the word's bytes are stored 8 at a
// time). shortWord makes room by reslicing only: with an append (a call)
// in its loop, Go would keep the loop's values on the stack. reserve
// makes the room for a text.
func (n *normText) turnsLeft() int {
	return min((cap(n.buf)-len(n.buf)+1)/18, (cap(n.toks)-len(n.toks))/2, (cap(n.units)-len(n.units))/2)
}

// urlStart reports whether the 8 bytes w start with http://, https:// or
// www. (letters in either case), as the tokenizer's check with
// hasPrefixFold does: a byte or'ed with 0x20 is h only for h and H, and
// likewise for the other letters; the marks are compared as they are.
func urlStart(w uint64) bool {
	const http, https, www = 0x002f2f3a70747468, 0x2f2f3a7370747468, 0x2e777777
	return (w|0x20202020)&0x00ffffffffffffff == http || w|0x2020202020 == https || (w|0x202020)&0xffffffff == www
}

// punctMark tells the punctuation marks that are tokens of their own.
var punctMark = [256]bool{'!': true, '?': true, '.': true, ',': true, ';': true, ':': true}

// endsWord tells the bytes before which a word of letters and digits ends
// without looking further (wordEnds of their class; no byte from 0x80 on).
var endsWord = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = wordEnds[asciiClass[c]]
	}
	return t
}()

// punct handles the punctuation mark c at i: it ends the word and adds a
// token (a run of the same mark is one token).
func (n *normText) punct(c byte, i int) {
	n.endWord(i)
	switch c {
	case '!':
		n.excl++
	case '?':
		n.quest++
	}
	if k := len(n.toks) - 1; k >= 0 && n.toks[k].kind == tokPunct && n.buf[n.toks[k].start] == c && int(n.toks[k].oend) == int(n.orig(i)) {
		n.toks[k].oend = n.orig(i + 1)
	} else {
		n.begin(i)
		n.buf = append(n.buf, c)
		n.emitWhole(tokPunct, i+1)
	}
	if c == '!' || c == '?' || c == '.' {
		n.sent++
	}
}

// tokenize splits src (in NFC) into folded tokens.
func (n *normText) tokenize(src string) {
	sb := strBytes(src)
	i := 0
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case clsLower, clsUpper:
				if !n.inWord && (c|0x20 == 'h' || c|0x20 == 'w') &&
					(hasPrefixFold(src[i:], "http://") || hasPrefixFold(src[i:], "https://") || hasPrefixFold(src[i:], "www.")) {
					j := i
					for j < len(src) && !isSpaceByte(src[j]) {
						j++
					}
					for j > i && (src[j-1] == '.' || src[j-1] == ',' || src[j-1] == ')' || src[j-1] == '!' || src[j-1] == '?') {
						j--
					}
					n.atTok = true
					n.begin(i)
					n.appendLowerASCII(src[i:j])
					n.emitWhole(tokURL, j)
					i = j
					continue
				}
				if !n.inWord && i+8 <= len(src) && !noShortWord {
					if j := n.shortWord(sb, i); j > i {
						i = j
						continue
					}
				}
				n.startWord(i)
				k := i // the run of lower-case letters and digits starts at k
				if c >= 'A' && c <= 'Z' {
					n.buf = append(n.buf, c+'a'-'A')
					n.upper++
					k = i + 1
					if k == len(src) || asciiClass[src[k]] != clsLower {
						i = k
						continue
					}
				}
				// the common case: a run of lower-case letters and digits
				j := lowerRunEnd(sb, k+1)
				if b := len(n.buf); j-k <= 8 && k+8 <= len(src) && cap(n.buf)-b >= 8 {
					// a short run: store 8 bytes at once, keep j-k of them
					binary.LittleEndian.PutUint64(n.buf[b:b+8], load64(sb, k))
					n.buf = n.buf[:b+j-k]
				} else {
					n.buf = append(n.buf, src[k:j]...)
				}
				n.lower += j - k
				i = j
				if i < len(src) && src[i] == ' ' {
					// the space after the word, without another turn
					n.endWord(i)
					i++
				}
				continue
			case clsSpace:
				if n.inWord {
					n.endWord(i)
				}
			case clsAt:
				if !n.inWord && i+1 < len(src) && (isAlnumASCII(src[i+1]) || src[i+1] == '_') {
					j := i + 1
					for j < len(src) && (isAlnumASCII(src[j]) || src[j] == '_' || src[j] == '.' && j+1 < len(src) && isAlnumASCII(src[j+1])) {
						j++
					}
					n.atTok = true
					n.begin(i)
					n.appendLowerASCII(src[i:j])
					n.emitWhole(tokHandle, j)
					i = j
					continue
				}
				n.endWord(i)
			case clsApos:
				if n.inWord && i+1 < len(src) && isAlnumASCII(src[i+1]) {
					// don't -> dont: one spelling for both ways of writing;
					// a final 's is dropped (Flinkwerk's -> flinkwerk)
					if (src[i+1] == 's' || src[i+1] == 'S') && (i+2 == len(src) || !isAlnumASCII(src[i+2]) && src[i+2] < utf8.RuneSelf) {
						i++
					}
				} else {
					n.endWord(i)
				}
			case clsJoin, clsDot:
				if n.inWord && i+1 < len(src) && (isAlnumASCII(src[i+1]) || src[i+1] >= utf8.RuneSelf) {
					n.buf = append(n.buf, c)
					n.joined = true
				} else if c == '.' {
					n.punct(c, i)
				} else {
					n.endWord(i)
				}
			case clsPunct:
				n.punct(c, i)
			case clsNewline:
				n.endWord(i)
				n.sent++
			default:
				n.endWord(i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == '’' || r == 'ʼ':
			if !(n.inWord && i+size < len(src) && isAlnumASCII(src[i+size])) {
				n.endWord(i)
			} else if j := i + size; (src[j] == 's' || src[j] == 'S') && (j+1 == len(src) || !isAlnumASCII(src[j+1]) && src[j+1] < utf8.RuneSelf) {
				i++
			}
		case isEmojiModifier(r):
			if k := len(n.toks) - 1; !n.inWord && k >= 0 && n.toks[k].kind == tokEmoji && int(n.toks[k].oend) == int(n.orig(i)) {
				n.toks[k].oend = n.orig(i + size)
			}
		case isEmoji(r):
			n.endWord(i)
			n.begin(i)
			n.buf = append(n.buf, src[i:i+size]...)
			n.emitWhole(tokEmoji, i+size)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if unicode.Is(unicode.Mn, r) { // a stray combining mark: drop it
				if n.inWord {
					break
				}
				n.endWord(i)
				break
			}
			s, lr := fold(r)
			n.startWord(i)
			if s != "" {
				n.buf = append(n.buf, s...)
			} else {
				n.buf = utf8.AppendRune(n.buf, lr)
			}
			if unicode.IsUpper(r) {
				n.upper++
			} else if unicode.IsLower(r) {
				n.lower++
			}
		case r == '…':
			n.endWord(i)
			n.begin(i)
			n.buf = append(n.buf, '.')
			n.emitWhole(tokPunct, i+size)
			n.sent++
		default:
			n.endWord(i)
		}
		i += size
	}
	n.endWord(len(src))
}

// nfcSafe is a fast check for the common case: every rune is one that is
// in NFC whatever surrounds it (below U+0300, general punctuation, the euro
// sign, emoji). It may return false for NFC text; then the caller asks the
// norm package. ASCII is skipped 8 bytes at a time, and two-byte sequences
// below U+0300 (lead bytes C2-CB: umlauts, accents, ß) without decoding.
func nfcSafe(s string) bool {
	b := strBytes(s)
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			for i+8 <= len(b) && load64(b, i)&msb == 0 {
				i += 8
			}
			continue
		}
		if c >= 0xC2 && c < 0xCC && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0x2010 && r <= 0x205E, r == 0x20AC, r >= 0x2600 && r <= 0x27BF,
			r >= 0x1F000 && r <= 0x1FAFF, r == 0xFE0F, r == 0x200D:
		default:
			return false
		}
		i += size
	}
	return true
}
