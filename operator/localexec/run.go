package localexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/operator/sandbox"
)

// executor runs one Experiment's runs.
type executor struct {
	o        Options
	exp      *labv1.Experiment
	progress *progress
	id       string // tells this execution's sandboxes apart (randomID)

	mu     sync.Mutex // guards bench.txt and warned
	warned bool
}

// limits turns a variant's knobs into cgroup limits.
func limits(v *plan.Variant) (sandbox.Limits, error) {
	var l sandbox.Limits
	if q := v.Knobs.CPULimit; q != "" {
		cpu, err := resource.ParseQuantity(q)
		if err != nil {
			return l, fmt.Errorf("cpu limit %q: %w", q, err)
		}
		l.CPUQuotaMicros = cpu.MilliValue() * sandbox.DefaultPeriodMicros / 1000
	}
	if q := v.Knobs.MemoryLimit; q != "" {
		mem, err := resource.ParseQuantity(q)
		if err != nil {
			return l, fmt.Errorf("memory limit %q: %w", q, err)
		}
		l.MemoryBytes = mem.Value()
	}
	return l, nil
}

// stopGrace is how long a workload asked to stop (SIGINT, or SIGTERM for
// a service server) has to write its summary and exit before it is killed.
const stopGrace = 15 * time.Second

// proc is one workload process of a run. One goroutine owns cmd.Wait, so
// the exit is observable (done) and the process is always reaped.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr tail
	file   string          // its --result-file
	kill   <-chan struct{} // closed: kill at once instead of waiting out stopGrace
	done   chan struct{}   // closed once the process has exited and been reaped
	err    error           // cmd.Wait's result, set before done closes
}

// start starts the workload with args, inside sb when there is one.
func (e *executor) start(sb *sandbox.Sandbox, r plan.Run, file string, env []string, args ...string) (*proc, error) {
	p := &proc{file: file, kill: e.o.Kill, done: make(chan struct{})}
	args = append(args, "--listen", "", "--result-file", file)
	if sb != nil {
		p.cmd = sb.Command(e.o.Workload, args...)
	} else {
		p.cmd = exec.Command(e.o.Workload, args...)
	}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start workload for run %s: %w", r.ID(), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited (and been reaped).
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process; when ctx ends it asks the workload to stop
// (SIGINT: it writes a partial summary), then kills it after stopGrace, or
// at once when p.kill closes.
func (p *proc) wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
	case <-p.kill:
	}
	return p.stop(syscall.SIGINT)
}

// waitWhile waits for p like wait, and also stops it (SIGINT: a partial
// summary) when partner exits first: a load generator has nothing to load
// once its server is gone.
func (p *proc) waitWhile(ctx context.Context, partner <-chan struct{}) error {
	select {
	case <-p.done:
		return p.err
	case <-partner:
	case <-ctx.Done():
	case <-p.kill:
	}
	return p.stop(syscall.SIGINT)
}

// stop sends sig and waits for the exit; after stopGrace, or when p.kill
// closes, it kills the process. It returns once the process is reaped.
func (p *proc) stop(sig syscall.Signal) error {
	p.cmd.Process.Signal(sig)
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return p.err
	case <-p.kill:
	case <-grace.C:
	}
	p.cmd.Process.Kill()
	<-p.done
	return p.err
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

// env is the workload's environment: this process's, without the Go
// runtime knobs (they belong to the variant), plus the variant's.
func env(exp *labv1.Experiment, r plan.Run, goEnv bool) ([]string, error) {
	var out []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", plan.EnvExperiment, plan.EnvVariant, plan.EnvRun, plan.EnvPyroscope:
			continue
		}
		out = append(out, kv)
	}
	if goEnv {
		vars, err := plan.GoEnv(r.Variant)
		if err != nil {
			return nil, err
		}
		for _, v := range vars {
			out = append(out, v.Name+"="+v.Value)
		}
	}
	out = append(out, plan.EnvExperiment+"="+exp.Name, plan.EnvVariant+"="+r.Variant.Name, plan.EnvRun+"="+r.ID())
	if exp.Spec.Pyroscope != nil {
		out = append(out, plan.EnvPyroscope+"="+exp.Spec.Pyroscope.ServerAddress)
	}
	return out, nil
}

// args are the plan's arguments with the local output settings.
func args(exp *labv1.Experiment, r plan.Run) []string {
	a := plan.Args(&exp.Spec, r.Variant)
	for i := range a {
		if a[i] == "--output" && i+1 < len(a) {
			a[i+1] = "bench"
		}
	}
	return a
}

// classify turns a finished process into a run outcome.
func classify(p *proc, waitErr error, oomKilled, interrupted bool) (string, string) {
	var ee *exec.ExitError
	switch {
	case waitErr == nil:
		return labv1.OutcomeCompleted, ""
	case oomKilled:
		return labv1.OutcomeOOMKilled, "the kernel OOM-killed the workload at its memory limit"
	case interrupted:
		return labv1.OutcomeDeleted, "interrupted before it finished"
	case errors.As(waitErr, &ee):
		return labv1.OutcomeError, fmt.Sprintf("exit status %s: %s", exitText(ee), p.stderr.last())
	}
	return labv1.OutcomeError, waitErr.Error()
}

func exitText(ee *exec.ExitError) string {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprint(ee.ExitCode())
}

// appendBench adds a run's benchmark lines to bench.txt.
func (e *executor) appendBench(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := os.OpenFile(e.o.Dir+"/"+resultsdir.BenchFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(b)
}

// warnOnce says loudly, once, that limits are not enforced.
func (e *executor) warnOnce(why error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.warned && e.o.Progress != nil {
		e.warned = true
		fmt.Fprintf(e.o.Progress, "\nWARNING: CPU and memory limits are NOT enforced on this machine (%v).\n"+
			"WARNING: runs go ahead without them; their results say so. Run as root on cgroup v1 or v2 to enforce them.\n\n", why)
	}
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

// find returns the first submatch of re in what was kept, "" when none.
func (t *tail) find(re *regexp.Regexp) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := re.FindSubmatch(t.buf); m != nil {
		return string(m[1])
	}
	return ""
}

// last returns the last non-empty line, for an error reason.
func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return lines[len(lines)-1]
}

var servingAddr = regexp.MustCompile(`msg=service-serving addr=(\S+)`)

// errServerExited means the service server exited before it reported its
// address; its exit is in proc.err.
var errServerExited = errors.New("the service server exited before reporting its address")

// waitAddr waits for the service server to log its address. It returns at
// once when the server exits or ctx ends, with the server's last stderr line.
func waitAddr(ctx context.Context, p *proc, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		if addr := p.stderr.find(servingAddr); addr != "" {
			return addr, nil
		}
		select {
		case <-p.done:
			return "", fmt.Errorf("%w: %s", errServerExited, p.stderr.last())
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for the service server's address: %w", ctx.Err())
		case <-deadline.C:
			return "", fmt.Errorf("the service server did not report its address within %s: %s", timeout, p.stderr.last())
		case <-poll.C:
		}
	}
}
