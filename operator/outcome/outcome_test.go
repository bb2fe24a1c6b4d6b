package outcome

import (
	"strings"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// sum is a workload's summary under knobs cpu=500m memory=128Mi.
func sum(figs map[string]float64, partial bool) *result.Summary {
	return &result.Summary{Version: 1, Scenario: "gc", Partial: partial, Figures: figs,
		Settings: result.Settings{CgroupVersion: 2, CPULimitCores: 0.5, MemoryLimitBytes: 128 << 20, GOMAXPROCS: 2},
		CPU:      result.CPU{Cores: 0.5}}
}

var knobs = &labv1.Knobs{CPULimit: "500m", MemoryLimit: "128Mi"}

func TestSingle(t *testing.T) {
	ok := sum(map[string]float64{"ops/s": 7}, false)
	unlimited := sum(map[string]float64{"ops/s": 7}, false)
	unlimited.Settings.CPULimitCores, unlimited.Settings.MemoryLimitBytes = 0, 0
	tests := []struct {
		name        string
		p           Process
		want, rsn   string
		wantFigures bool
	}{
		{"pending", Process{}, labv1.OutcomePending, "", false},
		{"running", Process{Started: true}, labv1.OutcomeRunning, "", false},
		{"completed", Process{Started: true, Ended: Exited, Summary: ok}, labv1.OutcomeCompleted, "", true},
		{"exit 0 without a summary", Process{Started: true, Ended: Exited}, labv1.OutcomeError, ReasonNoSummary, false},
		{"exit 1 keeps the partial summary", Process{Started: true, Ended: Exited, Code: 1, Why: "scenario gc: boom", Summary: sum(nil, true)},
			labv1.OutcomeError, "exit code 1: scenario gc: boom", true},
		{"OOM kill", Process{Started: true, Ended: OOMKilled, Summary: sum(nil, true)}, labv1.OutcomeOOMKilled, ReasonOOMKilled, true},
		{"deadline", Process{Started: true, Ended: DeadlineExceeded, Why: "1m1s (warmup, duration and grace)", Summary: sum(nil, true)},
			labv1.OutcomeDeadlineExceeded, "stopped at its deadline: it could not finish its work in time: 1m1s", true},
		{"evicted", Process{Started: true, Ended: Evicted, Why: "The node was low on resource: memory."}, labv1.OutcomeEvicted, "evicted: The node was low", false},
		{"interrupted", Process{Started: true, Ended: Interrupted}, labv1.OutcomeDeleted, "interrupted before it finished", false},
		{"completed without its limits", Process{Started: true, Ended: Exited, Summary: unlimited}, labv1.OutcomeError,
			"limits not enforced (cpu 500m asked, none seen; memory 128Mi asked, none seen", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Single(knobs, nil, tt.p)
			if d.Outcome != tt.want || !strings.Contains(d.Reason, tt.rsn) || (d.Summary != nil) != tt.wantFigures {
				t.Errorf("got %s %q (figures %v), want %s %q (figures %v)", d.Outcome, d.Reason, d.Summary != nil, tt.want, tt.rsn, tt.wantFigures)
			}
		})
	}
}

func TestService(t *testing.T) {
	lgSum := sum(map[string]float64{"lat-p99-s": 0.012, "req/s": 200}, false)
	lgSum.Settings = result.Settings{} // the generator has no limits of its own
	srvSum := sum(map[string]float64{"served/s": 199}, false)
	done := func(s *result.Summary) *Process { return &Process{Started: true, Ended: Exited, Summary: s} }
	running := &Process{Started: true}
	tests := []struct {
		name            string
		srv, lg         *Process
		want, rsn       string
		deleteLoadgen   bool
		wantServerFigs  bool // the server's cpu-cores (never the generator's)
		wantLoadgenFigs bool
	}{
		{"nothing yet", nil, nil, labv1.OutcomePending, "", false, false, false},
		{"server starting", &Process{}, nil, labv1.OutcomePending, "", false, false, false},
		{"server up, no generator yet", running, nil, labv1.OutcomeRunning, "", false, false, false},
		{"both running", running, running, labv1.OutcomeRunning, "", false, false, false},
		{"generator done, server still draining", running, done(lgSum), labv1.OutcomeRunning, "", false, false, false},
		{"both done", done(srvSum), done(lgSum), labv1.OutcomeCompleted, "", false, true, true},
		{"server stopped on purpose, partial figures", &Process{Started: true, Ended: Exited, Code: 143, Stopped: true, Summary: sum(map[string]float64{"served/s": 1}, true)},
			done(lgSum), labv1.OutcomeCompleted, ServerStoppedFigures, false, true, true},
		{"server stuck terminating: done without it", &Process{Started: true, Ended: Exited, Stopped: true}, done(lgSum),
			labv1.OutcomeCompleted, ServerFiguresMissing, false, false, true},
		{"server gone under load", nil, running, labv1.OutcomeDeleted, ServerGoneUnderLoad, true, false, false},
		{"server deleted under load", &Process{Started: true, Ended: Interrupted}, running, labv1.OutcomeDeleted, ServerGoneUnderLoad, true, false, false},
		{"server gone after the generator finished", nil, done(lgSum), labv1.OutcomeCompleted, ServerFiguresMissing, false, false, true},
		{"server OOM-killed under load", &Process{Started: true, Ended: OOMKilled, Summary: sum(nil, true)}, done(lgSum),
			labv1.OutcomeOOMKilled, "server: " + ReasonOOMKilled, false, true, true},
		{"server crashed under load", &Process{Started: true, Ended: Exited, Code: 2, Why: "panic"}, &Process{Started: true, Ended: Interrupted},
			labv1.OutcomeError, "server: exit code 2: panic", false, false, false},
		{"server past its deadline", &Process{Started: true, Ended: DeadlineExceeded, Summary: sum(nil, true)}, done(lgSum),
			labv1.OutcomeDeadlineExceeded, "server: stopped at its deadline", false, true, true},
		{"generator OOM-killed: an Error of the attempt", done(srvSum), &Process{Started: true, Ended: OOMKilled},
			labv1.OutcomeError, "load generator OOMKilled: " + ReasonOOMKilled + "; raise spec.loadGenerator.resources", false, false, false},
		{"server ended before its generator started", done(srvSum), nil, labv1.OutcomeError, "server: the server ended before its load generator started", false, false, false},
		{"server OOM-killed before its generator started", &Process{Started: true, Ended: OOMKilled}, nil, labv1.OutcomeOOMKilled, "server: ", false, false, false},
		{"both interrupted (Ctrl-C)", &Process{Started: true, Ended: Interrupted}, &Process{Started: true, Ended: Interrupted},
			labv1.OutcomeDeleted, "interrupted before it finished", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Service(knobs, nil, tt.srv, tt.lg)
			if d.Outcome != tt.want || !strings.Contains(d.Reason, tt.rsn) || d.DeleteLoadgen != tt.deleteLoadgen {
				t.Errorf("got %s %q (delete generator %v), want %s %q (%v)", d.Outcome, d.Reason, d.DeleteLoadgen, tt.want, tt.rsn, tt.deleteLoadgen)
			}
			var f map[string]float64
			if d.Summary != nil {
				f = d.Summary.Figures
			}
			if _, ok := f["cpu-cores"]; ok != tt.wantServerFigs {
				t.Errorf("server figures: got %v, want %v (figures %v)", ok, tt.wantServerFigs, f)
			}
			if _, ok := f["lat-p99-s"]; ok != tt.wantLoadgenFigs {
				t.Errorf("generator figures: got %v, want %v (figures %v)", ok, tt.wantLoadgenFigs, f)
			}
		})
	}
}

