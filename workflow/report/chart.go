package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The charts are drawn here rather than with a plotting library: two
// charts (stacked bars, one line) did not justify the ~7 MB of plotting
// code, fonts and PDF/SVG/LaTeX back ends that gonum/plot added to the
// binary, about 3.5 MB of the daemon's resident memory.

// The charts' size: ChartWidth × ChartHeight pixels.
const (
	ChartWidth  = 960
	ChartHeight = 480
	// maxLabels is how many day labels fit under the x axis; with more
	// days only every n-th is labelled.
	maxLabels = 16
)

// The charts' colours.
var (
	colourCritical = color.RGBA{R: 0xd6, G: 0x3b, B: 0x3b, A: 0xff}
	colourOther    = color.RGBA{R: 0x9c, G: 0xb4, B: 0xcc, A: 0xff}
	colourTonality = color.RGBA{R: 0x33, G: 0x55, B: 0x88, A: 0xff}
	colourText     = color.RGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	colourAxis     = color.RGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff}
	colourGrid     = color.RGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
)

// The plot area inside the image: room for the title and legend above,
// the y tick labels and axis label left, the day labels below.
var plotArea = image.Rect(80, 56, ChartWidth-24, ChartHeight-48)

// faces are the Go fonts (BSD licence, part of golang.org/x/image) at the
// charts' sizes, parsed once.
var faces = sync.OnceValues(func() (*chartFaces, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, err
	}
	f := &chartFaces{}
	opts := &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull}
	if f.label, err = opentype.NewFace(regular, opts); err != nil {
		return nil, err
	}
	opts.Size = 16
	if f.title, err = opentype.NewFace(bold, opts); err != nil {
		return nil, err
	}
	return f, nil
})

type chartFaces struct{ label, title font.Face }

// chart is one chart being drawn.
type chart struct {
	img        *image.RGBA
	f          *chartFaces
	days       int
	ymin, ymax float64
}

func newChart(title, yLabel string, days int, ymin, ymax float64) (*chart, error) {
	f, err := faces()
	if err != nil {
		return nil, fmt.Errorf("chart fonts: %w", err)
	}
	c := &chart{img: image.NewRGBA(image.Rect(0, 0, ChartWidth, ChartHeight)), f: f, days: days, ymin: ymin, ymax: ymax}
	draw.Draw(c.img, c.img.Bounds(), image.White, image.Point{}, draw.Src)
	c.text(f.title, title, ChartWidth/2, 28, alignCentre)
	c.yAxis(yLabel)
	return c, nil
}

// x returns the horizontal centre of day i's slot.
func (c *chart) x(i int) float64 {
	w := float64(plotArea.Dx()) / float64(max(c.days, 1))
	return float64(plotArea.Min.X) + (float64(i)+0.5)*w
}

// y returns the vertical position of the value v.
func (c *chart) y(v float64) float64 {
	return float64(plotArea.Max.Y) - (v-c.ymin)/(c.ymax-c.ymin)*float64(plotArea.Dy())
}

// yAxis draws the grid lines, tick labels and the label of the y axis.
func (c *chart) yAxis(label string) {
	step := niceStep((c.ymax - c.ymin) / 5)
	decimals := max(0, -int(math.Floor(math.Log10(step))))
	for v := math.Ceil(c.ymin/step) * step; v <= c.ymax+step/1e6; v += step {
		y := int(math.Round(c.y(v)))
		c.fill(image.Rect(plotArea.Min.X, y, plotArea.Max.X, y+1), colourGrid)
		c.fill(image.Rect(plotArea.Min.X-5, y, plotArea.Min.X, y+1), colourAxis)
		c.text(c.f.label, strconv.FormatFloat(v+0, 'f', decimals, 64), plotArea.Min.X-8, y+5, alignRight)
	}
	c.fill(image.Rect(plotArea.Min.X, plotArea.Min.Y, plotArea.Min.X+1, plotArea.Max.Y+1), colourAxis)
	c.text(c.f.label, label, plotArea.Min.X, plotArea.Min.Y-10, alignLeft)
}

// xAxis draws the axis line and the day labels.
func (c *chart) xAxis(labels []string) {
	c.fill(image.Rect(plotArea.Min.X, plotArea.Max.Y, plotArea.Max.X, plotArea.Max.Y+1), colourAxis)
	for i, l := range labels {
		if l == "" {
			continue
		}
		x := int(math.Round(c.x(i)))
		c.fill(image.Rect(x, plotArea.Max.Y, x+1, plotArea.Max.Y+5), colourAxis)
		c.text(c.f.label, l, x, plotArea.Max.Y+20, alignCentre)
	}
}

// legend draws the entries right-aligned above the plot area.
func (c *chart) legend(entries ...legendEntry) {
	x := plotArea.Max.X
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		x -= font.MeasureString(c.f.label, e.label).Ceil()
		c.text(c.f.label, e.label, x, plotArea.Min.Y-10, alignLeft)
		x -= 18
		c.fill(image.Rect(x, plotArea.Min.Y-21, x+12, plotArea.Min.Y-9), e.colour)
		x -= 16
	}
}

type legendEntry struct {
	label  string
	colour color.Color
}

type align int

const (
	alignLeft align = iota
	alignCentre
	alignRight
)

// text draws s with its baseline at y, starting at, centred on or ending
// at x.
func (c *chart) text(face font.Face, s string, x, y int, a align) {
	w := font.MeasureString(face, s)
	dot := fixed.P(x, y)
	switch a {
	case alignCentre:
		dot.X -= w / 2
	case alignRight:
		dot.X -= w
	}
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(colourText), Face: face, Dot: dot}
	d.DrawString(s)
}

