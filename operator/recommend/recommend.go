// Package recommend picks the variant that best meets an Experiment's
// objective, and says why in words a capacity planner can act on. A
// difference the runs cannot tell from noise decides nothing: variants
// whose objective does not differ significantly from the best (benchmath's
// Mann-Whitney U test, as benchstat's, at Alpha) are ties, and among ties
// the cheapest wins; a constraint met by the median but not by the whole
// confidence interval is marginal, and a marginal variant is not chosen.
package recommend

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/benchmath"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Alpha is the significance level below which two variants' objective
// values differ: benchstat's.
const Alpha = 0.05

// candidate is a variant that passed every constraint.
type candidate struct {
	v      *labv1.VariantStatus
	metric float64   // median of the objective
	values []float64 // the objective in each completed run
	cpu    float64   // cores; +Inf when unlimited
	mem    float64   // bytes; +Inf when unlimited
	set    int       // knobs set away from the runtime's defaults
	p      float64   // p-value against the best, once tied
}

// Recommend picks the best acceptable variant of an Experiment of
// scenario (for units).
func Recommend(o plan.Objective, scenario string, variants []labv1.VariantStatus) *labv1.Recommendation {
	fig := figureOf(scenario, o.Metric)
	var cands []candidate
	var rejected []string
	for i := range variants {
		v := &variants[i]
		c, why := judge(o, scenario, v)
		if why != "" {
			rejected = append(rejected, v.Name+": "+why)
			continue
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return &labv1.Recommendation{Reason: truncate("no variant meets the objective — " + strings.Join(rejected, "; "))}
	}
	pool := cands
	how := "best " + o.Metric
	if o.PreferCheapest {
		// Cost first: only the cheapest level of CPU, then memory.
		sort.SliceStable(pool, func(i, j int) bool { return cheaper(pool[i], pool[j]) })
		pool = slices.DeleteFunc(slices.Clone(pool), func(c candidate) bool { return cheaper(pool[0], c) })
		how = "cheapest (CPU limit, then memory limit)"
	}
	best, ties := tied(o, pool)
	pick := best
	for _, c := range ties {
		if cheaper(c, pick) || (!cheaper(pick, c) && c.set < pick.set) {
			pick = c
		}
	}
	reason := fmt.Sprintf("%s (%s): %s of %d variants meeting %s; %s median %s",
		pick.v.Name, plan.Describe(pick.v.Knobs), how, len(cands), describe(o, scenario), o.Metric, fig.Format(pick.metric))
	if len(ties) > 0 {
		names := []string{best.v.Name}
		for _, c := range ties {
			names = append(names, c.v.Name)
		}
		why := "is the cheaper"
		switch {
		case pick.v.Name == best.v.Name:
			why = "has the best median"
		case !cheaper(pick, best) && pick.set < best.set:
			why = "sets fewer knobs (the runtime's defaults)"
		}
		reason += fmt.Sprintf("; %s are indistinguishable on %s (%s); %s %s", strings.Join(names, ", "), o.Metric, pValues(ties), pick.v.Name, why)
	}
	if len(rejected) > 0 {
		reason += fmt.Sprintf("; %d rejected (%s)", len(rejected), strings.Join(rejected, "; "))
	}
	return &labv1.Recommendation{Variant: pick.v.Name, Knobs: safetext.Clip(plan.Describe(pick.v.Knobs), 512), Reason: truncate(reason)}
}

// tied returns the pool's best candidate by the objective's median and the
// candidates not significantly different from it.
func tied(o plan.Objective, pool []candidate) (candidate, []candidate) {
	best := pool[0]
	for _, c := range pool[1:] {
		better := o.Minimize && c.metric < best.metric || !o.Minimize && c.metric > best.metric
		if better || c.metric == best.metric && (cheaper(c, best) || !cheaper(best, c) && c.set < best.set) {
			best = c
		}
	}
	var ties []candidate
	for _, c := range pool {
		if c.v.Name == best.v.Name {
			continue
		}
		if c.p = pValue(c.values, best.values); c.p >= Alpha {
			ties = append(ties, c)
		}
	}
	return best, ties
}

// pValue is the Mann-Whitney U test's p-value of two samples (1 when
// either has fewer than two values: nothing tells them apart).
func pValue(a, b []float64) float64 {
	if len(a) < 2 || len(b) < 2 {
		return 1
	}
	t := &benchmath.DefaultThresholds
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(a, t), benchmath.NewSample(b, t)).P
}

func pValues(ties []candidate) string {
	var ps []string
	for _, c := range ties {
		ps = append(ps, fmt.Sprintf("p=%.2g", c.p))
	}
	return strings.Join(ps, ", ") + fmt.Sprintf(" ≥ α=%.2g, Mann-Whitney U", Alpha)
}

