package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// runStats are what a telemetry-on run was observed doing.
type runStats struct {
	scrapes int64 // /metrics scrapes that succeeded
	pushes  int64 // profile uploads the sink received
}

// workloadRun is one workload run's figure, in two forms.
type workloadRun struct {
	// perSec is the figure as the workload reports it (per second of
	// wall time); perCPU is per CPU-second the process used, which a busy
	// neighbour taking CPU away does not move, while telemetry, which
	// spends the process's own CPU, does.
	perSec, perCPU float64
	stats          runStats
}

// workload runs the workload binary once, with telemetry as tel says (nil:
// wholly off), appends its benchmark lines to the file and returns its
// figure.
func (b *bench) workload(ctx context.Context, t target, tel *telemetry, window time.Duration) (workloadRun, error) {
	sum, st, err := b.runWorkload(ctx, t, tel, window)
	if err != nil {
		return workloadRun{stats: st}, err
	}
	mode := "off"
	if tel != nil {
		mode = tel.name
	}
	if err := b.lines.addWorkload(mode, sum); err != nil {
		return workloadRun{}, err
	}
	v, ok := sum.Figures[t.figure]
	if !ok {
		return workloadRun{}, fmt.Errorf("workload run %s: summary has no figure %q", t.scenario, t.figure)
	}
	run := workloadRun{perSec: v, stats: st}
	if sum.Seconds > 0 && sum.CPU.ProcessSeconds > 0 {
		run.perCPU = v / (sum.CPU.ProcessSeconds / sum.Seconds)
	}
	return run, nil
}

func (b *bench) runWorkload(ctx context.Context, t target, tel *telemetry, window time.Duration) (*result.Summary, runStats, error) {
	var listen string
	if tel != nil {
		addr, err := freeAddr()
		if err != nil {
			return nil, runStats{}, err
		}
		listen = addr
	}
	args := workloadArgs(t, b.opts, tel, listen, window)
	var stdout, stderr bytes.Buffer
	var pushes0 int64
	if tel != nil {
		pushes0 = tel.sink.pushes()
	}
	scrapeCtx, stopScrape := context.WithCancel(ctx)
	defer stopScrape()
	scraped := make(chan int64, 1)
	err := b.pin.run(ctx, b.opts.workload, args, &stdout, &stderr, func() {
		if tel != nil {
			go func() { scraped <- scrape(scrapeCtx, listen, tel.scrapeEvery) }()
		} else {
			scraped <- 0
		}
	})
	stopScrape()
	var st runStats
	select {
	case st.scrapes = <-scraped:
	case <-time.After(time.Second):
	}
	if tel != nil {
		st.pushes = tel.sink.pushes() - pushes0
	}
	if err != nil {
		return nil, st, fmt.Errorf("workload run %s: %w\n%s", t.scenario, err, stderr.String())
	}
	var sum result.Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		return nil, st, fmt.Errorf("workload run %s: decode summary: %w", t.scenario, err)
	}
	if sum.Partial || sum.Error != "" {
		return nil, st, fmt.Errorf("workload run %s: summary partial or failed: %q", t.scenario, sum.Error)
	}
	return &sum, st, nil
}

// run runs name with args (pinned when the bench pins), calling started
// once the process runs; ctx's end stops it (SIGTERM, then SIGKILL).
func (p *pinning) run(ctx context.Context, name string, args []string, stdout, stderr *bytes.Buffer, started func()) error {
	return p.start(ctx, "", name, args, stdout, stderr, started)
}

// runIn is run in directory dir.
func (p *pinning) runIn(ctx context.Context, dir, name string, args []string, stdout, stderr *bytes.Buffer) error {
	return p.start(ctx, dir, name, args, stdout, stderr, func() {})
}

func (p *pinning) start(ctx context.Context, dir, name string, args []string, stdout, stderr *bytes.Buffer, started func()) error {
	cmd, cleanup, err := p.command(name, args...)
	if err != nil {
		return err
	}
	defer cleanup()
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	started()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		return ctx.Err()
	}
}

// workloadArgs are the flags of one run: telemetry wholly off, or the
// telemetry endpoint on listen and profiles pushed to tel's sink.
func workloadArgs(t target, o options, tel *telemetry, listen string, window time.Duration) []string {
	args := []string{"run", t.scenario, "--output=json", "--result-file=", "--cpu-profile=false",
		"--duration=" + window.String(), "--warmup=" + o.warmup.String()}
	for _, kv := range t.sets {
		args = append(args, "--set", kv)
	}
	args = append(args, t.args...)
	if tel == nil {
		return append(args, "--listen=", "--pyroscope=")
	}
	return append(args, "--listen="+listen, "--pyroscope="+tel.sink.url(),
		"--pyroscope-upload-rate="+tel.pushEvery.String())
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
