// Package recommend picks the variant that best meets an Experiment's
// objective, and says why in words a capacity planner can act on.
package recommend

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// candidate is a variant that passed every constraint.
type candidate struct {
	v      *labv1.VariantStatus
	metric float64
	cpu    float64 // cores; +Inf when unlimited
	mem    float64 // bytes; +Inf when unlimited
}

// Recommend picks the best acceptable variant.
func Recommend(o plan.Objective, variants []labv1.VariantStatus) *labv1.Recommendation {
	var cands []candidate
	var rejected []string
	for i := range variants {
		v := &variants[i]
		c, why := judge(o, v)
		if why != "" {
			rejected = append(rejected, v.Name+": "+why)
			continue
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return &labv1.Recommendation{Reason: truncate("no variant meets the objective — " + strings.Join(rejected, "; "))}
	}
	sort.SliceStable(cands, func(i, j int) bool { return less(o, cands[i], cands[j]) })
	best := cands[0]
	how := "best " + o.Metric
	if o.PreferCheapest {
		how = "cheapest (CPU limit, then memory limit)"
	}
	reason := fmt.Sprintf("%s (%s): %s of %d variants meeting %s; %s median %s",
		best.v.Name, plan.Describe(best.v.Knobs), how, len(cands), describe(o), o.Metric, strconv.FormatFloat(best.metric, 'g', 4, 64))
	if len(rejected) > 0 {
		reason += fmt.Sprintf("; %d rejected (%s)", len(rejected), strings.Join(rejected, "; "))
	}
	return &labv1.Recommendation{Variant: best.v.Name, Reason: truncate(reason)}
}

// judge returns the variant as a candidate, or why it is not one.
func judge(o plan.Objective, v *labv1.VariantStatus) (candidate, string) {
	done, oom := 0, 0
	for _, r := range v.Runs {
		switch r.Outcome {
		case labv1.OutcomeCompleted:
			done++
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
		got, ok := aggregate.Median(v.Aggregates, c.Metric)
		switch {
		case !ok:
			return candidate{}, "no " + c.Metric
		case c.Max != nil && got > *c.Max:
			return candidate{}, fmt.Sprintf("%s %s > %s", c.Metric, fmtF(got), fmtF(*c.Max))
		case c.Min != nil && got < *c.Min:
			return candidate{}, fmt.Sprintf("%s %s < %s", c.Metric, fmtF(got), fmtF(*c.Min))
		}
	}
	return candidate{v: v, metric: m, cpu: amount(v.Knobs.CPULimit), mem: amount(v.Knobs.MemoryLimit)}, ""
}

func less(o plan.Objective, a, b candidate) bool {
	if o.PreferCheapest {
		if a.cpu != b.cpu {
			return a.cpu < b.cpu
		}
		if a.mem != b.mem {
			return a.mem < b.mem
		}
	}
	if o.Minimize {
		return a.metric < b.metric
	}
	return a.metric > b.metric
}

func describe(o plan.Objective) string {
	var parts []string
	for _, c := range o.Constraints {
		if c.Max != nil {
			parts = append(parts, fmt.Sprintf("%s ≤ %s", c.Metric, fmtF(*c.Max)))
		}
		if c.Min != nil {
			parts = append(parts, fmt.Sprintf("%s ≥ %s", c.Metric, fmtF(*c.Min)))
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

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// truncate keeps a reason within the status field's limit.
func truncate(s string) string {
	const limit = 1024
	if len(s) <= limit {
		return s
	}
	return s[:limit-3] + "..."
}
