package classifier

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var updatePacks = flag.Bool("update-packs", false, "write the compiled packs (packs/*.bin) from the packs' text")

// blobSets are the combinations of built-in packs shipped compiled: the
// default (both, as config lists them) and each alone.
var blobSets = [][]string{{"de", "en"}, {"de"}, {"en"}}

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
			got, err := decodePacks(string(shipped), 0)
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
					if len(p.units) == 0 {
						p.units = nil
					}
				}
				if len(b.always) == 0 {
					b.always = nil
				}
				for i := range b.rules {
					// A decoded rule has no tree: what New derives from
					// it comes with the rule (hot, evals).
					b.rules[i].root = node{}
					if len(b.rules[i].spans) == 0 {
						b.rules[i].spans = nil
					}
					enodeEmptyNil(&b.evals[i])
				}
			}
			for _, cmp := range []struct {
				what      string
				got, want any
			}{{"patterns", got.pats, want.pats}, {"rules", got.rules, want.rules}, {"always", got.always, want.always}, {"topics", got.topics, want.topics}, {"unit table", got.units, want.units},
				{"candidate tables", got.hot, want.hot}, {"compact nodes", got.evals, want.evals}} {
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
			for _, key := range []string{"", "0", "0zzzzzz", "9abc", "0" + want.pats[0].text + "x"} {
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
	for _, n := range []int{0, 5, len(blobMagic), len(blobMagic) + 3, len(blob) / 3, len(blob) / 2, len(blob) - 1} {
		if _, err := decodePacks(blob[:n], 0); err == nil {
			t.Errorf("a blob cut at %d of %d bytes decoded", n, len(blob))
		}
	}
	if _, err := decodePacks(blob+"x", 0); err == nil {
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
		b, err := decodePacks(blob, 0)
		if err != nil {
			t.Fatal(err)
		}
		damage(b)
		if _, err := decodePacks(string(encodePacks(b)), 0); err == nil {
			t.Errorf("a blob with a damaged %s decoded", what)
		}
	}
}

// FuzzDecodePacks: no input makes the decoder panic.
func FuzzDecodePacks(f *testing.F) {
	blob := blobEn
	f.Add([]byte(blob[:min(len(blob), 400)]))
	f.Add([]byte(blobMagic + "\x01\x01\x00\x00\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodePacks(blobMagic+string(b[min(len(b), len(blobMagic)):]), 0)
		_, _ = decodePacks(string(b), 0)
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
			if _, _, err := loadPacks(names, 0); err != nil {
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
