package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"golang.org/x/perf/benchmath"
)

// confidence is the level of every interval the bench prints.
const confidence = 0.95

// estimate is a figure over rounds: benchmath's median and its confidence
// interval (infinite with fewer than 6 rounds), as benchstat computes them.
type estimate struct {
	center, lo, hi float64
	n              int
}

func estimateOf(xs []float64) estimate {
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(xs, &benchmath.DefaultThresholds), confidence)
	return estimate{center: s.Center, lo: s.Lo, hi: s.Hi, n: len(xs)}
}

// String is "0.952 [0.941, 0.960]", or the median and "(n=N)" when there
// are too few rounds for an interval.
func (e estimate) String() string { return e.format("") }

// format is String with unit after each number ("1.2% [0.4%, 2.1%]").
func (e estimate) format(unit string) string {
	if math.IsInf(e.lo, 0) || math.IsInf(e.hi, 0) || math.IsNaN(e.lo) {
		return fmt.Sprintf("%.3g%s (n=%d: too few for an interval)", e.center, unit, e.n)
	}
	return fmt.Sprintf("%.3g%s [%.3g%s, %.3g%s]", e.center, unit, e.lo, unit, e.hi, unit)
}

// Verdicts against a target.
const (
	pass       = "PASS"
	miss       = "MISS"
	cannotTell = "CANNOT TELL" // the interval straddles the target
)

// goal is a target a figure must meet: at least or at most it.
type goal struct {
	target  float64
	atLeast bool
}

func (g goal) String() string {
	if g.atLeast {
		return fmt.Sprintf(">= %.3g", g.target)
	}
	return fmt.Sprintf("<= %.3g", g.target)
}

// judge is PASS when the whole interval meets the target, MISS when none
// of it does, and CANNOT TELL when it straddles the target — or when there
// are too few rounds for an interval at all.
func (g goal) judge(e estimate) string {
	lo, hi := e.lo, e.hi
	if !g.atLeast {
		lo, hi = -hi, -lo
	}
	t := g.target
	if !g.atLeast {
		t = -t
	}
	switch {
	case math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo):
		return cannotTell
	case lo >= t:
		return pass
	case hi < t:
		return miss
	}
	return cannotTell
}

// rounds bounds an adaptive comparison.
type rounds struct {
	min, max int
	// cap bounds the time spent on one comparison; past it, the rounds
	// stop at the next verdict check whatever it says.
	cap time.Duration
}

// adaptive runs round until the estimate of what it returns decides g
// (PASS or MISS), checking after every round from the min-th on, or until
// max rounds or the time cap; each value goes to row as it comes.
func adaptive(ctx context.Context, g goal, r rounds, round func(ctx context.Context, i int) (float64, error), row func(i int, v float64)) ([]float64, estimate, string, error) {
	start := time.Now()
	var xs []float64
	for i := 0; ; i++ {
		v, err := round(ctx, i)
		if err != nil {
			return xs, estimate{}, "", err
		}
		xs = append(xs, v)
		row(i, v)
		if len(xs) < r.min {
			continue
		}
		e := estimateOf(xs)
		verdict := g.judge(e)
		if verdict != cannotTell || len(xs) >= r.max || time.Since(start) >= r.cap {
			return xs, e, verdict, nil
		}
	}
}
