package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// loadgenScenario is the scenario whose load generator the loadgen
// section measures.
const loadgenScenario = "service"

// loadgenRates are the request rates the loadgen section runs. The last
// is run only when the generator kept up at the one before: one already
// behind there would only show more lag.
var loadgenRates = []int{500, 2000, 5000}

// A generator keeps up when it sends on schedule: the rate held within
// 2 % (as the service scenario's own test asks) and its p99 send lag
// within about a scheduler period, not a wait for CPU.
const (
	keepUpRateFrac = 0.98
	keepUpLag      = 10 * time.Millisecond
)

// loadgenRunSlack is a loadgen run's time beyond its warmup and window:
// process start and the drain of requests in flight.
const loadgenRunSlack = 15 * time.Second

// loadgenFigures are what the section shows of one loadgen run.
type loadgenFigures struct {
	reqPerSec, rateFrac, lagP99, cpuPer1k, errFrac float64
}

func (f loadgenFigures) keptUp() bool {
	return f.rateFrac >= keepUpRateFrac && f.lagP99 <= keepUpLag.Seconds()
}

// loadgenSection runs the service scenario's load generator, telemetry
// off, against a cheap server — a fresh one per run, which the generator
// tells to stop when its window ends, as in a cluster — and reports its
// own CPU per 1,000 requests at each rate. There is no target: it says
// what a generator pod needs, it does not grade the workload.
func (b *bench) loadgenSection(ctx context.Context) error {
	if !b.opts.only.has(sectionLoadgen, loadgenScenario) {
		return nil
	}
	fmt.Fprintf(b.out, "\n== %s: load generator's own CPU per 1,000 requests (role loadgen, telemetry off) "+
		"against a server doing no work per request (role server, a fresh one per run), informational, no target\n",
		sectionLoadgen)
	loadgenHeader(b.out)
	keptUp := true
	for i, rate := range loadgenRates {
		if i == len(loadgenRates)-1 && !keptUp {
			fmt.Fprintf(b.out, "%-7d skipped: the generator did not keep up at %d req/s\n", rate, loadgenRates[i-1])
			break
		}
		med, err := b.loadgenRate(ctx, rate)
		if err != nil {
			return err
		}
		keptUp = med.keptUp()
	}
	return nil
}

// serverLife bounds a server's run: one loadgen run and its slack.
func serverLife(o options) time.Duration {
	return o.warmup + o.benchtime + loadgenRunSlack + serverStartTimeout
}

// loadgenRate runs the generator at rate, the minimum number of rounds,
// and returns the medians.
func (b *bench) loadgenRate(ctx context.Context, rate int) (loadgenFigures, error) {
	var runs []loadgenFigures
	for r := range b.opts.rounds.min {
		f, err := b.loadgenRun(ctx, rate)
		if err != nil {
			return loadgenFigures{}, err
		}
		runs = append(runs, f)
		loadgenRow(b.out, rate, fmt.Sprint(r+1), f, "")
	}
	col := func(get func(loadgenFigures) float64) float64 {
		xs := make([]float64, len(runs))
		for i, f := range runs {
			xs[i] = get(f)
		}
		return median(xs)
	}
	med := loadgenFigures{
		reqPerSec: col(func(f loadgenFigures) float64 { return f.reqPerSec }),
		rateFrac:  col(func(f loadgenFigures) float64 { return f.rateFrac }),
		lagP99:    col(func(f loadgenFigures) float64 { return f.lagP99 }),
		cpuPer1k:  col(func(f loadgenFigures) float64 { return f.cpuPer1k }),
		errFrac:   col(func(f loadgenFigures) float64 { return f.errFrac }),
	}
	cpu := make([]float64, len(runs))
	for i, f := range runs {
		cpu[i] = f.cpuPer1k
	}
	loadgenRow(b.out, rate, "median", med, "informational; CPU ms per 1k requests "+estimateOf(cpu).String())
	return med, nil
}

// loadgenRun starts a server, runs the generator against it once, waits
// for the server to stop as told, appends the generator's benchmark line
// and returns its figures.
func (b *bench) loadgenRun(ctx context.Context, rate int) (f loadgenFigures, err error) {
	srv, err := startServer(ctx, b.opts.workload, b.opts.outDir, serverLife(b.opts))
	if err != nil {
		return f, err
	}
	sum, _, err := b.runWorkload(ctx, loadgenTarget(srv.addr, rate), nil, b.opts.benchtime)
	// The generator told the server to stop: it must exit by itself.
	if err = errors.Join(err, srv.finish(20*time.Second)); err != nil {
		return f, err
	}
	if err := b.lines.addWorkload("off", sum); err != nil {
		return f, err
	}
	if err := b.lines.addResult(fmt.Sprintf("Loadgen/rate=%d", rate), sum.Figures["lg-cpu-ms/1k-req"], "lg-cpu-ms/1k-req"); err != nil {
		return f, err
	}
	return loadgenFiguresOf(sum)
}

// loadgenTarget is the generator's run at rate against addr. It is given
// the server's settings too: the generator ignores them, but its benchmark
// line is named after them and should say what the server did.
func loadgenTarget(addr string, rate int) target {
	return target{scenario: loadgenScenario, figure: "lg-cpu-ms/1k-req",
		sets: append([]string{"rate=" + strconv.Itoa(rate)}, serverSets...),
		args: []string{"--role=loadgen", "--target=" + addr}}
}

func loadgenFiguresOf(s *result.Summary) (loadgenFigures, error) {
	var f loadgenFigures
	for _, fig := range []struct {
		name string
		v    *float64
	}{
		{"req/s", &f.reqPerSec}, {"rate-frac", &f.rateFrac}, {"send-lag-p99-s", &f.lagP99},
		{"lg-cpu-ms/1k-req", &f.cpuPer1k}, {"error-frac", &f.errFrac},
	} {
		v, ok := s.Figures[fig.name]
		if !ok {
			return f, fmt.Errorf("workload run %s: summary has no figure %q", s.Scenario, fig.name)
		}
		*fig.v = v
	}
	return f, nil
}
