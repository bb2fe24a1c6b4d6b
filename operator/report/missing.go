package report

import (
	"fmt"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// missingLines say, per variant, what an observed service (scenario app)
// did not expose, in how many of its completed runs, which figures that
// leaves out and how to get them back. Nothing when every run read all.
func missingLines(exp *labv1.Experiment) []string {
	var lines []string
	for _, v := range exp.Status.Variants {
		count := map[string]int{}
		var done int
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
				continue
			}
			done++
			for _, m := range r.Summary.Missing {
				count[m]++
			}
		}
		for _, code := range result.MissingCodes {
			if count[code] > 0 {
				lines = append(lines, fmt.Sprintf("%s: %s missing in %d of %d runs: %s", v.Name, code, count[code], done, result.MissingText(code)))
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return append([]string{"What your service did not expose (those figures are absent, not zero):"}, lines...)
}
