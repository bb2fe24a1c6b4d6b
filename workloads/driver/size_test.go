package driver

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// TestWorstCaseSummaryFitsTerminationMessage fills every field of each
// scenario's summary with its longest possible value and checks the JSON
// still fits Kubernetes' 4 KiB termination message, with params intact.
func TestWorstCaseSummaryFitsTerminationMessage(t *testing.T) {
	long := strings.Repeat("x", 63) // the longest Kubernetes label value
	worst := -math.MaxFloat64 / 3   // a float whose JSON is as long as any
	for _, e := range catalog.All() {
		t.Run(e.Name, func(t *testing.T) {
			s := &result.Summary{
				Version: result.SchemaVersion, Scenario: e.Name,
				Experiment: long, Variant: long, Run: long,
				Params: map[string]string{}, Figures: map[string]float64{},
				Start: time.Now(), WarmupSeconds: worst, Seconds: worst,
				Phase: PhaseMeasure, Partial: true, Outcome: "gc-thrash",
				Error: strings.Repeat("e", 256),
				Settings: result.Settings{GoVersion: "go1.99.99-devel +0123456789 Mon Jan 2 15:04:05 2026 +0000",
					NumCPU: 1 << 20, GOMAXPROCS: 1 << 20, GOGC: math.MaxInt32, GOMEMLIMIT: math.MaxInt64,
					GODEBUG: strings.Repeat("g", 128), CgroupVersion: 2, CPULimitCores: worst, MemoryLimitBytes: math.MaxInt64},
				Runtime: result.Runtime{GCCycles: math.MaxUint64, GCCyclesPerS: worst, GCCPUFraction: worst,
					GCAssistCPUFraction: worst, UserCPUFraction: worst, IdleCPUFraction: worst,
					GCPauseP50: worst, GCPauseP99: worst, GCPauseMax: worst,
					SchedLatencyP50: worst, SchedLatencyP99: worst, SchedLatencyMax: worst,
					AllocBytes: math.MaxUint64, AllocObjects: math.MaxUint64, HeapLiveBytes: math.MaxUint64,
					HeapGoalBytes: math.MaxUint64, TotalMemoryBytes: math.MaxUint64, StackBytes: math.MaxUint64,
					Goroutines: math.MaxUint64, LimiterEnabled: true},
				CPU: result.CPU{UsageSeconds: worst, ProcessSeconds: worst, Cores: worst, Periods: math.MaxUint64, ThrottledPeriods: math.MaxUint64,
					ThrottledSeconds: worst, ThrottledRatio: worst, PressureSomeAvg10: worst},
				Memory: result.Memory{UsageBytes: math.MaxUint64, PeakBytes: math.MaxUint64, OOMKills: math.MaxUint64,
					OOMEvents: math.MaxUint64, PressureSomeAvg10: worst},
				Hierarchy: &result.Hierarchy{Visible: result.MaxLevels + 10, CPULimitCores: worst, CPULimitUp: 15,
					MemoryLimitBytes: math.MaxInt64, MemoryLimitUp: 15,
					Flags: []string{result.FlagGOMAXPROCSAboveLimit, result.FlagCPUShared, result.FlagThrottledAbove,
						result.FlagGOMEMLIMITAboveLimit, result.FlagMemoryShared}},
			}
			for range result.MaxSegments {
				s.Limits = append(s.Limits, result.Segment{AtS: worst, CPULimitCores: worst, MemoryLimitBytes: math.MaxInt64,
					GOMAXPROCS: 1 << 20, GOMAXPROCSWant: 1 << 20, GOMAXPROCSAfterS: worst, GOMEMLIMIT: math.MaxInt64,
					Cores: worst, ThrottledRatio: worst, SchedP99: worst})
			}
			for i := range result.MaxLevels {
				s.Hierarchy.Levels = append(s.Hierarchy.Levels, result.Level{Up: 15 - i, Name: strings.Repeat("n", result.MaxLevelName),
					CPULimitCores: worst, MemoryLimitBytes: math.MaxInt64, Cores: worst, ThrottledRatio: worst, ThrottledSeconds: worst,
					MemoryPeakBytes: math.MaxUint64, OOMKills: math.MaxUint64})
			}
			for _, p := range e.Params {
				v := p.Default
				for _, c := range append([]string{p.Min, p.Max}, p.Values...) {
					if len(c) > len(v) {
						v = c
					}
				}
				if p.Kind == "float" {
					v = "0.12345678901234567" // the longest a float in [0, 1] prints
				}
				s.Params[p.Name] = v
			}
			for _, f := range e.Figures {
				s.Figures[f.Name] = worst
			}
			b, err := result.Encode(s)
			if err != nil {
				t.Fatalf("%v (%d bytes)", err, len(b))
			}
			got, err := result.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			// What Encode may leave out is the detail; the run's identity,
			// params, figures, effective limits and flags always fit.
			if len(got.Params) != len(s.Params) || len(got.Figures) != len(s.Figures) || got.Hierarchy == nil ||
				len(got.Hierarchy.Flags) != len(s.Hierarchy.Flags) || got.Hierarchy.MemoryLimitBytes != s.Hierarchy.MemoryLimitBytes || len(got.Trimmed) == 0 {
				t.Errorf("trimmed too much or said nothing: params %d/%d, figures %d/%d, hierarchy %+v, trimmed %v",
					len(got.Params), len(s.Params), len(got.Figures), len(s.Figures), got.Hierarchy, got.Trimmed)
			}
			t.Logf("worst case: %d of %d bytes, trimmed %v", len(b), result.MaxBytes, got.Trimmed)
		})
	}
}
