package aggregate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func f(v float64) *float64 { return &v }

func TestOf(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   labv1.Aggregate
	}{
		{name: "one value has no interval", values: []float64{3}, want: labv1.Aggregate{Figure: "x", Median: 3, N: 1}},
		{name: "odd count median", values: []float64{5, 1, 3}, want: labv1.Aggregate{Figure: "x", Median: 3, N: 3}},
		{name: "six values give a 95% interval", values: []float64{1, 2, 3, 4, 5, 6},
			want: labv1.Aggregate{Figure: "x", Median: 3.5, Low: f(1), High: f(6), N: 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Of("x", tt.values)); diff != "" {
				t.Errorf("aggregate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariantUsesOnlyCompleteRuns(t *testing.T) {
	runs := []labv1.RunStatus{
		{Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{Figures: map[string]float64{"ops/s": 10}}},
		{Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{Figures: map[string]float64{"ops/s": 30}}},
		{Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{Partial: true, Figures: map[string]float64{"ops/s": 1000}}},
		{Outcome: labv1.OutcomeOOMKilled, Summary: &labv1.RunSummary{Figures: map[string]float64{"ops/s": 2000}}},
	}
	want := []labv1.Aggregate{{Figure: "ops/s", Median: 20, N: 2}}
	if diff := cmp.Diff(want, Variant(runs)); diff != "" {
		t.Errorf("aggregates (-want +got):\n%s", diff)
	}
}

func TestRunSummary(t *testing.T) {
	tests := []struct {
		name string
		hier *result.Hierarchy
		want *labv1.RunSummary
	}{{
		name: "nothing above the own cgroup: its throttling is the path's",
		want: &labv1.RunSummary{Partial: true, Outcome: "near-oom", GOMAXPROCS: 2, Figures: map[string]float64{
			"ops/s": 5, "cpu-cores": 0.5, "throttled-frac": 0.9, "path-throttled-frac": 0.9, "mem-peak-B": 1 << 20, "gc-cpu-frac": 0.25}},
	}, {
		name: "a pod's cgroup throttled more: path-throttled-frac is its, and the flags come along",
		hier: &result.Hierarchy{Visible: 3, Levels: []result.Level{{Up: 1, Name: "/pod", ThrottledRatio: 0.95}, {Up: 2, Name: "/", ThrottledRatio: 0.1}},
			Flags: []string{result.FlagThrottledAbove}},
		want: &labv1.RunSummary{Partial: true, Outcome: "near-oom", GOMAXPROCS: 2, Flags: []string{result.FlagThrottledAbove}, CgroupsVisible: 3, Figures: map[string]float64{
			"ops/s": 5, "cpu-cores": 0.5, "throttled-frac": 0.9, "path-throttled-frac": 0.95, "mem-peak-B": 1 << 20, "gc-cpu-frac": 0.25}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &result.Summary{Partial: true, Outcome: "near-oom", Settings: result.Settings{GOMAXPROCS: 2},
				Figures: map[string]float64{"ops/s": 5}, CPU: result.CPU{Cores: 0.5, ThrottledRatio: 0.9},
				Memory: result.Memory{PeakBytes: 1 << 20}, Runtime: result.Runtime{GCCPUFraction: 0.25}, Hierarchy: tt.hier}
			if diff := cmp.Diff(tt.want, RunSummary(s)); diff != "" {
				t.Errorf("run summary (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeServer(t *testing.T) {
	lg := func() *labv1.RunSummary {
		return &labv1.RunSummary{GOMAXPROCS: 8, Flags: []string{"cpu-shared"}, Figures: map[string]float64{
			"lat-p99-s": 0.01, "req/s": 200, "served/s": 0, "cpu-cores": 0.2, "throttled-frac": 0, "mem-peak-B": 1e7, "gc-cpu-frac": 0.01}}
	}
	tests := []struct {
		name   string
		server *labv1.RunSummary
		want   *labv1.RunSummary
	}{
		{"server reported all", &labv1.RunSummary{GOMAXPROCS: 2, Flags: []string{"throttled-above"}, Figures: map[string]float64{
			"served/s": 199, "cpu-cores": 0.5, "throttled-frac": 0.7, "path-throttled-frac": 0.8, "mem-peak-B": 5e7, "gc-cpu-frac": 0.1, "req/s": 1}},
			&labv1.RunSummary{GOMAXPROCS: 2, Flags: []string{"throttled-above"}, Figures: map[string]float64{
				"lat-p99-s": 0.01, "req/s": 200, "served/s": 199, "cpu-cores": 0.5, "throttled-frac": 0.7, "path-throttled-frac": 0.8, "mem-peak-B": 5e7, "gc-cpu-frac": 0.1}}},
		{"server without a cgroup: no throttling figure", &labv1.RunSummary{GOMAXPROCS: 2, Figures: map[string]float64{
			"served/s": 199, "cpu-cores": 0.5, "mem-peak-B": 5e7, "gc-cpu-frac": 0.1}},
			&labv1.RunSummary{GOMAXPROCS: 2, Figures: map[string]float64{
				"lat-p99-s": 0.01, "req/s": 200, "served/s": 199, "cpu-cores": 0.5, "mem-peak-B": 5e7, "gc-cpu-frac": 0.1}}},
		{"no server summary", nil, &labv1.RunSummary{Figures: map[string]float64{"lat-p99-s": 0.01, "req/s": 200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lg()
			MergeServer(got, tt.server)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("merged (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunSummarySegments: a window split by a resize keeps its segments in
// status, and says when GOMEMLIMIT changed between them.
func TestRunSummarySegments(t *testing.T) {
	s := &result.Summary{Limits: []result.Segment{
		{AtS: 0, CPULimitCores: 0.5, GOMAXPROCS: 2, GOMAXPROCSWant: 2, GOMEMLIMIT: 100, Cores: 0.5, ThrottledRatio: 1, SchedP99: 0.08},
		{AtS: 6, CPULimitCores: 1.5, GOMAXPROCS: 2, GOMAXPROCSWant: 2, GOMEMLIMIT: 100, Cores: 1.5, SchedP99: 0.03},
		{AtS: 9, CPULimitCores: 4, GOMAXPROCS: 4, GOMAXPROCSWant: 4, GOMAXPROCSAfterS: 1.1, GOMEMLIMIT: 200, Cores: 3},
	}}
	want := []labv1.LimitSegment{
		{AtSeconds: 0, CPULimit: 0.5, GOMAXPROCS: 2, GOMAXPROCSWant: 2, Cores: 0.5, ThrottledRatio: 1, SchedP99Seconds: 0.08},
		{AtSeconds: 6, CPULimit: 1.5, GOMAXPROCS: 2, GOMAXPROCSWant: 2, Cores: 1.5, SchedP99Seconds: 0.03},
		{AtSeconds: 9, CPULimit: 4, GOMAXPROCS: 4, GOMAXPROCSWant: 4, GOMAXPROCSAfterSeconds: 1.1, GOMEMLIMITChanged: true, Cores: 3},
	}
	if diff := cmp.Diff(want, RunSummary(s).Segments); diff != "" {
		t.Errorf("segments (-want +got):\n%s", diff)
	}
	if RunSummary(&result.Summary{}).Segments != nil {
		t.Error("no resize: want no segments")
	}
}