// judge returns the variant as a candidate, or why it is not one.
func judge(o plan.Objective, scenario string, v *labv1.VariantStatus) (candidate, string) {
	done, oom := 0, 0
	var values []float64
	for _, r := range v.Runs {
		switch r.Outcome {
		case labv1.OutcomeCompleted:
			done++
			if r.Summary != nil && !r.Summary.Partial {
				if x, ok := r.Summary.Figures[o.Metric]; ok {
					values = append(values, x)
				}
			}
		case labv1.OutcomeOOMKilled:
			oom++
		}
	}
	if oom > 0 && !o.AllowOOM {
		return candidate{}, fmt.Sprintf("%d OOM-killed run(s)", oom)
	}
	if done == 0 {
		return candidate{}, "no completed run"
	}
	m, ok := aggregate.Median(v.Aggregates, o.Metric)
	if !ok {
		return candidate{}, "no " + o.Metric
	}
	for _, c := range o.Constraints {
		a, ok := find(v.Aggregates, c.Metric)
		if !ok {
			return candidate{}, "no " + c.Metric
		}
		if why := constraintFails(c, a, figureOf(scenario, c.Metric)); why != "" {
			return candidate{}, why
		}
	}
	return candidate{v: v, metric: m, values: values, cpu: amount(v.Knobs.CPULimit), mem: amount(v.Knobs.MemoryLimit),
		set: knobsSet(v.Knobs)}, ""
}

// constraintFails says how a variant's aggregate fails a constraint: its
// median outside the bound, or its interval reaching over it (marginal).
// Without an interval (fewer than 6 runs) the median decides.
func constraintFails(c labv1.Constraint, a labv1.Aggregate, f catalog.Figure) string {
	switch {
	case c.Max != nil && a.Median > *c.Max:
		return fmt.Sprintf("%s %s > %s", c.Metric, f.Format(a.Median), f.Format(*c.Max))
	case c.Min != nil && a.Median < *c.Min:
		return fmt.Sprintf("%s %s < %s", c.Metric, f.Format(a.Median), f.Format(*c.Min))
	case c.Max != nil && a.High != nil && *a.High > *c.Max:
		return fmt.Sprintf("%s %s is marginal: its interval [%s, %s] reaches over %s", c.Metric, f.Format(a.Median),
			f.Format(*a.Low), f.Format(*a.High), f.Format(*c.Max))
	case c.Min != nil && a.Low != nil && *a.Low < *c.Min:
		return fmt.Sprintf("%s %s is marginal: its interval [%s, %s] reaches under %s", c.Metric, f.Format(a.Median),
			f.Format(*a.Low), f.Format(*a.High), f.Format(*c.Min))
	}
	return ""
}

func find(aggs []labv1.Aggregate, figure string) (labv1.Aggregate, bool) {
	for _, a := range aggs {
		if a.Figure == figure {
			return a, true
		}
	}
	return labv1.Aggregate{}, false
}

// cheaper reports whether a costs less than b: a smaller CPU limit, then
// a smaller memory limit (no limit costs most).
func cheaper(a, b candidate) bool {
	if a.cpu != b.cpu {
		return a.cpu < b.cpu
	}
	return a.mem < b.mem
}

// knobsSet counts a variant's Go runtime settings away from the runtime's
// own defaults: among ties, the fewer the better.
func knobsSet(k labv1.Knobs) int {
	n := 0
	for _, v := range []string{k.GOMAXPROCS, k.GOGC, k.GOMEMLIMIT, k.GODEBUG} {
		if v != "" && v != "auto" && v != "none" && v != "100" {
			n++
		}
	}
	return n
}

func figureOf(scenario, name string) catalog.Figure {
	if s, ok := catalog.Lookup(scenario); ok {
		if f, ok := s.Figure(name); ok {
			return f
		}
	}
	return catalog.Figure{Name: name}
}

func describe(o plan.Objective, scenario string) string {
	var parts []string
	for _, c := range o.Constraints {
		f := figureOf(scenario, c.Metric)
		if c.Max != nil {
			parts = append(parts, fmt.Sprintf("%s ≤ %s", c.Metric, f.Format(*c.Max)))
		}
		if c.Min != nil {
			parts = append(parts, fmt.Sprintf("%s ≥ %s", c.Metric, f.Format(*c.Min)))
		}
	}
	if !o.AllowOOM {
		parts = append(parts, "no OOM kill")
	}
	if len(parts) == 0 {
		return "the objective"
	}
	return strings.Join(parts, ", ")
}

func amount(q string) float64 {
	if q == "" {
		return math.Inf(1)
	}
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return math.Inf(1)
	}
	return v.AsApproximateFloat64()
}

// truncate keeps a reason within the status field's limit.
func truncate(s string) string { return safetext.Clip(s, 1024) }
