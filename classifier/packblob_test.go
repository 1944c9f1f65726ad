package classifier

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

var updatePacks = flag.Bool("update-packs", false, "write the compiled packs (packs/*.bin) from the packs' text")

// blobSets are the combinations of built-in packs shipped compiled:
// every one a config can name (New sorts the names).
var blobSets = func() [][]string {
	var sets [][]string
	packs := Packs()
	for m := 1; m < 1<<len(packs); m++ {
		var set []string
		for i, p := range packs {
			if m>>i&1 != 0 {
				set = append(set, p)
			}
		}
		slices.Sort(set)
		sets = append(sets, set)
	}
	return sets
}()

// TestPackBlobs checks that every shipped blob is what compiling the
// packs' text gives today, and that decoding it gives back the compiled
// packs exactly. With -update-packs (go generate) it writes the blobs.
func TestPackBlobs(t *testing.T) {
	if len(blobs) != len(blobSets) {
		t.Fatalf("%d blobs embedded, %d written", len(blobs), len(blobSets))
	}
	for _, names := range blobSets {
		t.Run(strings.Join(names, "-"), func(t *testing.T) {
			want, err := compilePacks(names)
			if err != nil {
				t.Fatal(err)
			}
			blob := encodePacks(want)
			file := blobName(names)
			if *updatePacks {
				if err := os.WriteFile(file, blob, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			shipped, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if embedded, ok := blobs[file]; !ok || (!*updatePacks && *embedded != string(shipped)) {
				t.Fatalf("%s is not embedded (or the test binary is older than the file)", file)
			}
			if string(shipped) != string(blob) {
				t.Fatalf("%s is not the packs' text compiled (%d bytes shipped, %d now): run go generate ./classifier/", file, len(shipped), len(blob))
			}
			got, err := decodePacks(string(shipped), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			// nil and empty lists mean the same to the classifier.
			for _, b := range []*packBase{want, got} {
				for i := range b.pats {
					p := &b.pats[i]
					if len(p.roles) == 0 {
						p.roles = nil
					}
					if len(p.rules) == 0 {
						p.rules = nil
					}
				}
				if len(b.always) == 0 {
					b.always = nil
				}
				for i := range b.rules {
					// A decoded rule has no tree: what New derives from
					// it comes with the rule (hot, evals).
					b.rules[i].root = nil
					if len(b.rules[i].spans) == 0 {
						b.rules[i].spans = nil
					}
					enodeEmptyNil(&b.evals[i])
				}
			}
			for _, cmp := range []struct {
				what      string
				got, want any
			}{{"patterns", got.pats, want.pats}, {"texts", got.texts, want.texts}, {"rules", got.rules, want.rules}, {"always", got.always, want.always}, {"topics", got.topics, want.topics}, {"unit table", got.units, want.units},
				{"candidate tables", got.hot, want.hot}, {"compact nodes", got.evals, want.evals},
				{"patterns' hot tables", got.phot, want.phot}, {"roles", got.roleTab, want.roleTab}, {"rule lists", got.ruleTab, want.ruleTab}, {"function-word weights", got.stopW, want.stopW}} {
				if !reflect.DeepEqual(cmp.got, cmp.want) {
					t.Errorf("decoded %s differ from the compiled ones", cmp.what)
				}
			}
			// Every key the compiler indexed is found, at the same pattern.
			for key, p := range want.index {
				if q, ok := got.lookup(key); !ok || q != p {
					t.Errorf("lookup(%q) = %d, %v; want %d", key, q, ok, p)
				}
			}
			for _, key := range []string{"", "0", "0zzzzzz", "9abc", "0" + want.texts[0] + "x"} {
				if _, ok := want.index[key]; ok {
					continue
				}
				if q, ok := got.lookup(key); ok {
					t.Errorf("lookup(%q) = %d, want none", key, q)
				}
			}
		})
	}
}

func enodeEmptyNil(n *enode) {
	if len(n.kids) == 0 {
		n.kids = nil
	}
	if len(n.leaves) == 0 {
		n.leaves = nil
	}
	if len(n.right) == 0 {
		n.right = nil
	}
	for k := range n.kids {
		enodeEmptyNil(&n.kids[k])
	}
}

// TestDecodePacksCorrupt: a cut or damaged blob is an error, not a panic.
func TestDecodePacksCorrupt(t *testing.T) {
	blob := blobEn
	// Another version's blob is refused by its first line; a damaged one
	// is an error that says so, named after its file by loadPacks.
	if _, err := decodePacks("earshot packs 2\n"+blob[len(blobMagic):], 0, 0); err == nil || !strings.Contains(err.Error(), "not a packs blob of this version") {
		t.Errorf("a format 2 blob: %v", err)
	}
	if _, err := decodePacks(blob[:len(blob)-1], 0, 0); !errors.Is(err, errBlob) || err.Error() != "truncated or corrupt" {
		t.Errorf("a cut blob: %v, want %v", err, errBlob)
	}
	// Where the second half of the patterns or the rules start, out of
	// place.
	hdr := len(blobMagic)
	for range nCounts {
		for blob[hdr] >= 0x80 {
			hdr++
		}
		hdr++
	}
	for k := range nSplit {
		for _, v := range []uint32{0, uint32(len(blob)) + 1, 1 << 31} {
			b := []byte(blob)
			binary.LittleEndian.PutUint32(b[hdr+4*k:], v)
			if _, err := decodePacks(string(b), 0, 0); err == nil {
				t.Errorf("a blob with split field %d = %d decoded", k, v)
			}
		}
	}
	for _, n := range []int{0, 5, len(blobMagic), len(blobMagic) + 3, len(blob) / 3, len(blob) / 2, len(blob) - 1} {
		if _, err := decodePacks(blob[:n], 0, 0); err == nil {
			t.Errorf("a blob cut at %d of %d bytes decoded", n, len(blob))
		}
	}
	if _, err := decodePacks(blob+"x", 0, 0); err == nil {
		t.Error("a blob with a byte too many decoded")
	}
	// Well-formed, but naming a rule or pattern that does not exist.
	for what, damage := range map[string]func(b *packBase){
		"rule in always":    func(b *packBase) { b.always = append(b.always, int32(len(b.rules))) },
		"rule of a pattern": func(b *packBase) { b.pats[0].rules = []int32{-1} },
		"pattern of a span": func(b *packBase) { b.rules[0].spans = []leaf{{pat: int32(len(b.pats))}} },
		"pattern of a node": func(b *packBase) { b.evals[0].pat = int32(len(b.pats)) },
		"pattern of a leaf": func(b *packBase) { b.evals[0].leaves = []leaf{{pat: -1}} },
		"need":              func(b *packBase) { b.hot[0].need = int32(len(b.pats)) },
		"req": func(b *packBase) {
			b.hot[0].reqN = 1
			b.hot[0].req[0] = -1
		},
		"number of a unit": func(b *packBase) { b.units.uids[0] = int32(len(b.units.keys)) },
		"node kind":        func(b *packBase) { b.evals[0].kind = nNever + 1 },
		"NOT operand":      func(b *packBase) { b.evals[0] = enode{kind: nNot} },
		"meta node":        func(b *packBase) { b.evals[0] = enode{kind: nMeta} },
	} {
		b, err := decodePacks(blob, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		damage(b)
		if _, err := decodePacks(string(encodePacks(b)), 0, 0); err == nil {
			t.Errorf("a blob with a damaged %s decoded", what)
		}
	}
}

// TestDecodePacksAnyHit: the rule lists of the patterns say which rules
// are anyHit (see Classifier.ruleTab), and must say what the rules say.
func TestDecodePacksAnyHit(t *testing.T) {
	b, err := decodePacks(blobEn, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := b.pats[slices.IndexFunc(b.pats, func(p pattern) bool { return len(p.rules) > 0 })].rules[0]
	b.rules[r].anyHit = !b.rules[r].anyHit
	flipped := encodePacks(b)
	// The patterns of flipped (their lists say the rule is what it is
	// not), the rules of the shipped blob: the same sizes, bit for bit
	// but one.
	hdr := len(blobMagic)
	for range nCounts {
		for blobEn[hdr] >= 0x80 {
			hdr++
		}
		hdr++
	}
	rulesAt := int(binary.LittleEndian.Uint32([]byte(blobEn[hdr+4*sRules:])))
	if len(flipped) != len(blobEn) || int(binary.LittleEndian.Uint32(flipped[hdr+4*sRules:])) != rulesAt {
		t.Fatal("flipping a rule's anyHit changed the blob's layout")
	}
	if _, err := decodePacks(string(flipped[:rulesAt])+blobEn[rulesAt:], 0, 0); err == nil {
		t.Error("a blob whose rule lists disagree with a rule on anyHit decoded")
	}
	if _, err := decodePacks(string(flipped), 0, 0); err != nil {
		t.Errorf("the flipped blob itself: %v", err)
	}
}

// FuzzDecodePacks: no input makes the decoder panic.
func FuzzDecodePacks(f *testing.F) {
	blob := blobEn
	f.Add([]byte(blob[:min(len(blob), 400)]))
	f.Add([]byte(blobMagic + "\x01\x01\x00\x00\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodePacks(blobMagic+string(b[min(len(b), len(blobMagic)):]), 0, 0)
		_, _ = decodePacks(string(b), 0, 0)
	})
}

// BenchmarkLoadPacks decodes the default packs' blob, as every New does
// (the daemon's start-up), against compiling their text (what a start
// cost before the blobs).
func BenchmarkLoadPacks(b *testing.B) {
	names := []string{"de", "en"}
	b.Run("blob", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, wait, err := loadPacks(names, 0, 0)
			if err == nil {
				err = wait()
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compilePacks(names); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// compilePacks compiles the named packs from their text (packs/*.txt,
// read from the package's directory, where go test runs): what the blobs
// are checked against and written from.
func compilePacks(names []string) (*packBase, error) {
	srcs := make([]string, len(names))
	var errs []error
	lines := 0
	for i, name := range names {
		src, err := os.ReadFile(packText(name))
		if err != nil {
			errs = append(errs, fmt.Errorf("pack %q: %w", name, err))
		}
		srcs[i] = string(src)
		lines += strings.Count(srcs[i], "\n")
	}
	// Room for every line's pattern and a rule's second term: growing the
	// slice of (large) patterns one doubling at a time cost a fifth of
	// the compile.
	c := &Classifier{pats: make([]pattern, 0, 2*lines)}
	b := &builder{c: c, index: make(map[string]int32, 2*lines), topics: map[string]bool{}}
	for i, name := range names {
		if err := b.pack(name, srcs[i]); err != nil {
			errs = append(errs, fmt.Errorf("pack %q: %w", name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	finishPatterns(c.pats)
	c.rules = slices.Clip(c.rules)
	c.always = slices.Clip(c.always)
	// The exact size: the base is kept for the process's life.
	pats := slices.Clone(c.pats)
	base := &packBase{pats: pats, texts: slices.Clone(c.texts), rules: c.rules, always: c.always, index: b.index, topics: b.topics, units: newUnitTable(pats, b.units),
		hot: make([]ruleHot, len(c.rules)), evals: make([]enode, len(c.rules))}
	for i := range c.rules {
		base.hot[i], base.evals[i] = ruleTables(&c.rules[i])
	}
	hc := &Classifier{pats: pats, texts: base.texts, rules: c.rules}
	hc.buildHot()
	base.phot, base.roleTab, base.ruleTab, base.stopW = hc.hot, hc.roleTab, hc.ruleTab, hc.stopW
	return base, nil
}

// packText is the file of a pack's text.
func packText(name string) string { return filepath.Join("packs", name+".txt") }

// TestPackOrder: the order in which a config names the packs does not
// matter: [en, de] loads the blob of [de, en] and gives the same verdicts,
// matched rules in the same order.
func TestPackOrder(t *testing.T) {
	brand := config.Brand{Terms: []string{"Flinkwerk"}}
	want := mustNew(t, config.Rules{Packs: []string{"de", "en"}}, brand)
	got := mustNew(t, config.Rules{Packs: []string{"en", " DE", "en"}}, brand)
	if !slices.Equal(got.Topics(), want.Topics()) || len(got.rules) != len(want.rules) || len(got.texts) != len(want.texts) {
		t.Fatal("[en, de] and [de, en] load different packs")
	}
	n := 0
	for _, f := range []string{"golden-fresh.tsv", "golden-tune.tsv"} {
		for _, l := range readGolden(t, f) {
			var vg, vw mention.Verdict
			bg := got.Classify(&mention.Mention{Text: l.text}, &vg)
			bw := want.Classify(&mention.Mention{Text: l.text}, &vw)
			if bg != bw || !reflect.DeepEqual(vg, vw) {
				t.Errorf("%q: [en, de] gives %+v, [de, en] %+v", l.text, vg, vw)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no texts")
	}
}

// TestLoadPacksMissing: a combination without a compiled form is an error
// that names the packs, not a panic (New sorts the names, so none is
// missing; the packs' text is not in the binary to fall back on).
func TestLoadPacksMissing(t *testing.T) {
	_, _, err := loadPacks([]string{"en", "de"}, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "en, de") || !strings.Contains(err.Error(), "no compiled form") {
		t.Errorf("loadPacks([en de]) = %v, want an error naming the packs", err)
	}
	for _, names := range blobSets {
		_, wait, err := loadPacks(names, 0, 0)
		if err == nil {
			err = wait()
		}
		if err != nil {
			t.Errorf("%v: %v", names, err)
		}
	}
}
