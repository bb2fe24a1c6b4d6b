package exercises

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// Reporter receives what a check finds; *testing.T is one.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// CheckGOMAXPROCS checks a finished exercise 1 Experiment
// (config/samples/exercises/01-gomaxprocs-cpu-limit*.yaml) from its status
// alone, so that it holds wherever the Experiment ran, locally or on a
// cluster: GOMAXPROCS "auto" is min(nodeCPUs, 2) under both CPU limits,
// one P under one CPU throttles at most occasionally, and more Ps than
// the one CPU, given their quota, throttle in nearly every period. nodeCPUs is the CPU count of the
// node the runs ran on. The last check needs the variants to have got
// their quota, which a busy node may not give: it returns how many such
// variants it could check (0: none got its quota; the findings say so).
func CheckGOMAXPROCS(r Reporter, exp *labv1.Experiment, nodeCPUs int) (checked int) {
	r.Helper()
	if !finished(r, exp) {
		return 0
	}
	want := int32(min(nodeCPUs, 2))
	for _, cpu := range []string{"cpu=500m", "cpu=1"} {
		v := completedVariant(r, exp, cpu, "gomaxprocs=auto")
		if v == nil {
			continue
		}
		for _, run := range v.Runs {
			if got := run.Summary.GOMAXPROCS; got != want {
				r.Errorf("%s run %d: the runtime chose GOMAXPROCS %d, want %d (the quota rounded up, at least 2, at most the node's %d CPUs)",
					describe(v), run.Index, got, want, nodeCPUs)
			}
		}
	}
	one := completedVariant(r, exp, "cpu=1", "gomaxprocs=1")
	if one == nil {
		return 0
	}
	// A period tips over the quota now and then by a runtime thread's few
	// microseconds (a syscall, sysmon), which counts as a throttled period
	// (CI saw throttled-frac 0.7 with one P); the throttled time stays
	// near zero.
	oneStall := median(r, one, aggregate.FigureThrottledTime)
	if oneStall > 0.05 {
		r.Errorf("%s: %.3f throttled s/s, want ≤ 0.05: one P cannot use more than a one-CPU quota", describe(one), oneStall)
	}
	for _, g := range []string{"gomaxprocs=auto", "gomaxprocs=4"} {
		v := completedVariant(r, exp, "cpu=1", g)
		if v == nil {
			continue
		}
		cores, stall := median(r, v, aggregate.FigureCores), median(r, v, aggregate.FigureThrottledTime)
		r.Logf("%s: %.2f cores, %.3f throttled s/s (one P: %.3f)", describe(v), cores, stall, oneStall)
		if cores < 0.9 {
			r.Logf("%s used %.2f of its 1 CPU: the node was too busy to show throttling at a whole CPU", describe(v), cores)
			continue
		}
		checked++
		// How far above one P's it goes needs a second CPU free for the
		// Ps to overrun the quota with, which a shared node may not have:
		// that is reported; less throttled time than one P is wrong.
		if stall < oneStall {
			r.Errorf("%s: %.3f throttled s/s with %.2f cores used, want ≥ one P's %.3f: more Ps than the quota use it up early",
				describe(v), stall, cores, oneStall)
		} else if stall < oneStall+0.1 {
			r.Logf("%s: only %.3f throttled s/s (one P: %.3f): the node had no CPU to spare for overrunning the quota", describe(v), stall, oneStall)
		}
	}
	return checked
}

