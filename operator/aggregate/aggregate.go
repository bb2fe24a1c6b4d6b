// Package aggregate turns run summaries into what the Experiment status
// keeps: a bounded per-run summary, and each variant's median and
// confidence interval per figure across its completed runs, computed with
// golang.org/x/perf's benchmath, the statistics benchstat uses.
package aggregate

import (
	"math"
	"sort"

	"golang.org/x/perf/benchmath"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Confidence is the level of the reported intervals.
const Confidence = 0.95

// Common figures every run reports besides its scenario's own
// (catalog.CommonFigures describes them).
const (
	FigureCores         = catalog.FigureCores
	FigureThrottled     = catalog.FigureThrottled
	FigureThrottledTime = catalog.FigureThrottledTime
	FigureMemPeak       = catalog.FigureMemPeak
	FigureGCCPU         = catalog.FigureGCCPU
)

// RunSummary keeps the figures of a result summary that the status holds.
func RunSummary(s *result.Summary) *labv1.RunSummary {
	figs := make(map[string]float64, len(s.Figures)+4)
	for k, v := range s.Figures {
		if result.CheckFigure(v) == nil { // no NaN, no "no goal" of 2^63 bytes, nothing negative
			figs[k] = v
		}
	}
	figs[FigureCores] = s.CPU.Cores
	figs[FigureThrottled] = s.CPU.ThrottledRatio
	figs[catalog.FigurePathThrottled] = s.PathThrottled()
	var flags []string
	var visible int32
	if s.Hierarchy != nil {
		flags, visible = s.Hierarchy.Flags, int32(min(s.Hierarchy.Visible, 64))
	}
	if s.Seconds > 0 {
		figs[FigureThrottledTime] = s.CPU.ThrottledSeconds / s.Seconds
	}
	figs[FigureMemPeak] = float64(s.Memory.PeakBytes)
	if _, ok := figs[FigureGCCPU]; !ok {
		figs[FigureGCCPU] = s.Runtime.GCCPUFraction
	}
	if m := s.Machine; m.CPUs > 0 { // /proc/stat was read: the neighbours are known
		figs[catalog.FigureMachineOther] = m.OtherCores
		figs[catalog.FigureMachineSteal] = m.StealFrac
		if m.CPUSomeFrac != nil {
			figs[catalog.FigureMachineSome] = *m.CPUSomeFrac
		}
	}
	var missing []string
	for _, code := range s.Missing { // an observed service's: absent, not zero
		for _, f := range result.MissingFigures(code) {
			delete(figs, f)
		}
		missing = append(missing, code)
	}
	return &labv1.RunSummary{Partial: s.Partial, Outcome: s.Outcome, GOMAXPROCS: int32(s.Settings.GOMAXPROCS), Figures: figs, Flags: flags,
		CgroupsVisible: visible, Segments: segments(s.Limits), Missing: missing}
}

// segments are a summary's limit segments as the status keeps them.
func segments(in []result.Segment) []labv1.LimitSegment {
	if len(in) == 0 {
		return nil
	}
	out := make([]labv1.LimitSegment, 0, min(len(in), result.MaxSegments))
	for i, g := range in[:min(len(in), result.MaxSegments)] {
		out = append(out, labv1.LimitSegment{
			AtSeconds: g.AtS, CPULimit: g.CPULimitCores, MemoryLimit: g.MemoryLimitBytes,
			GOMAXPROCS: int32(min(g.GOMAXPROCS, math.MaxInt32)), GOMAXPROCSWant: int32(min(g.GOMAXPROCSWant, math.MaxInt32)),
			GOMAXPROCSAfterSeconds: g.GOMAXPROCSAfterS, GOMEMLIMITChanged: i > 0 && g.GOMEMLIMIT != in[i-1].GOMEMLIMIT,
			Cores: g.Cores, ThrottledRatio: g.ThrottledRatio, SchedP99Seconds: g.SchedP99,
		})
	}
	return out
}

// Variant computes the aggregates of one variant's completed, non-partial
// runs, one per figure, sorted by figure name.
func Variant(runs []labv1.RunStatus) []labv1.Aggregate {
	samples := map[string][]float64{}
	for _, r := range runs {
		if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil || r.Summary.Partial {
			continue
		}
		for k, v := range r.Summary.Figures {
			samples[k] = append(samples[k], v)
		}
	}
	names := make([]string, 0, len(samples))
	for k := range samples {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]labv1.Aggregate, 0, len(names))
	for _, k := range names {
		out = append(out, Of(k, samples[k]))
	}
	return out
}

// Of summarises one figure's values: the median, and the confidence
// interval of the median when there are enough values for one.
func Of(figure string, values []float64) labv1.Aggregate {
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(values, &benchmath.DefaultThresholds), Confidence)
	a := labv1.Aggregate{Figure: figure, Median: s.Center, N: int32(len(values))}
	if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) && !math.IsNaN(s.Lo) && !math.IsNaN(s.Hi) {
		lo, hi := s.Lo, s.Hi
		a.Low, a.High = &lo, &hi
	}
	return a
}

// Median returns the named aggregate's median.
func Median(aggs []labv1.Aggregate, figure string) (float64, bool) {
	for _, a := range aggs {
		if a.Figure == figure {
			return a.Median, true
		}
	}
	return 0, false
}

// ServerFigures are a service run's figures that belong to its server: the
// constrained container's CPU, throttling, memory and GC, and what only
// the server counts.
var ServerFigures = []string{"served/s", "panics/s", "leaked", FigureCores, FigureThrottled, FigureThrottledTime, FigureMemPeak, FigureGCCPU, catalog.FigurePathThrottled}

// MergeServer adds a service server's figures to its load generator's
// summary: the latency and rate are the generator's, the ServerFigures the
// server's. The generator's own values of those are dropped first, so a
// figure the server did not report (or a server that reported nothing:
// server nil) is missing rather than the generator's passed off as the
// server's.
func MergeServer(into, server *labv1.RunSummary) {
	for _, k := range ServerFigures {
		delete(into.Figures, k)
	}
	into.GOMAXPROCS, into.Flags, into.CgroupsVisible, into.Segments = 0, nil, 0, nil
	if server == nil {
		return
	}
	for _, k := range ServerFigures {
		if v, ok := server.Figures[k]; ok {
			if into.Figures == nil {
				into.Figures = map[string]float64{}
			}
			into.Figures[k] = v
		}
	}
	into.GOMAXPROCS, into.Flags, into.CgroupsVisible, into.Segments = server.GOMAXPROCS, server.Flags, server.CgroupsVisible, server.Segments
}
