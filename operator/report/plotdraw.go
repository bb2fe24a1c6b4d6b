package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

func newPlot(exp *labv1.Experiment, fig catalog.Figure, axis plan.Knob, s series, zoom bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s by %s", exp.Name, fig.Name, axis.Name)
	p.X.Label.Text = axis.Name
	p.Y.Label.Text = fig.Name + " (median, 95% CI)"
	p.Y.Tick.Marker = unitTicks{fig.Unit}
	p.Add(plotter.NewGrid())
	if s.numeric {
		p.X.Tick.Marker = unitTicks{axis.Unit}
		p.X.Min, p.X.Max = padded(s.xRange())
	} else {
		p.NominalX(s.categories...)
		// Half a slot of margin keeps the first and last points off the
		// frame, and keeps every category's slot even where it has no point.
		p.X.Min, p.X.Max = -0.5, float64(len(s.categories))-0.5
	}
	p.Y.Min, p.Y.Max = padded(s.yRange())
	if lo, _ := s.yRange(); !zoom && lo >= 0 {
		p.Y.Min = 0
	}
	p.Legend.Top = true
	for i, l := range s.lines {
		if err := addLine(p, i, l, len(s.lines) > 1); err != nil {
			return nil, fmt.Errorf("plot %s by %s: %w", fig.Name, axis.Name, err)
		}
	}
	if err := ringBest(p, exp, s); err != nil {
		return nil, err
	}
	return p, nil
}

// ringBest circles the recommended variant's point and says so in the
// legend.
func ringBest(p *plot.Plot, exp *labv1.Experiment, s series) error {
	for _, l := range s.lines {
		for _, pt := range l.pts {
			if !pt.best {
				continue
			}
			ring, err := plotter.NewScatter(plotter.XYs{{X: pt.x, Y: pt.y}})
			if err != nil {
				return err
			}
			ring.Shape = draw.RingGlyph{}
			ring.Color, ring.GlyphStyle.Radius = color.Black, vg.Points(8)
			p.Add(ring)
			p.Legend.Add("recommended: "+exp.Status.Recommendation.Variant, ring)
			return nil
		}
	}
	return nil
}

func addLine(p *plot.Plot, i int, l line, legend bool) error {
	xys := make(plotter.XYs, len(l.pts))
	var bars errorPoints
	for j, pt := range l.pts {
		xys[j] = plotter.XY{X: pt.x, Y: pt.y}
		if pt.ci {
			bars.XYs = append(bars.XYs, xys[j])
			bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{pt.y - pt.lo, pt.hi - pt.y})
		}
	}
	ln, sc, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	color := plotutil.DarkColors[i%len(plotutil.DarkColors)]
	ln.Color, sc.Color, sc.Shape, sc.Radius = color, color, plotutil.Shape(i), vg.Points(3)
	p.Add(ln, sc)
	if len(bars.XYs) > 0 {
		eb, err := plotter.NewYErrorBars(bars)
		if err != nil {
			return err
		}
		eb.Color = color
		p.Add(eb)
	}
	if legend {
		p.Legend.Add(l.legend, ln, sc)
	}
	return nil
}

// errorPoints are the points of a line that have a confidence interval,
// with its distance below and above the median.
type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

func (s series) xRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range s.lines {
		for _, p := range l.pts {
			lo, hi = math.Min(lo, p.x), math.Max(hi, p.x)
		}
	}
	return lo, hi
}

func (s series) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range s.lines {
		for _, p := range l.pts {
			lo, hi = math.Min(lo, p.y), math.Max(hi, p.y)
			if p.ci {
				lo, hi = math.Min(lo, p.lo), math.Max(hi, p.hi)
			}
		}
	}
	return lo, hi
}

// padded widens a data range by 5% on each side so no point or error bar
// sits on the edge of the plot, and gives a single value a range. It does
// not cross zero: a negative latency or core count on the axis misleads.
func padded(lo, hi float64) (float64, float64) {
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(lo), 1)
	}
	plo := lo - span*0.05
	if lo >= 0 {
		plo = math.Max(plo, 0)
	}
	return plo, hi + span*0.05
}

// unitTicks labels an axis's ticks in a figure's unit ("12ms", "1GiB")
// rather than raw numbers in seconds or bytes.
type unitTicks struct{ unit string }

// Ticks places ticks at round numbers of the unit's prefix: bytes step by
// round MiB or GiB, not by powers of ten that print as "229MiB".
func (t unitTicks) Ticks(lo, hi float64) []plot.Tick {
	f := 1.0
	if t.unit == "B" || t.unit == "B/s" {
		f = catalog.ByteStep(math.Max(math.Abs(lo), math.Abs(hi)))
	}
	ticks := plot.DefaultTicks{}.Ticks(lo/f, hi/f)
	for i := range ticks {
		ticks[i].Value *= f
		if ticks[i].Label != "" {
			ticks[i].Label = catalog.FormatValue(ticks[i].Value, t.unit)
		}
	}
	return ticks
}