// CheckGOMEMLIMIT checks a finished exercise 2 Experiment
// (config/samples/exercises/02-gomemlimit*.yaml) from its status alone:
// without GOMEMLIMIT both GOGC settings are OOM-killed with a partial
// summary; GOMEMLIMIT at 90% survives with the heap goal capped below
// GOGC's twice the live heap and the peak below the limit; GOGC=off with
// 90% survives; GOMEMLIMIT at 40%, below the live heap, runs the GC at
// least 4× as often as 90% and holds more memory than its soft limit.
func CheckGOMEMLIMIT(r Reporter, exp *labv1.Experiment) {
	r.Helper()
	if !finished(r, exp) {
		return
	}
	for _, gogc := range []string{"gogc=100", "gogc=off"} {
		v := variant(r, exp, gogc, "gomemlimit=none")
		if v == nil {
			continue
		}
		for _, run := range v.Runs {
			if run.Outcome != labv1.OutcomeOOMKilled || run.Summary == nil || !run.Summary.Partial {
				r.Errorf("%s run %d: got %s (%s) with summary %+v, want OOMKilled with a partial summary",
					describe(v), run.Index, run.Outcome, run.Reason, run.Summary)
			}
		}
	}
	capped := completedVariant(r, exp, "gogc=100", "gomemlimit=90%")
	off := completedVariant(r, exp, "gogc=off", "gomemlimit=90%")
	below := completedVariant(r, exp, "gogc=100", "gomemlimit=40%")
	if capped == nil || off == nil || below == nil {
		return
	}
	limit, err := resource.ParseQuantity(capped.Knobs.MemoryLimit)
	if err != nil {
		r.Errorf("%s: memory limit: %v", describe(capped), err)
		return
	}
	mem := limit.AsApproximateFloat64()
	live, goal, peak := median(r, capped, "heap-live-B"), median(r, capped, "heap-goal-B"), median(r, capped, aggregate.FigureMemPeak)
	if goal > 0.9*mem*1.02 || goal > 1.9*live {
		r.Errorf("%s: heap goal %s over a live heap of %s, want it capped near GOMEMLIMIT (%s), below GOGC's twice the live heap",
			describe(capped), mib(goal), mib(live), mib(0.9*mem))
	}
	if peak >= mem {
		r.Errorf("%s: peak %s, want below the %s limit", describe(capped), mib(peak), mib(mem))
	}
	gcCapped, gcOff, gcBelow := median(r, capped, "gc/s"), median(r, off, "gc/s"), median(r, below, "gc/s")
	held := median(r, below, "mem-runtime-B")
	r.Logf("GOMEMLIMIT 90%%: %.1f GC/s, goal %s, peak %s; with GOGC=off: %.1f GC/s; GOMEMLIMIT 40%%: %.1f GC/s, runtime memory %s",
		gcCapped, mib(goal), mib(peak), gcOff, gcBelow, mib(held))
	if gcCapped <= 0 || gcBelow < 4*gcCapped {
		r.Errorf("GC cycles/s: %s %.1f, %s %.1f; want the second at least 4× the first (back to back)",
			describe(capped), gcCapped, describe(below), gcBelow)
	}
	if soft := 0.4 * mem; held <= soft {
		r.Errorf("%s: runtime memory %s, want above the %s soft limit (the live heap does not fit under it)",
			describe(below), mib(held), mib(soft))
	}
}

// finished reports, unless it holds, that exp is there and Complete.
func finished(r Reporter, exp *labv1.Experiment) bool {
	r.Helper()
	switch {
	case exp == nil:
		r.Errorf("no Experiment to check")
		return false
	case exp.Status.Phase != labv1.PhaseComplete:
		r.Errorf("Experiment %s: phase %q, progress %s; want %s", exp.Name, exp.Status.Phase, exp.Status.Progress, labv1.PhaseComplete)
		return false
	}
	return true
}

// variant returns the variant whose knobs, as `kubectl lab report` shows
// them (e.g. "cpu=1 gomaxprocs=4"), include every one of knobs.
func variant(r Reporter, exp *labv1.Experiment, knobs ...string) *labv1.VariantStatus {
	r.Helper()
	for i := range exp.Status.Variants {
		v := &exp.Status.Variants[i]
		have := strings.Fields(plan.Describe(v.Knobs))
		if !slices.ContainsFunc(knobs, func(k string) bool { return !slices.Contains(have, k) }) {
			return v
		}
	}
	r.Errorf("Experiment %s: no variant with %s", exp.Name, strings.Join(knobs, " "))
	return nil
}

// completedVariant is variant, reporting it and returning nil unless
// every one of its runs completed with a summary.
func completedVariant(r Reporter, exp *labv1.Experiment, knobs ...string) *labv1.VariantStatus {
	r.Helper()
	v := variant(r, exp, knobs...)
	if v == nil {
		return nil
	}
	if len(v.Runs) == 0 {
		r.Errorf("%s: no runs", describe(v))
		return nil
	}
	for _, run := range v.Runs {
		if run.Outcome != labv1.OutcomeCompleted || run.Summary == nil {
			r.Errorf("%s run %d: got %s (%s), want Completed with a summary", describe(v), run.Index, run.Outcome, run.Reason)
			return nil
		}
	}
	return v
}

// median is a variant's median of a figure; a missing figure is reported
// and reads as 0.
func median(r Reporter, v *labv1.VariantStatus, figure string) float64 {
	r.Helper()
	m, ok := aggregate.Median(v.Aggregates, figure)
	if !ok {
		r.Errorf("%s: no %s among its aggregates", describe(v), figure)
	}
	return m
}

// describe names a variant and its knobs, for messages.
func describe(v *labv1.VariantStatus) string {
	return fmt.Sprintf("%s (%s)", v.Name, plan.Describe(v.Knobs))
}

func mib(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }
