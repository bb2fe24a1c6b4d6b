package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// runStats are what a telemetry-on run was observed doing.
type runStats struct {
	scrapes int64 // /metrics scrapes that succeeded
	pushes  int64 // profile uploads the sink received
}

// workload runs the workload binary once, with telemetry on when s is not
// nil, appends its benchmark line to the file and returns its figure.
func (b *bench) workload(ctx context.Context, t target, s *sink) (float64, runStats, error) {
	sum, st, err := b.runWorkload(ctx, t, s)
	if err != nil {
		return 0, st, err
	}
	mode := "off"
	if s != nil {
		mode = "on"
	}
	if err := b.lines.addWorkload(mode, sum); err != nil {
		return 0, st, err
	}
	v, ok := sum.Figures[t.figure]
	if !ok {
		return 0, st, fmt.Errorf("workload run %s: summary has no figure %q", t.scenario, t.figure)
	}
	return v, st, nil
}

func (b *bench) runWorkload(ctx context.Context, t target, s *sink) (*result.Summary, runStats, error) {
	cmd := exec.CommandContext(ctx, b.opts.workload, workloadArgs(t, b.opts, s)...)
	var stdout bytes.Buffer
	logs := newLogWatch(telemetryLine)
	cmd.Stdout, cmd.Stderr = &stdout, logs
	pushes0 := s.pushes()
	scrapeCtx, stopScrape := context.WithCancel(ctx)
	defer stopScrape()
	scraped := make(chan int64, 1)
	if s != nil {
		go func() { scraped <- scrape(scrapeCtx, logs.addr, scrapeEvery) }()
	} else {
		scraped <- 0
	}
	err := cmd.Run()
	stopScrape()
	st := runStats{scrapes: <-scraped, pushes: s.pushes() - pushes0}
	if err != nil {
		return nil, st, fmt.Errorf("workload run %s: %w\n%s", t.scenario, err, logs.String())
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

// workloadArgs are the flags of one run: telemetry wholly off, or the
// telemetry endpoint on a free loopback port and profiles pushed to s.
func workloadArgs(t target, o options, s *sink) []string {
	args := []string{"run", t.scenario, "--output=json", "--result-file=", "--cpu-profile=false",
		"--duration=" + o.benchtime.String(), "--warmup=" + o.warmup.String()}
	for _, kv := range t.sets {
		args = append(args, "--set", kv)
	}
	args = append(args, t.args...)
	if s == nil {
		return append(args, "--listen=", "--pyroscope=")
	}
	return append(args, "--listen=127.0.0.1:0", "--pyroscope="+s.url(),
		"--pyroscope-upload-rate="+uploadRate.String())
}

// telemetryLine is the driver's log line naming the telemetry address.
var telemetryLine = regexp.MustCompile(`msg=telemetry addr=(\S+)\n`)

// logWatch keeps a run's stderr and sends the address its line names
// (the first submatch) on addr once it is logged.
type logWatch struct {
	line *regexp.Regexp
	addr chan string

	mu   sync.Mutex
	buf  bytes.Buffer
	sent bool
}

func newLogWatch(line *regexp.Regexp) *logWatch {
	return &logWatch{line: line, addr: make(chan string, 1)}
}

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.sent {
		if m := l.line.FindSubmatch(l.buf.Bytes()); m != nil {
			l.sent = true
			l.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *logWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Telemetry-on settings, as a Prometheus and a Pyroscope in a cluster
// would be set up for a short run.
const (
	scrapeEvery = time.Second
	uploadRate  = time.Second
)
