package report

import (
	"fmt"
	"slices"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// hierarchyLines say, per variant, where the Go runtime's settings and the
// cgroups above the run's own parted ways (result.Hierarchy's flags), in
// how many of its completed runs, and what that means. Nothing when no run
// carried a flag.
func hierarchyLines(exp *labv1.Experiment) []string {
	var lines []string
	for _, v := range exp.Status.Variants {
		count := map[string]int{}
		var order []string
		var done int
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
				continue
			}
			done++
			for _, f := range r.Summary.Flags {
				if count[f] == 0 {
					order = append(order, f)
				}
				count[f]++
			}
		}
		slices.Sort(order)
		for _, f := range order {
			lines = append(lines, fmt.Sprintf("%s: %s in %d of %d runs: %s", v.Name, f, count[f], done, result.FlagAdvice(f)))
		}
	}
	if hidden := podHidden(exp); hidden != "" {
		lines = append(lines, hidden)
	}
	if len(lines) == 0 {
		return nil
	}
	return append([]string{"Where the Go runtime's view of its container and the cgroups above it part ways:"}, lines...)
}

// podHidden says so when an Experiment with spec.pod ran where its runs
// could see only their own cgroup (inside a container): the pod's level,
// its limits, throttling and sharing, are then not in the figures.
func podHidden(exp *labv1.Experiment) string {
	if exp.Spec.Pod == nil {
		return ""
	}
	seen, hidden := 0, 0
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil || r.Summary.CgroupsVisible == 0 {
				continue
			}
			seen++
			if r.Summary.CgroupsVisible == 1 {
				hidden++
			}
		}
	}
	if hidden == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d runs saw only their own cgroup (inside a container): the pod's cgroup, where spec.pod's limits bind and the sidecar shares them, is not in their figures, so throttled-frac and path-throttled-frac are the container's own; `kubectl lab run --local` shows the pod's level", hidden, seen)
}
