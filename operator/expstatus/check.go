package expstatus

import (
	"fmt"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// Check verifies that a stored status is one Set could have written for
// exp's spec — the status of a results directory someone handed you, say:
// the variants are the plan's (none missing, none added, none twice), each
// has its runs once, the counts and progress add up to the runs' outcomes,
// every figure passes result.CheckFigure, and each
// aggregate is a median within its interval over no more runs than there
// are. Each error names the field.
func Check(exp *labv1.Experiment) field.ErrorList {
	st := &exp.Status
	path := field.NewPath("status")
	variants, err := plan.Variants(&exp.Spec)
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("spec"), "", err.Error())}
	}
	var errs field.ErrorList
	planned := map[string]plan.Variant{}
	for _, v := range variants {
		planned[v.Name] = v
	}
	seen := map[string]bool{}
	var counts labv1.RunCounts
	reps := int(exp.Spec.Repetitions)
	maxRuns := reps // spec.precision may add runs up to its maxRuns
	if p := exp.Spec.Precision; p != nil {
		maxRuns = max(reps, int(p.MaxRuns))
	}
	for i, v := range st.Variants {
		vp := path.Child("variants").Index(i)
		p, ok := planned[v.Name]
		switch {
		case seen[v.Name]:
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
			continue
		case !ok:
			errs = append(errs, field.Invalid(vp.Child("name"), v.Name, fmt.Sprintf("not a variant of spec.matrix (it makes %s)", names(variants))))
			continue
		case v.Knobs != p.Knobs:
			errs = append(errs, field.Invalid(vp.Child("knobs"), plan.Describe(v.Knobs), "not the knobs spec.matrix gives "+v.Name+": "+plan.Describe(p.Knobs)))
		}
		seen[v.Name] = true
		errs = append(errs, checkRuns(vp.Child("runs"), v.Runs, reps, maxRuns, &counts)...)
		errs = append(errs, checkAggregates(vp.Child("aggregates"), v.Aggregates, len(v.Runs))...)
	}
	for _, v := range variants {
		if !seen[v.Name] && len(st.Variants) > 0 {
			errs = append(errs, field.Required(path.Child("variants"), "variant "+v.Name+" of spec.matrix is missing"))
		}
	}
	if len(st.Variants) > 0 && st.Runs != counts {
		errs = append(errs, field.Invalid(path.Child("runs"), fmt.Sprintf("%+v", st.Runs), fmt.Sprintf("the runs' outcomes count %+v", counts)))
	}
	if want := fmt.Sprintf("%d/%d", counts.Succeeded+counts.Failed, counts.Total); st.Progress != "" && st.Progress != want {
		errs = append(errs, field.Invalid(path.Child("progress"), st.Progress, "the runs' outcomes make "+want))
	}
	if st.Phase == labv1.PhaseComplete && counts.Pending+counts.Running > 0 {
		errs = append(errs, field.Invalid(path.Child("phase"), st.Phase, fmt.Sprintf("%d runs have not finished", counts.Pending+counts.Running)))
	}
	if r := st.Recommendation; r != nil && r.Variant != "" && !seen[r.Variant] {
		errs = append(errs, field.Invalid(path.Child("recommendation", "variant"), r.Variant, "not a variant in status.variants"))
	}
	return errs
}

func checkRuns(path *field.Path, runs []labv1.RunStatus, reps, maxRuns int, counts *labv1.RunCounts) field.ErrorList {
	var errs field.ErrorList
	switch {
	case reps == maxRuns && len(runs) != reps:
		errs = append(errs, field.Invalid(path, len(runs), fmt.Sprintf("%d runs, want spec.repetitions (%d)", len(runs), reps)))
	case len(runs) < reps || len(runs) > maxRuns:
		errs = append(errs, field.Invalid(path, len(runs), fmt.Sprintf("%d runs, want spec.repetitions (%d) to spec.precision.maxRuns (%d)", len(runs), reps, maxRuns)))
	}
	index := map[int32]bool{}
	for j, r := range runs {
		rp := path.Index(j)
		switch {
		case r.Index < 0 || int(r.Index) >= len(runs):
			errs = append(errs, field.Invalid(rp.Child("index"), r.Index, fmt.Sprintf("want 0 to %d", len(runs)-1)))
		case index[r.Index]:
			errs = append(errs, field.Duplicate(rp.Child("index"), r.Index))
		}
		index[r.Index] = true
		if r.Attempt < 0 {
			errs = append(errs, field.Invalid(rp.Child("attempt"), r.Attempt, "never negative"))
		}
		if !slices.Contains(labv1.Outcomes, r.Outcome) {
			errs = append(errs, field.NotSupported(rp.Child("outcome"), r.Outcome, labv1.Outcomes))
		}
		count(counts, r.Outcome)
		if r.Summary != nil {
			errs = append(errs, checkFigures(rp.Child("summary", "figures"), r.Summary.Figures)...)
			if r.Summary.GOMAXPROCS < 0 {
				errs = append(errs, field.Invalid(rp.Child("summary", "gomaxprocs"), r.Summary.GOMAXPROCS, "never negative"))
			}
		}
	}
	return errs
}

func checkAggregates(path *field.Path, aggs []labv1.Aggregate, runs int) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for k, a := range aggs {
		ap := path.Index(k)
		if seen[a.Figure] {
			errs = append(errs, field.Duplicate(ap.Child("figure"), a.Figure))
		}
		seen[a.Figure] = true
		if a.N < 1 || int(a.N) > runs {
			errs = append(errs, field.Invalid(ap.Child("n"), a.N, fmt.Sprintf("want 1 to the variant's %d runs", runs)))
		}
		errs = append(errs, checkValue(ap.Child("median"), a.Median)...)
		if (a.Low == nil) != (a.High == nil) {
			errs = append(errs, field.Invalid(ap, a.Figure, "low and high come together"))
		}
		if a.Low != nil && a.High != nil {
			errs = append(errs, checkValue(ap.Child("low"), *a.Low)...)
			errs = append(errs, checkValue(ap.Child("high"), *a.High)...)
			if !(*a.Low <= a.Median && a.Median <= *a.High) {
				errs = append(errs, field.Invalid(ap.Child("median"), a.Median, fmt.Sprintf("outside its interval [%g, %g]", *a.Low, *a.High)))
			}
		}
	}
	return errs
}

// checkFigures checks a figures map in a stable order.
func checkFigures(path *field.Path, figs map[string]float64) field.ErrorList {
	keys := make([]string, 0, len(figs))
	for k := range figs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs field.ErrorList
	for _, k := range keys {
		errs = append(errs, checkValue(path.Key(k), figs[k])...)
	}
	return errs
}

func checkValue(path *field.Path, v float64) field.ErrorList {
	if err := result.CheckFigure(v); err != nil {
		return field.ErrorList{field.Invalid(path, v, err.Error())}
	}
	return nil
}

func names(vs []plan.Variant) string {
	if len(vs) == 1 {
		return vs[0].Name
	}
	return fmt.Sprintf("%s to %s", vs[0].Name, vs[len(vs)-1].Name)
}
