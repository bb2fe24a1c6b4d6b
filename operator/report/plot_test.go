package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func TestPlotPNG(t *testing.T) {
	exp := load(t, "before")
	tests := []struct {
		name          string
		figure, knob  string
		width, height vg.Length
	}{
		{name: "numeric cpu, a line per gomaxprocs", figure: "lat-p99-s", knob: "cpu", width: 800, height: 500},
		{name: "categorical gomaxprocs, a line per cpu", figure: "mem-peak-B", knob: "gomaxprocs", width: 640, height: 400},
		{name: "a knob that does not vary", figure: "req/s", knob: "memory", width: 300, height: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Plot(exp, tt.figure, tt.knob, "png", tt.width, tt.height, false)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			size := img.Bounds().Size()
			if size.X != int(tt.width) || size.Y != int(tt.height) {
				t.Errorf("size: got %dx%d, want %vx%v", size.X, size.Y, tt.width, tt.height)
			}
			// Axes, labels, lines and points cover far more than 1% of
			// the image; a blank or nearly blank plot does not.
			inked := 0
			for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
				for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
					if r, g, b, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
						inked++
					}
				}
			}
			if min := size.X * size.Y / 100; inked < min {
				t.Errorf("non-white pixels: got %d, want at least %d", inked, min)
			}
		})
	}
}

func TestPlotSVG(t *testing.T) {
	b, err := Plot(load(t, "before"), "lat-p99-s", "cpu", "svg", 800, 500, false)
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
	}
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("parse: %v", err)
	}
	if root.XMLName.Local != "svg" || root.Width != "800pt" {
		t.Errorf("root: got <%s width=%q>, want <svg width=\"800pt\">", root.XMLName.Local, root.Width)
	}
	for _, s := range []string{"gomaxprocs=auto", "gomaxprocs=4", "lat-p99-s", "recommended: v002"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("svg lacks the text %q", s)
		}
	}
}

// TestPlotAxisFromZero: the value axis starts at zero, so a 5% difference
// is not drawn as a cliff, unless the reader asks to zoom.
func TestPlotAxisFromZero(t *testing.T) {
	exp := load(t, "before")
	fig, err := lookupFigure(exp, "mem-peak-B") // 91-234 MiB
	if err != nil {
		t.Fatal(err)
	}
	axis, err := lookupKnob("cpu")
	if err != nil {
		t.Fatal(err)
	}
	s := collectSeries(exp, fig.Name, axis)
	for _, tt := range []struct {
		zoom   bool
		atZero bool
	}{{false, true}, {true, false}} {
		p, err := newPlot(exp, fig, axis, s, tt.zoom)
		if err != nil {
			t.Fatal(err)
		}
		if (p.Y.Min == 0) != tt.atZero {
			t.Errorf("zoom %v: value axis from %v, want from zero: %v", tt.zoom, p.Y.Min, tt.atZero)
		}
	}
}

func TestPlotErrors(t *testing.T) {
	exp := load(t, "before")
	empty := exp.DeepCopy()
	for i := range empty.Status.Variants {
		empty.Status.Variants[i].Aggregates = nil
	}
	tests := []struct {
		name                 string
		exp                  *labv1.Experiment
		figure, knob, format string
		want                 []string
	}{
		{name: "unknown figure", exp: exp, figure: "p99", knob: "cpu", format: "png",
			want: []string{`figure "p99"`, "lat-p99-s", "cpu-cores"}},
		{name: "unknown knob", exp: exp, figure: "lat-p99-s", knob: "image", format: "png",
			want: []string{`knob "image"`, "cpu, memory, gomaxprocs, gogc, gomemlimit, godebug, params"}},
		{name: "unknown format", exp: exp, figure: "lat-p99-s", knob: "cpu", format: "gif",
			want: []string{`format "gif"`, "png or svg"}},
		{name: "no medians yet", exp: empty, figure: "lat-p99-s", knob: "cpu", format: "svg",
			want: []string{`figure "lat-p99-s"`, "no variant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plot(tt.exp, tt.figure, tt.knob, tt.format, 400, 300, false)
			var in *InputError
			if !errors.As(err, &in) {
				t.Fatalf("got error %v, want an *InputError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCollectSeries(t *testing.T) {
	exp := load(t, "before")
	tests := []struct {
		knob        string
		wantNumeric bool
		wantLines   []string
		wantXs      []float64 // of the first line
	}{
		{knob: "cpu", wantNumeric: true, wantLines: []string{"gomaxprocs=auto", "gomaxprocs=4"}, wantXs: []float64{0.5, 1, 2}},
		{knob: "gomaxprocs", wantLines: []string{"cpu=500m", "cpu=1", "cpu=2"}, wantXs: []float64{0, 1}},
		{knob: "memory", wantNumeric: true, wantLines: []string{"cpu=500m gomaxprocs=auto", "cpu=500m gomaxprocs=4",
			"cpu=1 gomaxprocs=auto", "cpu=1 gomaxprocs=4", "cpu=2 gomaxprocs=auto", "cpu=2 gomaxprocs=4"}, wantXs: []float64{256 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.knob, func(t *testing.T) {
			axis, err := lookupKnob(tt.knob)
			if err != nil {
				t.Fatal(err)
			}
			s := collectSeries(exp, "lat-p99-s", axis)
			if s.numeric != tt.wantNumeric {
				t.Errorf("numeric: got %v, want %v", s.numeric, tt.wantNumeric)
			}
			var legends []string
			for _, l := range s.lines {
				legends = append(legends, l.legend)
			}
			if strings.Join(legends, "|") != strings.Join(tt.wantLines, "|") {
				t.Errorf("lines: got %q, want %q", legends, tt.wantLines)
			}
			var xs []float64
			for _, p := range s.lines[0].pts {
				xs = append(xs, p.x)
			}
			if len(xs) != len(tt.wantXs) {
				t.Fatalf("xs: got %v, want %v", xs, tt.wantXs)
			}
			for i := range xs {
				if xs[i] != tt.wantXs[i] {
					t.Errorf("xs: got %v, want %v", xs, tt.wantXs)
				}
			}
		})
	}
}
