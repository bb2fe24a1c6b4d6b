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

// knobAxis is a knob Plot can put on the X axis.
type knobAxis struct {
	name string
	unit string // of its numeric values, for tick labels
	get  func(labv1.Knobs) string
	// clear removes the knob (with its request, for cpu and memory) so
	// what is left identifies a line.
	clear func(*labv1.Knobs)
}

var knobAxes = []knobAxis{
	{"cpu", "cores", func(k labv1.Knobs) string { return k.CPULimit },
		func(k *labv1.Knobs) { k.CPULimit, k.CPURequest = "", "" }},
	{"memory", "B", func(k labv1.Knobs) string { return k.MemoryLimit },
		func(k *labv1.Knobs) { k.MemoryLimit, k.MemoryRequest = "", "" }},
	{"gomaxprocs", "", func(k labv1.Knobs) string { return k.GOMAXPROCS }, func(k *labv1.Knobs) { k.GOMAXPROCS = "" }},
	{"gogc", "", func(k labv1.Knobs) string { return k.GOGC }, func(k *labv1.Knobs) { k.GOGC = "" }},
	{"gomemlimit", "B", func(k labv1.Knobs) string { return k.GOMEMLIMIT }, func(k *labv1.Knobs) { k.GOMEMLIMIT = "" }},
	{"godebug", "", func(k labv1.Knobs) string { return k.GODEBUG }, func(k *labv1.Knobs) { k.GODEBUG = "" }},
	{"params", "", func(k labv1.Knobs) string { return k.ParamSet }, func(k *labv1.Knobs) { k.ParamSet = "" }},
}

// PlotKnobs lists the knobs Plot accepts on its X axis.
func PlotKnobs() []string {
	names := make([]string, len(knobAxes))
	for i, a := range knobAxes {
		names[i] = a.name
	}
	return names
}

func lookupKnob(name string) (knobAxis, error) {
	for _, a := range knobAxes {
		if a.name == name {
			return a, nil
		}
	}
	return knobAxis{}, inputErrorf("knob %q cannot be plotted; use one of %s", name, strings.Join(PlotKnobs(), ", "))
}

// maxSide bounds a plot's width and height, so a typo cannot ask for a
// gigapixel image.
const maxSide = 10000

// Plot draws a figure's median per variant (with its 95% confidence
// interval as error bars, when there is one) against a knob, one line per
// combination of the other knobs that vary. The X axis is numeric when
// every value of the knob is a number or quantity (cpu "500m" is 0.5),
// else the values in variant order. format is "png" or "svg"; width and
// height are in points, and a PNG has one pixel per point. An unknown
// figure, knob or format is an *InputError naming the valid ones.
func Plot(exp *labv1.Experiment, figure, knob, format string, width, height vg.Length) ([]byte, error) {
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
	p, err := newPlot(exp, fig, axis, s)
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
}

func collectSeries(exp *labv1.Experiment, figure string, axis knobAxis) series {
	vs := exp.Status.Variants
	keys := lineKeys(vs, axis)
	var s series
	s.numeric = true
	numbers := make([]float64, len(vs))
	for i, v := range vs {
		label := xLabel(axis.get(v.Knobs))
		if !slices.Contains(s.categories, label) {
			s.categories = append(s.categories, label)
		}
		q, err := resource.ParseQuantity(axis.get(v.Knobs))
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
		pt.x = numbers[i]
		if !s.numeric {
			pt.x = float64(slices.Index(s.categories, xLabel(axis.get(v.Knobs))))
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
func lineKeys(vs []labv1.VariantStatus, axis knobAxis) []labv1.Knobs {
	keys := make([]labv1.Knobs, len(vs))
	for i, v := range vs {
		keys[i] = v.Knobs
		axis.clear(&keys[i])
	}
	if len(keys) == 0 {
		return keys
	}
	first := knobFields(&keys[0])
	for f := range first {
		same := true
		for i := range keys {
			same = same && *knobFields(&keys[i])[f] == *first[f]
		}
		if !same {
			continue
		}
		for i := range keys {
			*knobFields(&keys[i])[f] = ""
		}
	}
	return keys
}

func knobFields(k *labv1.Knobs) []*string {
	return []*string{&k.CPURequest, &k.CPULimit, &k.MemoryRequest, &k.MemoryLimit, &k.GOMAXPROCS,
		&k.GOGC, &k.GOMEMLIMIT, &k.GODEBUG, &k.Image, &k.ParamSet}
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
