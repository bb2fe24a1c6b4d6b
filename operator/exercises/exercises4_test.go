package exercises

import (
	"runtime"
	"slices"
	"testing"

	"k8s.io/utils/ptr"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// TestExercise10OwnService: a Go service that is not a lab scenario (the
// test service) as the app scenario's server, under a starved and a
// sufficient CPU limit, once with its runtime metrics and once without.
// Every run completes; the runs read the service's own settings (its
// GOMAXPROCS by the runtime's rule, not the load generator's) and its
// cgroup; the service without metrics has its runtime figures listed
// missing, never zero; and the recommendation is the sufficient limit.
func TestExercise10OwnService(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	bin, err := workloadtest.BuildTestService(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exp := decode(t, "10-own-service-short.yaml")
	exp.Spec.Scenario.App.Binary = ptr.To(bin) // the sample's /tmp/runtime-lab path, built here
	o := runExperiment(t, exp, t.TempDir())
	byKey := map[[2]string]*labv1.VariantStatus{}
	for i := range o.exp.Status.Variants {
		v := &o.exp.Status.Variants[i]
		byKey[[2]string{v.Knobs.CPULimit, v.Knobs.ParamSet}] = v
	}
	for key, v := range byKey {
		r := v.Runs[0]
		if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
			t.Errorf("%s: %s (%s), want Completed", describe(v), r.Outcome, r.Reason)
			continue
		}
		s := o.runs[v.Name+"-r0"]
		f := r.Summary.Figures
		t.Logf("%s: p99 %.1f ms, %.0f req/s, %.3f cores, throttled %.2f, gc/s %.1f, GOMAXPROCS %d, missing %v",
			describe(v), 1000*f["lat-p99-s"], f["req/s"], f["cpu-cores"], f["throttled-frac"], f["gc/s"], r.Summary.GOMAXPROCS, r.Summary.Missing)
		want := map[string]float64{"100m": 0.1, "1": 1}[key[0]]
		if s.Settings.CPULimitCores != want {
			t.Errorf("%s: the service's cgroup limit read back %.2f, want %.2f", describe(v), s.Settings.CPULimitCores, want)
		}
		if _, ok := f["throttled-frac"]; !ok {
			t.Errorf("%s: no throttled-frac: the service's cgroup was not read", describe(v))
		}
		if key[1] == "no-metrics" {
			_, gc := f["gc/s"]
			_, gcCPU := f["gc-cpu-frac"]
			if !slices.Equal(r.Summary.Missing, []string{result.MissingMetrics}) || gc || gcCPU || r.Summary.GOMAXPROCS != 0 {
				t.Errorf("%s: missing %v, gc/s present %v, gc-cpu-frac present %v, GOMAXPROCS %d; want metrics missing and those absent, not zero",
					describe(v), r.Summary.Missing, gc, gcCPU, r.Summary.GOMAXPROCS)
			}
			continue
		}
		if key[0] == "100m" && slices.Equal(r.Summary.Missing, []string{result.MissingMetrics}) {
			// Starved to a tenth of what it needs, the service may not
			// answer its own /metrics within 5 s at any point of a short
			// window; the run says so rather than reporting zeros.
			t.Logf("%s: too starved to answer its /metrics during the window: its runtime figures are missing", describe(v))
			continue
		}
		if len(r.Summary.Missing) != 0 || f["gc/s"] <= 0 {
			t.Errorf("%s: missing %v, gc/s %v; want every figure read", describe(v), r.Summary.Missing, f["gc/s"])
		}
		if want := result.GOMAXPROCSFor(want, runtime.NumCPU()); r.Summary.GOMAXPROCS != int32(want) {
			t.Errorf("%s: GOMAXPROCS %d, want the service's own by the runtime's rule, %d", describe(v), r.Summary.GOMAXPROCS, want)
		}
	}
	// 150 requests/s of 1 ms: about 0.2 cores with the GC, twice what
	// 100m gives; a limit of 1 is ample.
	starved, ample := byKey[[2]string{"100m", "metrics"}], byKey[[2]string{"1", "metrics"}]
	if starved != nil && ample != nil && starved.Runs[0].Summary != nil && ample.Runs[0].Summary != nil {
		if a, b := starved.Runs[0].Summary.Figures["lat-p99-s"], ample.Runs[0].Summary.Figures["lat-p99-s"]; a < 2*b {
			t.Errorf("p99 %.1f ms under 100m, %.1f ms under 1 CPU: want the starved limit's at least twice", 1000*a, 1000*b)
		}
	}
	if rec := o.exp.Status.Recommendation; rec == nil || rec.Variant == "" {
		t.Errorf("no recommendation: %+v", rec)
	} else if v := variantNamed(o.exp, rec.Variant); v == nil || v.Knobs.CPULimit != "1" {
		t.Errorf("recommended %s, want a variant with cpu=1 (100m misses p99 ≤ 50 ms)", rec.Variant)
	}
}

func variantNamed(exp *labv1.Experiment, name string) *labv1.VariantStatus {
	for i := range exp.Status.Variants {
		if exp.Status.Variants[i].Name == name {
			return &exp.Status.Variants[i]
		}
	}
	return nil
}
