package report

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func fixtureReport(t *testing.T) *Report {
	t.Helper()
	from, to, loc := fixturePeriod(t)
	r := Compute(fixtureData(t), fixtureConfig(), from, to, loc)
	r.Name = "weekly"
	return r
}

func TestComputeGolden(t *testing.T) {
	r := fixtureReport(t)
	golden(t, "weekly/summary.md", []byte(r.Markdown()))
	golden(t, "weekly/slack.txt", []byte(r.SlackText()))
	files := r.CSVFiles()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		golden(t, "weekly/"+name, files[name])
	}
}

// TestComputeFigures checks the central figures directly, so that a
// golden file accepted by mistake cannot hide a wrong count.
func TestComputeFigures(t *testing.T) {
	r := fixtureReport(t)
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("mentions", r.Current.Mentions, 14)
	check("previous mentions", r.Previous.Mentions, 6)
	check("critical", r.Current.Critical, 9)
	check("days", len(r.Days), 7)
	check("cases opened", r.Current.Cases, 11)
	// Due: c01 c02 c03 c06 c07 c08 (c04 c05 c10 c11 false positives, c09 not yet due).
	check("due", r.Current.Due, 6)
	// In time: c01 c03 c06 c08.
	check("answered in time", r.Current.Answered, 4)
	check("open", len(r.Open), 5) // c02 and c08 (replied at To), c07, c09, p02
	check("overdue", len(r.Overdue), 2)
	check("reply median", r.Response.Reply.Median, time.Hour)
	check("reply p90", r.Response.Reply.P90, 3*time.Hour+30*time.Minute)
	check("previous reply median", r.Previous.ReplyMedian, 3*time.Hour)
	var lp RuleStat
	for _, s := range r.Rules {
		if s.Rule == "lieferprobleme" {
			lp = s
		}
	}
	check("lieferprobleme hits", lp.Hits, 7)
	check("lieferprobleme cases", lp.Cases, 8)
	check("lieferprobleme false positives", lp.FalsePositives, 3)
	if !slices.ContainsFunc(r.Hints, func(h string) bool { return strings.Contains(h, "Rule lieferprobleme: 3 of 8 cases") }) {
		t.Errorf("no exclusion hint for de.criticism.generic in %q", r.Hints)
	}
}

func TestChartPNG(t *testing.T) {
	r := fixtureReport(t)
	for name, render := range map[string]func() ([]byte, error){"mentions": r.ChartPNG, "tonality": r.TonalityPNG} {
		t.Run(name, func(t *testing.T) {
			b, err := render()
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("decode png: %v", err)
			}
			if got := img.Bounds().Size(); got.X != ChartWidth || got.Y != ChartHeight {
				t.Errorf("size = %v, want %dx%d", got, ChartWidth, ChartHeight)
			}
		})
	}
}

// TestChartShapes reads the drawn charts back: every day's bar is as high
// as its mentions on one scale, split in critical and not critical as the
// figures say, and the tonality line's points lie in the order of the days'
// scores.
func TestChartShapes(t *testing.T) {
	r := fixtureReport(t)
	decode := func(render func() ([]byte, error)) image.Image {
		b, err := render()
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	same := func(a, b color.Color) bool {
		r1, g1, b1, _ := a.RGBA()
		r2, g2, b2, _ := b.RGBA()
		return r1 == r2 && g1 == g2 && b1 == b2
	}
	// run counts the pixels of colour col in the column at x inside the
	// plot area, and returns the topmost one's y.
	run := func(img image.Image, x int, col color.Color) (n, top int) {
		top = -1
		for y := plotArea.Min.Y; y <= plotArea.Max.Y; y++ {
			if same(img.At(x, y), col) {
				if top < 0 {
					top = y
				}
				n++
			}
		}
		return n, top
	}
	bars := decode(r.ChartPNG)
	c := &chart{days: len(r.Days)}
	var perMention float64
	for i, d := range r.Days {
		x := int(c.x(i))
		crit, _ := run(bars, x, colourCritical)
		other, _ := run(bars, x, colourOther)
		if (crit > 0) != (d.Critical > 0) || (other > 0) != (d.Mentions > d.Critical) {
			t.Errorf("day %s: %d critical and %d other pixels for %d of %d critical", d.Date, crit, other, d.Critical, d.Mentions)
		}
		if d.Mentions == 0 {
			continue
		}
		h := float64(crit+other) / float64(d.Mentions)
		if perMention == 0 {
			perMention = h
		}
		if math.Abs(h-perMention)*float64(d.Mentions) > 2 {
			t.Errorf("day %s: %.1f pixels per mention, the first day has %.1f", d.Date, h, perMention)
		}
		if want := float64(d.Critical) * perMention; math.Abs(float64(crit)-want) > 2 {
			t.Errorf("day %s: critical part %d pixels high, want %.0f", d.Date, crit, want)
		}
	}

	line := decode(r.TonalityPNG)
	type point struct {
		score float64
		y     int
	}
	var pts []point
	for i, d := range r.Days {
		if d.Mentions == 0 {
			continue // the line may cross the day on its way
		}
		n, top := run(line, int(c.x(i)), colourTonality)
		if n == 0 {
			t.Errorf("day %s: no point for %d mentions", d.Date, d.Mentions)
			continue
		}
		pts = append(pts, point{d.MeanScore, top})
	}
	for _, a := range pts {
		for _, b := range pts {
			if a.score > b.score+0.05 && a.y >= b.y {
				t.Errorf("score %.2f drawn at y %d, not above score %.2f at y %d", a.score, a.y, b.score, b.y)
			}
		}
	}
	if len(pts) < 3 {
		t.Fatalf("fixture has %d days with mentions; the test needs at least 3", len(pts))
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	if err := fixtureReport(t).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{SummaryFile, ChartFile, TonalityFile, "mentions.csv", "cases.csv", "response_times.csv", "rules.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
}

// TestComputeEmpty renders a period without any data: no division by zero,
// a hint instead of figures, and charts that still decode.
func TestComputeEmpty(t *testing.T) {
	to := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	from := to.Add(-time.Hour)
	r := Compute(&Data{From: from, To: to}, nil, from, to, nil)
	if r.Location != time.UTC || len(r.Days) != 1 {
		t.Fatalf("location %v, %d days; want UTC and 1", r.Location, len(r.Days))
	}
	if md := r.Markdown(); !strings.Contains(md, "No mentions in this period") {
		t.Errorf("markdown lacks the no-mentions hint:\n%s", md)
	}
	for _, render := range []func() ([]byte, error){r.ChartPNG, r.TonalityPNG} {
		b, err := render()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("decode: %v", err)
		}
	}
	r.Days = nil
	if _, err := r.ChartPNG(); err != nil {
		t.Errorf("chart without days: %v", err)
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"plain":         "plain",
		"=SUM(A1)":      "'=SUM(A1)",
		"+49 30 123":    "'+49 30 123",
		"@user":         "'@user",
		"-1.5":          "-1.5",
		"-cmd|' /C x'!": "'-cmd|' /C x'!",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	got := md("a|b *c* [x](javascript:y) <img> `z`\nnext")
	want := `a\|b \*c\* \[x\](javascript:y) \<img\> ` + "\\`z\\`" + ` next`
	if got != want {
		t.Errorf("md = %q, want %q", got, want)
	}
}
