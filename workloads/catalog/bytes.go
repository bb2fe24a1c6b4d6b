package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The suffixes of Kubernetes resource quantities, so one syntax serves
// `--set` and the Experiment API alike.
var byteSuffixes = []struct {
	suffix string
	mult   int64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// ParseBytes parses a byte count written as a Kubernetes quantity: a plain
// number, or a number with one of Ki, Mi, Gi, Ti, k, M, G, T ("64Mi",
// "1.5Gi", "500k"). The result must be a whole number of bytes.
func ParseBytes(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, bs := range byteSuffixes {
		if strings.HasSuffix(s, bs.suffix) {
			num, mult = strings.TrimSuffix(s, bs.suffix), bs.mult
			break
		}
	}
	if num == "" {
		return 0, fmt.Errorf("bytes %q: no number", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n < 0 || (n > 0 && n > math.MaxInt64/mult) {
			return 0, fmt.Errorf("bytes %q: out of range", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("bytes %q: not a quantity such as 64Mi", s)
	}
	b := f * float64(mult)
	if b != math.Trunc(b) || b >= math.MaxInt64 {
		return 0, fmt.Errorf("bytes %q: not a whole number of bytes", s)
	}
	return int64(b), nil
}

// FormatBytes renders n with the largest binary suffix that divides it
// exactly, so "67108864" reads back as "64Mi".
func FormatBytes(n int64) string {
	for i := 3; i >= 0; i-- {
		bs := byteSuffixes[i]
		if n != 0 && n%bs.mult == 0 {
			return strconv.FormatInt(n/bs.mult, 10) + bs.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