// TestApp: your service leaves no summary; the generator's is the run's.
// The service ending by itself under load decides the run; stopped as
// planned, or gone after the load, it does not; its limits are checked on
// what the generator read of its cgroup, unless that was unreadable.
func TestApp(t *testing.T) {
	obs := sum(map[string]float64{"lat-p99-s": 0.02, "req/s": 200}, false) // the service's settings, as observed
	blind := sum(map[string]float64{"lat-p99-s": 0.02}, false)
	blind.Settings.CPULimitCores, blind.Settings.MemoryLimitBytes, blind.Missing = 0, 0, []string{result.MissingContainer}
	wrong := sum(map[string]float64{"lat-p99-s": 0.02}, false)
	wrong.Settings.CPULimitCores = 0
	done := func(s *result.Summary) *Process { return &Process{Started: true, Ended: Exited, Summary: s} }
	running := &Process{Started: true}
	stopped := &Process{Started: true, Ended: Exited, Code: 143, Stopped: true}
	tests := []struct {
		name, want, rsn string
		srv, lg         *Process
		figures         bool
	}{
		{"nothing yet", labv1.OutcomePending, "", nil, nil, false},
		{"service up, no generator yet", labv1.OutcomeRunning, "", running, nil, false},
		{"generator done, service not stopped yet", labv1.OutcomeRunning, "", running, done(obs), false},
		{"service stopped after the load", labv1.OutcomeCompleted, "", stopped, done(obs), true},
		{"service gone after the load", labv1.OutcomeCompleted, "", nil, done(obs), true},
		{"service's cgroup unreadable: limits unverified", labv1.OutcomeCompleted, "", stopped, done(blind), true},
		{"service not under its limits", labv1.OutcomeError, "server: limits not enforced", stopped, done(wrong), true},
		{"service exited during the load", labv1.OutcomeError, "server: your service ended during the load (exit code 1): bind: address in use",
			&Process{Started: true, Ended: Exited, Code: 1, Why: "bind: address in use"}, done(obs), true},
		{"service OOM-killed", labv1.OutcomeOOMKilled, "server: " + ReasonOOMKilled, &Process{Started: true, Ended: OOMKilled}, done(obs), true},
		{"service exited before the generator started", labv1.OutcomeError, "server: " + serverBeforeGenerator + " (exit code 0)",
			&Process{Started: true, Ended: Exited}, nil, false},
		{"service deleted under load", labv1.OutcomeDeleted, ServerGoneUnderLoad, &Process{Started: true, Ended: Interrupted}, running, false},
		{"generator OOM-killed", labv1.OutcomeError, "load generator OOMKilled", stopped, &Process{Started: true, Ended: OOMKilled}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := App(knobs, nil, tc.srv, tc.lg)
			if d.Outcome != tc.want || !strings.HasPrefix(d.Reason, tc.rsn) {
				t.Errorf("got %s %q, want %s %q", d.Outcome, d.Reason, tc.want, tc.rsn)
			}
			if got := d.Summary != nil && d.Summary.Figures["lat-p99-s"] == 0.02; got != tc.figures {
				t.Errorf("generator's figures kept: %v, want %v (summary %+v)", got, tc.figures, d.Summary)
			}
		})
	}
}
