package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// verdict is one target's outcome: pass, miss or cannotTell.
type verdict struct {
	word string
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// si renders a rate with an SI prefix and four significant digits.
func si(v float64) string {
	for _, p := range []struct {
		div    float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= p.div {
			return fmt.Sprintf("%.4g%s", v/p.div, p.suffix)
		}
	}
	return fmt.Sprintf("%.4g", v)
}

const (
	ratioFormat    = "%-10s %-7s %-10s %10s %10s %22s  %s"
	overheadFormat = "%-10s %-7s %-12s %10s %10s %24s %8s %7s  %s"
)

// printRow writes one table row without trailing blanks.
func printRow(w io.Writer, format string, a ...any) {
	fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf(format, a...), " "))
}

func ratioHeader(w io.Writer) {
	printRow(w, ratioFormat, "scenario", "round", "unit", "bare", "workload", "ratio", "")
}

func ratioRow(w io.Writer, t target, round string, bare, load float64, ratio, note string) {
	printRow(w, ratioFormat, t.scenario, round, perCPUUnit(t.figure), si(bare), si(load), ratio, note)
}

func overheadHeader(w io.Writer) {
	printRow(w, overheadFormat, "scenario", "round", "unit", "off", "on", "lost", "scrapes", "pushes", "")
}

// overheadRow prints one pair, or the medians when st is nil.
func overheadRow(w io.Writer, t target, round string, off, on float64, pct string, st *runStats, note string) {
	scrapes, pushes := "", ""
	if st != nil {
		scrapes, pushes = fmt.Sprint(st.scrapes), fmt.Sprint(st.pushes)
	}
	printRow(w, overheadFormat, t.scenario, round, perCPUUnit(t.figure), si(off), si(on), pct, scrapes, pushes, note)
}

const loadgenFormat = "%-7s %-7s %10s %9s %12s %16s  %s"

func loadgenHeader(w io.Writer) {
	printRow(w, loadgenFormat, "rate", "round", "req/s", "rate-frac", "send-lag-p99", "lg-cpu-ms/1k-req", "")
}

// loadgenRow prints one run, or the medians, marking a generator that fell
// behind its schedule, whose CPU per request is then that of a saturated
// one, and failed requests.
func loadgenRow(w io.Writer, rate int, round string, f loadgenFigures, note string) {
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	if !f.keptUp() {
		notes = append(notes, fmt.Sprintf("SATURATED (rate-frac < %.2f or send-lag-p99 > %s)", keepUpRateFrac, keepUpLag))
	}
	if f.errFrac > 0 {
		notes = append(notes, fmt.Sprintf("%.2f%% errors", f.errFrac*100))
	}
	printRow(w, loadgenFormat, fmt.Sprint(rate), round, si(f.reqPerSec), fmt.Sprintf("%.3f", f.rateFrac),
		fmt.Sprintf("%.2fms", f.lagP99*1e3), fmt.Sprintf("%.1f", f.cpuPer1k), strings.Join(notes, ", "))
}