func (c *chart) fill(r image.Rectangle, col color.Color) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Over)
}

// polyline draws an anti-aliased line of the given width through pts.
func (c *chart) polyline(pts [][2]float64, width float64, col color.Color) {
	if len(pts) < 2 {
		return
	}
	r := vector.NewRasterizer(ChartWidth, ChartHeight)
	h := float32(width / 2)
	for i := 1; i < len(pts); i++ {
		x0, y0, x1, y1 := float32(pts[i-1][0]), float32(pts[i-1][1]), float32(pts[i][0]), float32(pts[i][1])
		dx, dy := x1-x0, y1-y0
		l := float32(math.Hypot(float64(dx), float64(dy)))
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*h, dx/l*h
		r.MoveTo(x0+nx, y0+ny)
		r.LineTo(x1+nx, y1+ny)
		r.LineTo(x1-nx, y1-ny)
		r.LineTo(x0-nx, y0-ny)
		r.ClosePath()
	}
	// Round joins: a disc at every inner point.
	for _, p := range pts[1 : len(pts)-1] {
		disc(r, p[0], p[1], width/2)
	}
	r.Draw(c.img, c.img.Bounds(), image.NewUniform(col), image.Point{})
}

// dots draws a filled anti-aliased circle of radius rad at every point.
func (c *chart) dots(pts [][2]float64, rad float64, col color.Color) {
	if len(pts) == 0 {
		return
	}
	r := vector.NewRasterizer(ChartWidth, ChartHeight)
	for _, p := range pts {
		disc(r, p[0], p[1], rad)
	}
	r.Draw(c.img, c.img.Bounds(), image.NewUniform(col), image.Point{})
}

// disc adds a circle of radius rad around (x, y) to r as a 24-gon.
func disc(r *vector.Rasterizer, x, y, rad float64) {
	const n = 24
	r.MoveTo(float32(x+rad), float32(y))
	for k := 1; k < n; k++ {
		a := 2 * math.Pi * float64(k) / n
		r.LineTo(float32(x+rad*math.Cos(a)), float32(y+rad*math.Sin(a)))
	}
	r.ClosePath()
}

func (c *chart) png() ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, c.img); err != nil {
		return nil, fmt.Errorf("chart png: %w", err)
	}
	return b.Bytes(), nil
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// ChartPNG draws the mentions per day, critical stacked on the others, as
// a ChartWidth × ChartHeight PNG.
func (r *Report) ChartPNG() ([]byte, error) {
	most := 0
	for _, d := range r.Days {
		most = max(most, d.Mentions)
	}
	// Room for the highest bar's top below the frame; whole mentions on the axis.
	ymax := math.Max(1, math.Ceil(float64(most)*1.1))
	if step := niceStep(ymax / 5); step >= 1 {
		ymax = math.Ceil(ymax/step) * step
	}
	c, err := newChart("Mentions per day ("+r.Location.String()+")", "mentions", len(r.Days), 0, ymax)
	if err != nil {
		return nil, err
	}
	slot := float64(plotArea.Dx()) / float64(max(len(r.Days), 1))
	half := math.Max(1, math.Min(20, slot*0.35))
	for i, d := range r.Days {
		x0, x1 := int(math.Round(c.x(i)-half)), int(math.Round(c.x(i)+half))
		base, top := int(math.Round(c.y(0))), int(math.Round(c.y(float64(d.Mentions-d.Critical))))
		c.fill(image.Rect(x0, top, x1, base), colourOther)
		c.fill(image.Rect(x0, int(math.Round(c.y(float64(d.Mentions)))), x1, top), colourCritical)
	}
	c.xAxis(r.dayLabels())
	c.legend(legendEntry{"critical", colourCritical}, legendEntry{"not critical", colourOther})
	return c.png()
}

// TonalityPNG draws the mean classifier score per day (higher is more
// critical) as a ChartWidth × ChartHeight PNG. Days without mentions are
// left out of the line.
func (r *Report) TonalityPNG() ([]byte, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range r.Days {
		if d.Mentions > 0 {
			lo, hi = math.Min(lo, d.MeanScore), math.Max(hi, d.MeanScore)
		}
	}
	if lo > hi { // no mentions at all
		lo, hi = 0, 1
	}
	// Keep the extreme points off the frame.
	pad := math.Max(0.1, (hi-lo)*0.1)
	c, err := newChart("Tonality per day: mean score, higher is more critical ("+r.Location.String()+")",
		"mean score", len(r.Days), lo-pad, hi+pad)
	if err != nil {
		return nil, err
	}
	var pts [][2]float64
	for i, d := range r.Days {
		if d.Mentions > 0 {
			pts = append(pts, [2]float64{c.x(i), c.y(d.MeanScore)})
		}
	}
	c.polyline(pts, 2, colourTonality)
	c.dots(pts, 3.5, colourTonality)
	c.xAxis(r.dayLabels())
	return c.png()
}

// dayLabels labels the x axis with the days ("01-02", month and day), thinned out
// when there are many.
func (r *Report) dayLabels() []string {
	step := (len(r.Days) + maxLabels - 1) / maxLabels
	labels := make([]string, len(r.Days))
	for i, d := range r.Days {
		if step > 1 && i%step != 0 {
			continue
		}
		labels[i] = d.Date[5:]
	}
	return labels
}
