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
// off, against one cheap server and reports its own CPU per 1,000
// requests at each rate. There is no target: it says what a generator pod
// needs, it does not grade the workload.
func (b *bench) loadgenSection(ctx context.Context) (err error) {
	if !b.opts.only.has(sectionLoadgen, loadgenScenario) {
		return nil
	}
	srv, err := startServer(ctx, b.opts.workload, serverLife(b.opts))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.stop()) }()
	fmt.Fprintf(b.out, "\n== %s: load generator's own CPU per 1,000 requests (role loadgen, telemetry off) "+
		"against a server doing no work per request (role server at %s), informational, no target\n",
		sectionLoadgen, srv.addr)
	loadgenHeader(b.out)
	keptUp := true
	for i, rate := range loadgenRates {
		if i == len(loadgenRates)-1 && !keptUp {
			fmt.Fprintf(b.out, "%-7d skipped: the generator did not keep up at %d req/s\n", rate, loadgenRates[i-1])
			break
		}
		med, rerr := b.loadgenRate(ctx, srv, rate)
		if rerr != nil {
			return rerr
		}
		keptUp = med.keptUp()
	}
	return nil
}

// serverLife bounds the server's run: every loadgen run and its slack.
func serverLife(o options) time.Duration {
	runs := time.Duration(o.rounds * len(loadgenRates))
	return runs*(o.warmup+o.benchtime+loadgenRunSlack) + serverStartTimeout
}

// loadgenRate runs the generator at rate for every round and returns the
// medians.
func (b *bench) loadgenRate(ctx context.Context, srv *serviceServer, rate int) (loadgenFigures, error) {
	var runs []loadgenFigures
	for r := range b.opts.rounds {
		f, err := b.loadgenRun(ctx, srv, rate)
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
	loadgenRow(b.out, rate, "median", med, "informational")
	return med, nil
}

// loadgenRun runs the generator once, appends its benchmark line to the
// file and returns its figures.
func (b *bench) loadgenRun(ctx context.Context, srv *serviceServer, rate int) (loadgenFigures, error) {
	sum, _, err := b.runWorkload(ctx, loadgenTarget(srv.addr, rate), nil)
	// A server gone during the run leaves nothing to measure against.
	if err = errors.Join(err, srv.check()); err != nil {
		return loadgenFigures{}, err
	}
	if err := b.lines.addWorkload("off", sum); err != nil {
		return loadgenFigures{}, err
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
