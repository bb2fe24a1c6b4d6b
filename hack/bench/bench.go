package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets the report marks PASS or MISS against.
const (
	ratioTarget    = 0.90 // workload throughput / bare benchmark, at least
	overheadTarget = 2.0  // percent of throughput lost to telemetry, at most
)

// target is one scenario as hack/bench measures it.
type target struct {
	scenario string
	// figure is the throughput figure, named alike in the workload's
	// summary and in the benchmark's ReportMetric unit.
	figure string
	// bench is the bare benchmark in the scenario's package.
	bench string
	// sets are the --set values matching what the benchmark runs.
	sets []string
	// args are further flags of the workload run, such as its role.
	args []string
	// overhead says whether the telemetry section measures it.
	overhead bool
}

var targets = []target{
	{scenario: "scheduler", figure: "tasks/s", bench: "BenchmarkScheduler", overhead: true},
	{scenario: "alloc", figure: "objects/s", bench: "BenchmarkAlloc"},
	{scenario: "gc", figure: "ops/s", bench: "BenchmarkGC", sets: []string{"churnRate=0"}, overhead: true},
}

// pollerTarget is the poller section's pair: the workload binary's echo
// mode (role both, the catalogue's default conns and msgSize) against
// BenchmarkEchoBaseline, a plain Go echo client and server that reads the
// same defaults. It is not in targets: its baseline is not the scenario's
// own code, so it is reported in its own section.
var pollerTarget = target{scenario: "poller", figure: "msgs/s", bench: "BenchmarkEchoBaseline", sets: []string{"mode=echo"}}

func scenarioNames() []string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.scenario
	}
	return names
}

// bench is one invocation's state.
type bench struct {
	opts  options
	out   io.Writer
	lines *benchFile
	pin   *pinning
}

func newBench(o options, out io.Writer) *bench {
	return &bench{opts: o, out: out, pin: newPinning(o.cpus)}
}

func (b *bench) run(ctx context.Context) error {
	if _, err := os.Stat(b.opts.workload); err != nil {
		return fmt.Errorf("workload binary (run `make build`): %w", err)
	}
	lines, err := openBenchFile(b.opts.outDir, time.Now())
	if err != nil {
		return err
	}
	defer lines.Close()
	b.lines = lines
	b.header()
	ratios, err := b.ratioSection(ctx)
	if err != nil {
		return err
	}
	pollers, err := b.pollerSection(ctx)
	if err != nil {
		return err
	}
	overheads, err := b.overheadSection(ctx)
	if err != nil {
		return err
	}
	if err := b.loadgenSection(ctx); err != nil {
		return err
	}
	b.footer(append(append(ratios, pollers...), overheads...))
	return nil
}

func (b *bench) header() {
	r := b.opts.rounds
	fmt.Fprintf(b.out, "workload %s, %s per run after %s warmup, %s, %d CPUs, load %s\n",
		b.opts.workload, b.opts.benchtime, b.opts.warmup, runtime.Version(), runtime.NumCPU(), loadAvg())
	fmt.Fprintf(b.out, "measured processes: %s\n", b.pin)
	fmt.Fprintf(b.out, "rounds: %d to %d interleaved pairs per comparison, at most %s each, until the %.0f%% interval "+
		"of the median (benchmath, as benchstat) decides the target: PASS, MISS, or CANNOT TELL when it straddles it\n",
		r.min, r.max, r.cap, 100*confidence)
	fmt.Fprintf(b.out, "appending workload benchmark lines to %s, comparisons to %s\n", b.lines.workloadPath, b.lines.resultsPath)
}

func (b *bench) footer(vs []verdict) {
	count := map[string]int{}
	for _, v := range vs {
		count[v.word]++
	}
	fmt.Fprintln(b.out)
	if len(vs) > 0 { // the loadgen section has none
		fmt.Fprintf(b.out, "%d targets: %d PASS, %d MISS, %d CANNOT TELL (reported, not enforced)\n",
			len(vs), count[pass], count[miss], count[cannotTell])
	}
	fmt.Fprintf(b.out, "workload benchmark lines: %s\n  compare with: benchstat -col telemetry %s\n",
		b.lines.workloadPath, b.lines.workloadPath)
	fmt.Fprintf(b.out, "comparison lines:         %s\n  compare two commits with: benchstat OLD NEW\n", b.lines.resultsPath)
	fmt.Fprintf(b.out, "bare benchmark lines:     %s\n", b.lines.barePath)
}

// loadAvg is the 1, 5 and 15 minute load average, a hint of how busy
// the machine was; "?" when unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// measure is one throughput measurement.
type measure func(ctx context.Context) (float64, error)

// pair runs a and b once each, a first on even rounds and b first on odd
// ones, so slow drift on a shared machine does not favour one side.
func pair(ctx context.Context, round int, a, b measure) (va, vb float64, err error) {
	first, second := a, b
	if round%2 == 1 {
		first, second = b, a
	}
	v1, err := first(ctx)
	if err != nil {
		return 0, 0, err
	}
	v2, err := second(ctx)
	if err != nil {
		return 0, 0, err
	}
	if round%2 == 1 {
		return v2, v1, nil
	}
	return v1, v2, nil
}
