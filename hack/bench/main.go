package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Section names accepted by --only.
const (
	sectionRatio    = "ratio"
	sectionOverhead = "overhead"
	sectionPoller   = "poller"
	sectionLoadgen  = "loadgen"
)

var sectionNames = []string{sectionRatio, sectionOverhead, sectionPoller, sectionLoadgen}

// options are the command-line settings.
type options struct {
	workload  string
	benchtime time.Duration
	warmup    time.Duration
	rounds    rounds
	smoke     bool
	cpus      int
	only      selection
	outDir    string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newBench(opts, stdout).run(ctx); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var only string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.workload, "workload", "bin/workload", "workload binary to measure")
	fs.DurationVar(&o.benchtime, "benchtime", 5*time.Second, "measured time of each run, bare and workload")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "workload warmup before its measured window")
	fs.IntVar(&o.rounds.min, "min-rounds", 6, "interleaved pairs per comparison before its interval is judged (benchmath needs 6 for a 95% interval)")
	fs.IntVar(&o.rounds.max, "max-rounds", 30, "most interleaved pairs per comparison while its interval straddles the target")
	fs.DurationVar(&o.rounds.cap, "time-cap", 15*time.Minute, "most time per comparison; past it the rounds stop")
	fs.BoolVar(&o.smoke, "smoke", false, "two rounds per comparison and the usual telemetry in --benchtime windows: that every section runs, not what it measures (CI)")
	fs.IntVar(&o.cpus, "cpus", 1, "CPUs (and GOMAXPROCS) of the cgroup each measured process runs alone in; 0 runs them unpinned")
	fs.StringVar(&only, "only", "", "comma list of sections ("+strings.Join(sectionNames, ", ")+
		") and scenarios ("+strings.Join(scenarioNames(), ", ")+") to run; empty runs all")
	fs.StringVar(&o.outDir, "out-dir", "", "directory for the benchmark-line files (default: bench/ next to --workload)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.benchtime <= 0:
		return o, fmt.Errorf("--benchtime %s: must be positive", o.benchtime)
	case o.warmup < 0:
		return o, fmt.Errorf("--warmup %s: must not be negative", o.warmup)
	case o.rounds.min < 1:
		return o, fmt.Errorf("--min-rounds %d: must be at least 1", o.rounds.min)
	case o.rounds.max < o.rounds.min:
		return o, fmt.Errorf("--max-rounds %d: must be at least --min-rounds (%d)", o.rounds.max, o.rounds.min)
	case o.cpus < 0:
		return o, fmt.Errorf("--cpus %d: must be 0 (unpinned) or more", o.cpus)
	}
	if o.smoke {
		o.rounds.min, o.rounds.max = 2, 2
	}
	if o.outDir == "" {
		o.outDir = filepath.Join(filepath.Dir(o.workload), "bench")
	}
	var err error
	o.only, err = parseSelection(only)
	return o, err
}

// selection is what --only asks for: a run is selected when its section
// and its scenario are, and an empty set selects everything.
type selection struct {
	sections, scenarios []string
}

func parseSelection(s string) (selection, error) {
	var sel selection
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		switch {
		case tok == "":
		case slices.Contains(sectionNames, tok):
			sel.sections = append(sel.sections, tok)
		case slices.Contains(scenarioNames(), tok):
			sel.scenarios = append(sel.scenarios, tok)
		default:
			return sel, fmt.Errorf("--only %q: unknown %q; use a section (%s) or a scenario (%s)",
				s, tok, strings.Join(sectionNames, ", "), strings.Join(scenarioNames(), ", "))
		}
	}
	return sel, nil
}

func (s selection) has(section, scenario string) bool {
	return (len(s.sections) == 0 || slices.Contains(s.sections, section)) &&
		(len(s.scenarios) == 0 || slices.Contains(s.scenarios, scenario))
}
