package localexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/operator/outcome"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

// stopGrace is how long a workload asked to stop (SIGINT, or SIGTERM for
// a service server) has to write its summary and exit before it is killed.
var stopGrace = 15 * time.Second

// proc is one workload process of a run. One goroutine owns cmd.Wait, so
// the exit is observable (done) and the process is always reaped.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr tail
	file   string          // its --result-file
	kill   <-chan struct{} // closed: kill at once instead of waiting out stopGrace
	done   chan struct{}   // closed once the process has exited and been reaped
	start  time.Time       // when it started
	err    error           // cmd.Wait's result, set before done closes

	// How the executor ended it, if it did; read after done.
	pastDeadline bool // stopped at its deadline
	interrupted  bool // stopped by an interrupt (Ctrl-C), or because its partner went
	stopped      bool // a server stopped on purpose after its load generator
}

// startProc starts the workload binary for inv, inside sb when there is
// one, with this process's environment less the run's own variables
// (contract.IsRunEnv) plus the invocation's.
func startProc(workload string, sb *sandbox.Sandbox, inv *contract.Invocation, kill <-chan struct{}) (*proc, error) {
	return start(workload, sb, inv.Args(), inv.Environ(), inv.ResultFile, kill)
}

// start starts the workload binary with args, inside sb when there is one,
// with this process's environment less the run's own variables plus env;
// file is where it writes its summary ("" for none).
func start(workload string, sb *sandbox.Sandbox, args, env []string, file string, kill <-chan struct{}) (*proc, error) {
	p := &proc{file: file, kill: kill, done: make(chan struct{})}
	if sb != nil {
		p.cmd = sb.Command(workload, args...)
	} else {
		p.cmd = exec.Command(workload, args...)
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !contract.IsRunEnv(name) {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	// A run's processes die with the executor (SIGKILL when the OS thread
	// that started them ends; no goroutine here locks its thread, so in
	// practice when the executor's process does): your service
	// (spec.scenario.app.binary) never exits by itself, and would
	// otherwise outlive a killed `kubectl lab run --local`, holding its
	// port and its cgroup. On cgroup v1 the sandbox's shell execs the
	// binary, which keeps the setting.
	if p.cmd.SysProcAttr == nil {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	p.cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the workload: %w", err)
	}
	p.start = time.Now()
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// startedAt is when the process started.
func (p *proc) startedAt() time.Time { return p.start }

// exited reports whether the process has exited (and been reaped).
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit by itself. It asks it to stop (SIGINT:
// the workload writes a partial summary), and records why, when ctx ends
// (an interrupt), when partner closes (a load generator whose server is
// gone has nothing to load), or when deadline passes; it kills at once
// when p.kill closes. It returns once the process is reaped.
func (p *proc) wait(ctx context.Context, partner <-chan struct{}, deadline time.Duration) {
	t := time.NewTimer(deadline)
	defer t.Stop()
	select {
	case <-p.done:
		return
	case <-t.C:
		p.pastDeadline = true
	case <-partner:
		// A server exits when its load generator asks it to at the end of
		// its window, and the generator exits moments later, unless the
		// server failed under load: only a generator still running after
		// partnerGrace has lost its server.
		if p.waitPartnerGrace(ctx, t.C) {
			return
		}
	case <-ctx.Done():
		p.interrupted = true
	case <-p.kill:
		p.interrupted = true
	}
	p.stop(syscall.SIGINT)
}

// partnerGrace is how long a load generator may outlive its server.
var partnerGrace = 5 * time.Second

// waitPartnerGrace waits up to partnerGrace for the process to exit by
// itself after its partner did; true when it did. Otherwise it records why
// it is to be stopped.
func (p *proc) waitPartnerGrace(ctx context.Context, deadline <-chan time.Time) bool {
	grace := time.NewTimer(partnerGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return true
	case <-deadline:
		p.pastDeadline = true
	case <-grace.C:
		p.interrupted = true
	case <-ctx.Done():
		p.interrupted = true
	case <-p.kill:
		p.interrupted = true
	}
	return false
}

// stop sends sig and waits for the exit; after stopGrace, or when p.kill
// closes, it kills the process. It returns once the process is reaped.
func (p *proc) stop(sig syscall.Signal) {
	p.cmd.Process.Signal(sig)
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return
	case <-p.kill:
	case <-grace.C:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// reap kills the process if it still runs and waits until it is reaped:
// its cgroup can only be deleted once no process is left in it.
func (p *proc) reap() {
	if !p.exited() {
		p.cmd.Process.Kill()
	}
	<-p.done
}

// summary reads the process's last summary, nil when it left none.
func (p *proc) summary() *result.Summary {
	b, err := os.ReadFile(p.file)
	if err != nil {
		return nil
	}
	s, err := result.Decode(bytes.TrimSpace(b))
	if err != nil {
		return nil
	}
	return s
}

// observed is the process as outcome sees it, once it has exited; oom
// says its cgroup recorded an OOM kill meanwhile.
func (p *proc) observed(oom bool, deadline time.Duration) outcome.Process {
	o := outcome.Process{Started: true, Summary: p.summary(), Stopped: p.stopped}
	var ee *exec.ExitError
	switch {
	case oom:
		o.Ended = outcome.OOMKilled
	case p.pastDeadline:
		o.Ended, o.Why = outcome.DeadlineExceeded, fmt.Sprintf("%s (warmup, duration and grace)", deadline.Round(time.Second))
	case p.interrupted:
		o.Ended = outcome.Interrupted
	case p.err == nil:
		o.Ended = outcome.Exited
	case errors.As(p.err, &ee):
		o.Ended, o.Code, o.Why = outcome.Exited, ee.ExitCode(), p.stderr.last()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.Code, o.Why = 128+int(ws.Signal()), "killed by "+ws.Signal().String()
		}
	default:
		o.Ended, o.Code, o.Why = outcome.Exited, -1, p.err.Error()
	}
	return o
}

// tail keeps the last 2 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2048 {
		t.buf = t.buf[len(t.buf)-2048:]
	}
	return len(p), nil
}

// last returns the last non-empty line, for an error reason.
func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return lines[len(lines)-1]
}
