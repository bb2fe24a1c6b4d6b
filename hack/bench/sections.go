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

// ratioSection compares each scenario's workload run, telemetry off, with
// its bare benchmark.
func (b *bench) ratioSection(ctx context.Context) ([]verdict, error) {
	ts := b.selected(sectionRatio)
	if len(ts) == 0 {
		return nil, nil
	}
	fmt.Fprintf(b.out, "\n== %s: workload binary (telemetry off) / bare testing.B benchmark, target >= %.2f\n",
		sectionRatio, ratioTarget)
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

func (b *bench) ratioOf(ctx context.Context, t target) (verdict, error) {
	test, err := buildTest(ctx, t, b.opts.outDir)
	if err != nil {
		return verdict{}, err
	}
	var bares, loads, ratios []float64
	for r := range b.opts.rounds {
		bare := func(ctx context.Context) (float64, error) { return b.bare(ctx, t, test) }
		load := func(ctx context.Context) (float64, error) {
			v, _, err := b.workload(ctx, t, nil)
			return v, err
		}
		vb, vw, err := pair(ctx, r, bare, load)
		if err != nil {
			return verdict{}, err
		}
		bares, loads, ratios = append(bares, vb), append(loads, vw), append(ratios, vw/vb)
		ratioRow(b.out, t, fmt.Sprint(r+1), vb, vw, vw/vb, "")
	}
	v := verdict{value: median(ratios)}
	v.pass = v.value >= ratioTarget
	ratioRow(b.out, t, "median", median(bares), median(loads), v.value,
		fmt.Sprintf("target >= %.2f  %s", ratioTarget, v.word()))
	return v, nil
}

// pollerSection compares the poller scenario's echo throughput, telemetry
// off, with a minimal plain Go echo pair over loopback, in interleaved
// pairs as the ratio section does.
func (b *bench) pollerSection(ctx context.Context) ([]verdict, error) {
	if !b.opts.only.has(sectionPoller, pollerTarget.scenario) {
		return nil, nil
	}
	fmt.Fprintf(b.out, "\n== %s: workload echo (role both, telemetry off) / plain Go echo pair (%s), "+
		"same conns and msgSize, target >= %.2f\n", sectionPoller, pollerTarget.bench, ratioTarget)
	ratioHeader(b.out)
	v, err := b.ratioOf(ctx, pollerTarget)
	if err != nil {
		return nil, err
	}
	return []verdict{v}, nil
}

// overheadSection compares each scenario's workload run with telemetry
// off and on.
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
	fmt.Fprintf(b.out, "\n== %s: telemetry off (--listen \"\" --cpu-profile=false) vs on (/metrics scraped every %s, "+
		"Pyroscope push every %s to %s), target <= %.0f%%\n", sectionOverhead, scrapeEvery, uploadRate, s.url(), overheadTarget)
	overheadHeader(b.out)
	var vs []verdict
	for _, t := range ts {
		v, err := b.overheadOf(ctx, t, s)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func (b *bench) overheadOf(ctx context.Context, t target, s *sink) (verdict, error) {
	var offs, ons, pcts []float64
	for r := range b.opts.rounds {
		var st runStats
		off := func(ctx context.Context) (float64, error) {
			v, _, err := b.workload(ctx, t, nil)
			return v, err
		}
		on := func(ctx context.Context) (float64, error) {
			v, got, err := b.workload(ctx, t, s)
			st = got
			return v, err
		}
		vOff, vOn, err := pair(ctx, r, off, on)
		if err != nil {
			return verdict{}, err
		}
		pct := overheadPct(vOff, vOn)
		offs, ons, pcts = append(offs, vOff), append(ons, vOn), append(pcts, pct)
		overheadRow(b.out, t, fmt.Sprint(r+1), vOff, vOn, pct, &st, "")
	}
	v := verdict{value: median(pcts)}
	v.pass = v.value <= overheadTarget
	overheadRow(b.out, t, "median", median(offs), median(ons), v.value, nil,
		fmt.Sprintf("target <= %.0f%%  %s", overheadTarget, v.word()))
	return v, nil
}

// overheadPct is the share of throughput lost with telemetry on, in
// percent; negative when the on run happened to be faster.
func overheadPct(off, on float64) float64 { return (1 - on/off) * 100 }
