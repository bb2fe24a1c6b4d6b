package catalog

import (
	"math"
	"strconv"
	"strings"
)

// Format renders v in the figure's unit (FormatValue).
func (f Figure) Format(v float64) string { return FormatValue(v, f.Unit) }

// ByteStep is the largest binary prefix (1, 1Ki, 1Mi, ...) at most v:
// the step of round byte counts for a plot's ticks.
func ByteStep(v float64) float64 {
	f := 1.0
	for _, p := range byteScale {
		if math.Abs(v) >= p.factor {
			f = p.factor
		}
	}
	return f
}

// prefix is one step of a unit's scale.
type prefix struct {
	factor float64
	suffix string
}

var (
	secondScale = []prefix{{1e-9, "ns"}, {1e-6, "µs"}, {1e-3, "ms"}, {1, "s"}}
	byteScale   = []prefix{{1, "B"}, {1 << 10, "KiB"}, {1 << 20, "MiB"}, {1 << 30, "GiB"}, {1 << 40, "TiB"}}
	siScale     = []prefix{{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}}
)

// FormatValue renders v in a figure's unit with three significant digits
// and a prefix, so columns of very different magnitudes stay narrow:
// 0.0123 s is "12.3ms", 1288490188 B is "1.2GiB", 45612 /s is "45.6k".
func FormatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return scaled(v, secondScale, "")
	case "ms":
		return scaled(v/1e3, secondScale, "")
	case "B":
		return scaled(v, byteScale, "")
	case "B/s":
		return scaled(v, byteScale, "/s")
	}
	return scaled(v, siScale, "")
}

func scaled(v float64, scale []prefix, tail string) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64) + baseSuffix(scale) + tail
	}
	i := 0
	for i+1 < len(scale) && math.Abs(v) >= scale[i+1].factor {
		i++
	}
	r := roundSig(v / scale[i].factor)
	// Rounding can carry into the next prefix: 999.7ms is 1s, not 1000ms.
	if math.Abs(r) >= 1000 && i+1 < len(scale) {
		i++
		r = roundSig(v / scale[i].factor)
	}
	return sig3(r) + scale[i].suffix + tail
}

// baseSuffix is the suffix of the unprefixed unit, e.g. "s" or "B".
func baseSuffix(scale []prefix) string {
	for _, p := range scale {
		if p.factor == 1 {
			return p.suffix
		}
	}
	return ""
}

// roundSig rounds to three significant digits.
func roundSig(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// sig3 prints a number already rounded to three significant digits without
// trailing zeros.
func sig3(v float64) string {
	if math.Abs(v) < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
