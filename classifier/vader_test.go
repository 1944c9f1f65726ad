package classifier

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// vaderDev is where the VADER evaluation snippets (MIT, C.J. Hutto) live on
// the development machines. They are read from there and never copied into
// the repository.
const vaderDev = "../../shared/data/vader-dev"

// TestVaderDev measures the English pack on the VADER ground-truth snippets:
// a snippet is negative when its mean human rating is <= -0.5. It logs
// precision, recall and F1 of the negative class next to the F1 of flagging
// everything, for each file. It is skipped where the data is absent.
func TestVaderDev(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(vaderDev, "*_GroundTruth.txt"))
	if len(files) == 0 {
		t.Skipf("no VADER data in %s", vaderDev)
	}
	c, err := New(config.Rules{Packs: []string{"en"}}, config.Brand{})
	if err != nil {
		t.Fatal(err)
	}
	var v mention.Verdict
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		var cn prf
		ths := []float64{0.3, 0.5, 0.7, 1.0}
		byTh := make([]prf, len(ths))
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			parts := strings.SplitN(sc.Text(), "\t", 3)
			if len(parts) != 3 {
				continue
			}
			mean, err := strconv.ParseFloat(parts[1], 64)
			if err != nil {
				continue
			}
			m := mention.Mention{Text: parts[2], Lang: "en"}
			c.Classify(&m, &v)
			cn.add(v.Criticism, mean <= -0.5)
			for i, th := range ths {
				byTh[i].add(v.Score >= th, mean <= -0.5)
			}
		}
		f.Close()
		p, r, f1 := cn.scores()
		all := prf{tp: cn.tp + cn.fn, fp: cn.fp + cn.tn}
		_, _, base := all.scores()
		t.Logf("%s: n=%d P=%.3f R=%.3f F1=%.3f (flag-everything F1=%.3f)", filepath.Base(file), cn.tp+cn.fp+cn.fn+cn.tn, p, r, f1, base)
		for i, th := range ths {
			p, r, f := byTh[i].scores()
			t.Logf("  at threshold %.1f: P=%.3f R=%.3f F1=%.3f", th, p, r, f)
		}
	}
}
