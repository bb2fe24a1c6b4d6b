package main

import (
	"fmt"
	"io"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// renderReport prints a short result table. (The full report package
// replaces it.)
func renderReport(w io.Writer, _ string, exp *labv1.Experiment) error {
	st := exp.Status
	fmt.Fprintf(w, "%s: %s, %s runs\n", exp.Name, st.Phase, st.Progress)
	for _, v := range st.Variants {
		fmt.Fprintf(w, "  %s  %-40s", v.Name, plan.Describe(v.Knobs))
		for _, r := range v.Runs {
			fmt.Fprintf(w, " %s", r.Outcome)
		}
		fmt.Fprintln(w)
	}
	if st.Recommendation != nil {
		fmt.Fprintf(w, "Recommendation: %s\n", st.Recommendation.Reason)
	}
	return nil
}
