package main

import (
	"context"
	"fmt"
)

// selected lists the targets --only selects for a section.
func (b *bench) selected(section string) []target {
	var ts []target
	for _, t := range targets {
		if (section != sectionOverhead || t.overhead) && b.opts.only.has(section, t.scenario) {
			ts = append(ts, t)
		}
	}
	return ts
}

// ratioGoal is the ratio sections' target.
var ratioGoal = goal{target: ratioTarget, atLeast: true}

// ratioSection compares each scenario's workload run, telemetry off, with
// its bare benchmark.
func (b *bench) ratioSection(ctx context.Context) ([]verdict, error) {
	ts := b.selected(sectionRatio)
	if len(ts) == 0 {
		return nil, nil
	}
	fmt.Fprintf(b.out, "\n== %s: workload binary (telemetry off) / bare testing.B benchmark, work per CPU-second, target %s\n", sectionRatio, ratioGoal)
	ratioHeader(b.out)
	var vs []verdict
	for _, t := range ts {
		v, err := b.ratioOf(ctx, t)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// ratioOf runs interleaved pairs, bare and workload, until the ratio's
// interval decides the target (or the rounds or time run out).
func (b *bench) ratioOf(ctx context.Context, t target) (verdict, error) {
	test, err := buildTest(ctx, t, b.opts.outDir)
	if err != nil {
		return verdict{}, err
	}
	var bares, loads []float64
	round := func(ctx context.Context, r int) (float64, error) {
		bare := func(ctx context.Context) (float64, error) { return b.bare(ctx, t, test) }
		load := func(ctx context.Context) (float64, error) {
			w, err := b.workload(ctx, t, nil, b.opts.benchtime)
			return w.perCPU, err
		}
		vb, vw, err := pair(ctx, r, bare, load)
		if err != nil {
			return 0, err
		}
		bares, loads = append(bares, vb), append(loads, vw)
		return vw / vb, b.lines.addResult("Ratio/scenario="+t.scenario, vw/vb, "ratio")
	}
	row := func(r int, ratio float64) {
		ratioRow(b.out, t, fmt.Sprint(r+1), bares[r], loads[r], fmt.Sprintf("%.3f", ratio), "")
	}
	_, e, word, err := adaptive(ctx, ratioGoal, b.opts.rounds, round, row)
	if err != nil {
		return verdict{}, err
	}
	ratioRow(b.out, t, "median", estimateOf(bares).center, estimateOf(loads).center, e.String(),
		fmt.Sprintf("target %s  %s (%d rounds)", ratioGoal, word, e.n))
	return verdict{word: word}, nil
}

// pollerSection compares the poller scenario's echo throughput, telemetry
// off, with a minimal plain Go echo pair over loopback, in interleaved
// pairs as the ratio section does.
func (b *bench) pollerSection(ctx context.Context) ([]verdict, error) {
	if !b.opts.only.has(sectionPoller, pollerTarget.scenario) {
		return nil, nil
	}
	fmt.Fprintf(b.out, "\n== %s: workload echo (role both, telemetry off) / plain Go echo pair (%s), "+
		"same conns and msgSize, target %s\n", sectionPoller, pollerTarget.bench, ratioGoal)
	ratioHeader(b.out)
	v, err := b.ratioOf(ctx, pollerTarget)
	if err != nil {
		return nil, err
	}
	return []verdict{v}, nil
}

// overheadGoal is the overhead section's target, in percent.
var overheadGoal = goal{target: overheadTarget}

// overheadSection compares each scenario's workload run with telemetry
// off and on, at each telemetry setting.
func (b *bench) overheadSection(ctx context.Context) ([]verdict, error) {
	ts := b.selected(sectionOverhead)
	if len(ts) == 0 {
		return nil, nil
	}
	s, err := startSink()
	if err != nil {
		return nil, err
	}
	defer s.close()
	fmt.Fprintf(b.out, "\n== %s: work per CPU-second lost with telemetry on (/metrics scraped, profiles pushed to a "+
		"Pyroscope sink at %s) against off (--listen \"\" --cpu-profile=false), in interleaved pairs\n", sectionOverhead, s.url())
	var vs []verdict
	for _, tel := range telemetrySettings(b.opts.benchtime, b.opts.smoke) {
		tel.sink = s
		grade := "measured and explained, not graded"
		if tel.graded {
			grade = "target " + overheadGoal.String() + "%"
		}
		fmt.Fprintf(b.out, "-- %s: scrape every %s, push every %s, %s windows; %s\n", tel.name, tel.scrapeEvery, tel.pushEvery, tel.window, grade)
		overheadHeader(b.out)
		for _, t := range ts {
			v, err := b.overheadOf(ctx, t, &tel)
			if err != nil {
				return nil, err
			}
			if tel.graded {
				vs = append(vs, v)
			}
		}
	}
	return vs, nil
}

// overheadOf runs interleaved pairs, off and on, until the interval of
// the share of work per CPU-second lost decides the target.
func (b *bench) overheadOf(ctx context.Context, t target, tel *telemetry) (verdict, error) {
	var offs, ons []workloadRun
	tel.sink.takeCosts() // start the attribution afresh
	round := func(ctx context.Context, r int) (float64, error) {
		var on workloadRun
		offF := func(ctx context.Context) (float64, error) {
			w, err := b.workload(ctx, t, nil, tel.window)
			offs = append(offs, w)
			return w.perCPU, err
		}
		onF := func(ctx context.Context) (float64, error) {
			w, err := b.workload(ctx, t, tel, tel.window)
			on = w
			return w.perCPU, err
		}
		vOff, vOn, err := pair(ctx, r, offF, onF)
		if err != nil {
			return 0, err
		}
		ons = append(ons, on)
		pct := overheadPct(vOff, vOn)
		return pct, b.lines.addResult("Overhead/scenario="+t.scenario+"/telemetry="+tel.name, pct, "%lost")
	}
	row := func(r int, pct float64) {
		overheadRow(b.out, t, fmt.Sprint(r+1), offs[r].perCPU, ons[r].perCPU, fmt.Sprintf("%.2f%%", pct), &ons[r].stats, "")
	}
	g := overheadGoal
	if !tel.graded {
		g = goal{target: overheadTarget} // judged for the record; not counted
	}
	_, e, word, err := adaptive(ctx, g, b.opts.rounds, round, row)
	if err != nil {
		return verdict{}, err
	}
	note := fmt.Sprintf("target %s%%  %s (%d rounds)", g, word, e.n)
	if !tel.graded {
		note = fmt.Sprintf("not graded; would be %s against %s%%", word, g)
	}
	overheadRow(b.out, t, "median", medianOf(offs), medianOf(ons), e.format("%"), nil, note)
	if !tel.graded {
		fmt.Fprintf(b.out, "   where the CPU of the telemetry-on runs went (their pushed CPU profiles): %s\n", costsText(tel.sink.takeCosts()))
	}
	return verdict{word: word}, nil
}

func medianOf(ws []workloadRun) float64 {
	xs := make([]float64, len(ws))
	for i, w := range ws {
		xs[i] = w.perCPU
	}
	return estimateOf(xs).center
}

// overheadPct is the share of throughput lost with telemetry on, in
// percent; negative when the on run happened to be faster.
func overheadPct(off, on float64) float64 { return (1 - on/off) * 100 }
