package report

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The charts' size: ChartWidth × ChartHeight pixels at chartDPI.
const (
	ChartWidth  = 960
	ChartHeight = 480
	chartDPI    = 96
	// maxLabels is how many day labels fit under the x axis; with more
	// days only every n-th is labelled.
	maxLabels = 16
)

// The charts' colours.
func colourCritical() color.Color { return color.RGBA{R: 0xd6, G: 0x3b, B: 0x3b, A: 0xff} }
func colourOther() color.Color    { return color.RGBA{R: 0x9c, G: 0xb4, B: 0xcc, A: 0xff} }
func colourTonality() color.Color { return color.RGBA{R: 0x33, G: 0x55, B: 0x88, A: 0xff} }

// ChartPNG draws the mentions per day, critical stacked on the others, as
// a ChartWidth × ChartHeight PNG.
func (r *Report) ChartPNG() ([]byte, error) {
	p := plot.New()
	p.Title.Text = "Mentions per day (" + r.Location.String() + ")"
	p.Y.Label.Text = "mentions"
	other := make(plotter.Values, len(r.Days))
	crit := make(plotter.Values, len(r.Days))
	most := 0
	for i, d := range r.Days {
		other[i] = float64(d.Mentions - d.Critical)
		crit[i] = float64(d.Critical)
		most = max(most, d.Mentions)
	}
	p.Y.Min = 0
	if len(r.Days) == 0 {
		return renderPNG(p)
	}
	width := vg.Points(max(2, min(40, 700/float64(len(r.Days)))))
	lower, err := plotter.NewBarChart(other, width)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	lower.Color, lower.LineStyle.Width = colourOther(), 0
	upper, err := plotter.NewBarChart(crit, width)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	upper.Color, upper.LineStyle.Width = colourCritical(), 0
	upper.StackOn(lower)
	p.Add(lower, upper)
	p.Legend.Add("critical", upper)
	p.Legend.Add("not critical", lower)
	p.Legend.Top = true
	p.NominalX(r.dayLabels()...)
	// Room for the legend above the highest bar, and for the outer bars'
	// halves.
	p.Y.Max = max(1, float64(most)*1.2)
	p.X.Min, p.X.Max = -0.5, float64(len(r.Days))-0.5
	return renderPNG(p)
}

// TonalityPNG draws the mean classifier score per day (higher is more
// critical) as a ChartWidth × ChartHeight PNG. Days without mentions are
// left out of the line.
func (r *Report) TonalityPNG() ([]byte, error) {
	p := plot.New()
	p.Title.Text = "Tonality per day: mean score, higher is more critical (" + r.Location.String() + ")"
	p.Y.Label.Text = "mean score"
	var pts plotter.XYs
	for i, d := range r.Days {
		if d.Mentions > 0 {
			pts = append(pts, plotter.XY{X: float64(i), Y: d.MeanScore})
		}
	}
	if len(pts) > 0 {
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		line.Color, points.Color = colourTonality(), colourTonality()
		p.Add(line, points)
		// Keep the extreme points off the frame.
		_, _, lo, hi := plotter.XYRange(pts)
		pad := max(0.1, (hi-lo)*0.1)
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
	}
	p.Add(plotter.NewGrid())
	p.NominalX(r.dayLabels()...)
	p.X.Min, p.X.Max = -0.5, float64(len(r.Days))-0.5
	return renderPNG(p)
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

func renderPNG(p *plot.Plot) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/chartDPI, vg.Length(ChartHeight)*vg.Inch/chartDPI), vgimg.UseDPI(chartDPI))
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart png: %w", err)
	}
	return b.Bytes(), nil
}
