package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// plan.Knob is a knob Plot can put on the X axis.
// PlotKnobs lists the knobs Plot accepts on its X axis (plan.Knobs).
func PlotKnobs() []string {
	var names []string
	for _, k := range plan.Knobs {
		if k.Plot {
			names = append(names, k.Name)
		}
	}
	return names
}

func lookupKnob(name string) (plan.Knob, error) {
	if k, ok := plan.LookupKnob(name); ok && k.Plot {
		return k, nil
	}
	return plan.Knob{}, inputErrorf("knob %q cannot be plotted; use one of %s", name, strings.Join(PlotKnobs(), ", "))
}

// maxSide bounds a plot's width and height, so a typo cannot ask for a
// gigapixel image.
const maxSide = 10000

// Plot draws a figure's median per variant (with its 95% confidence
// interval as error bars, when there is one) against a knob, one line per
// combination of the other knobs that vary. The X axis is numeric when
// every value of the knob is a number or quantity (cpu "500m" is 0.5),
// else the values in variant order. The value axis starts at zero, so
// that the eye reads the differences at their size, unless zoom (or a
// negative value); the recommended variant is ringed. format is "png" or
// "svg"; width and height are in points, and a PNG has one pixel per
// point. An unknown figure, knob or format is an *InputError naming the
// valid ones.
func Plot(exp *labv1.Experiment, figure, knob, format string, width, height vg.Length, zoom bool) ([]byte, error) {
	fig, err := lookupFigure(exp, figure)
	if err != nil {
		return nil, err
	}
	axis, err := lookupKnob(knob)
	if err != nil {
		return nil, err
	}
	c, err := newCanvas(format, width, height)
	if err != nil {
		return nil, err
	}
	s := collectSeries(exp, fig.Name, axis)
	if len(s.lines) == 0 {
		return nil, inputErrorf("figure %q: no variant of %s has a median of it yet", figure, exp.Name)
	}
	p, err := newPlot(exp, fig, axis, s, zoom)
	if err != nil {
		return nil, err
	}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode %s plot of %s: %w", format, figure, err)
	}
	return buf.Bytes(), nil
}

func newCanvas(format string, w, h vg.Length) (vg.CanvasWriterTo, error) {
	if w < 1 || h < 1 || w > maxSide || h > maxSide {
		return nil, inputErrorf("plot size %gx%g: width and height must be between 1 and %d points", w, h, maxSide)
	}
	switch format {
	case "png":
		// 72 dpi makes one pixel per point, so the PNG has the size asked for.
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(72))}, nil
	case "svg":
		return vgsvg.New(w, h), nil
	}
	return nil, inputErrorf("plot format %q: use png or svg", format)
}

// series are the lines of a plot and how to read its X axis.
type series struct {
	lines      []line
	categories []string // X labels, in variant order, when not numeric
	numeric    bool
}

type line struct {
	legend string
	pts    []point
}

type point struct {
	x, y, lo, hi float64
	ci           bool
	// best marks the recommended variant's point.
	best bool
}

func collectSeries(exp *labv1.Experiment, figure string, axis plan.Knob) series {
	vs := exp.Status.Variants
	keys := lineKeys(vs, axis)
	var s series
	s.numeric = true
	numbers := make([]float64, len(vs))
	for i, v := range vs {
		label := xLabel(axis.Get(v.Knobs))
		if !slices.Contains(s.categories, label) {
			s.categories = append(s.categories, label)
		}
		q, err := resource.ParseQuantity(axis.Get(v.Knobs))
		s.numeric = s.numeric && err == nil
		numbers[i] = q.AsApproximateFloat64()
	}
	var order []labv1.Knobs
	byKey := map[labv1.Knobs]*line{}
	for i, v := range vs {
		pt, ok := pointOf(v.Aggregates, figure)
		if !ok {
			continue
		}
		pt.best = exp.Status.Recommendation != nil && exp.Status.Recommendation.Variant == v.Name
		pt.x = numbers[i]
		if !s.numeric {
			pt.x = float64(slices.Index(s.categories, xLabel(axis.Get(v.Knobs))))
		}
		l := byKey[keys[i]]
		if l == nil {
			l = &line{legend: legendOf(keys[i])}
			byKey[keys[i]] = l
			order = append(order, keys[i])
		}
		l.pts = append(l.pts, pt)
	}
	for _, k := range order {
		l := byKey[k]
		slices.SortStableFunc(l.pts, func(a, b point) int { return compareFloat(a.x, b.x) })
		s.lines = append(s.lines, *l)
	}
	return s
}

func xLabel(v string) string {
	if v == "" {
		return "default"
	}
	return v
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// lineKeys returns, per variant, the knobs that put it on its line: every
// knob but the plotted one, keeping only those that vary, so a knob held
// constant does not clutter the legend.
func lineKeys(vs []labv1.VariantStatus, axis plan.Knob) []labv1.Knobs {
	keys := make([]labv1.Knobs, len(vs))
	for i, v := range vs {
		keys[i] = v.Knobs
		axis.Clear(&keys[i])
	}
	varying := plan.Varying(keys)
	for i := range keys {
		for _, kn := range plan.Knobs {
			if !slices.ContainsFunc(varying, func(v plan.Knob) bool { return v.Name == kn.Name }) {
				kn.Clear(&keys[i])
			}
		}
	}
	return keys
}

// legendOf names a line; plan.Describe leaves the image out, so it is
// added when it is what tells lines apart.
func legendOf(k labv1.Knobs) string {
	s := plan.Describe(k)
	if k.Image != "" {
		s = strings.TrimPrefix(s+" image="+k.Image, "defaults ")
	}
	return s
}

func pointOf(aggs []labv1.Aggregate, figure string) (point, bool) {
	for _, a := range aggs {
		if a.Figure != figure {
			continue
		}
		p := point{y: a.Median}
		if a.Low != nil && a.High != nil {
			p.lo, p.hi, p.ci = *a.Low, *a.High, true
		}
		return p, true
	}
	return point{}, false
}
