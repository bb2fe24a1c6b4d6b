package report

import (
	"fmt"
	"strings"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// missingLines say what an observed service (scenario app) did not
// expose: one line per missing code, in how many completed runs and
// which variants, what it leaves out and how to get it back. Nothing when
// every run read all.
func missingLines(exp *labv1.Experiment) []string {
	runs, done := map[string]int{}, 0
	variants := map[string][]string{}
	for _, v := range exp.Status.Variants {
		seen := map[string]bool{}
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
				continue
			}
			done++
			for _, m := range r.Summary.Missing {
				runs[m]++
				if !seen[m] {
					seen[m] = true
					variants[m] = append(variants[m], v.Name)
				}
			}
		}
	}
	var lines []string
	for _, code := range result.MissingCodes {
		if runs[code] == 0 {
			continue
		}
		which := "every variant"
		if len(variants[code]) < len(exp.Status.Variants) {
			which = strings.Join(variants[code], ", ")
		}
		lines = append(lines, fmt.Sprintf("%s missing in %d of %d runs (%s): %s", code, runs[code], done, which, result.MissingText(code)))
	}
	if len(lines) == 0 {
		return nil
	}
	return append([]string{"What your service did not expose (those figures are absent, not zero):"}, lines...)
}
