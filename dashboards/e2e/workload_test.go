package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// workloadBin is the workload binary, built once in TestMain.
var workloadBin string

func buildWorkload(dir string) error {
	var err error
	workloadBin, err = workloadtest.Build(dir)
	return err
}

// workloadSpec is one workload process of the lab.
type workloadSpec struct {
	scenario, variant string
	sets, env         []string
	args              []string
	limits            sandbox.Limits
}

// workload is a running workload process.
type workload struct {
	spec workloadSpec
	addr string // telemetry address
	cmd  *exec.Cmd
	sb   *sandbox.Sandbox
	done chan error
	// stderr keeps the process's log for failure messages.
	stderr *logBuf
}

// logBuf is a log written by one goroutine and read by another.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) add(s string) {
	l.mu.Lock()
	l.b.WriteString(s)
	l.mu.Unlock()
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var telemetryAddr = regexp.MustCompile(`msg=telemetry addr=(\S+)`)

// startWorkload runs spec as experiment exp for duration, inside a fresh
// cgroup with spec's limits when cgroups can be made here.
func startWorkload(exp string, spec workloadSpec, duration time.Duration, useSandbox bool) (*workload, error) {
	args := []string{"run", spec.scenario, "--duration", duration.String(), "--warmup", "0s",
		"--listen", "127.0.0.1:0", "--result-file", "", "--output", "json"}
	for _, s := range spec.sets {
		args = append(args, "--set", s)
	}
	args = append(args, spec.args...)
	w := &workload{spec: spec, done: make(chan error, 1), stderr: &logBuf{}}
	if useSandbox {
		sb, err := sandbox.New(fmt.Sprintf("e2e-%s-%d", spec.variant, os.Getpid()), spec.limits)
		if err != nil {
			return nil, fmt.Errorf("sandbox for %s: %w", spec.variant, err)
		}
		w.sb = sb
		w.cmd = sb.Command(workloadBin, args...)
	} else {
		w.cmd = exec.Command(workloadBin, args...)
	}
	w.cmd.Env = append(os.Environ(), "RUNTIMELAB_EXPERIMENT="+exp, "RUNTIMELAB_VARIANT="+spec.variant,
		"RUNTIMELAB_RUN="+spec.variant+"-r0")
	w.cmd.Env = append(w.cmd.Env, spec.env...)
	w.cmd.Stdout = io.Discard
	pr, err := w.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := w.cmd.Start(); err != nil {
		w.deleteSandbox()
		return nil, fmt.Errorf("start workload %s: %w", spec.variant, err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			w.stderr.add(line + "\n")
			if m := telemetryAddr.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
	}()
	go func() { w.done <- w.cmd.Wait() }()
	select {
	case w.addr = <-addrc:
		return w, nil
	case err := <-w.done:
		w.deleteSandbox()
		return nil, fmt.Errorf("workload %s exited before serving telemetry: %v", spec.variant, err)
	case <-time.After(30 * time.Second):
		w.stop()
		return nil, fmt.Errorf("workload %s did not log its telemetry address in 30s", spec.variant)
	}
}

// stop ends the process with SIGTERM (a partial summary) and removes its
// cgroup.
func (w *workload) stop() {
	if w.cmd.ProcessState == nil {
		w.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			w.cmd.Process.Kill()
			<-w.done
		}
	}
	w.deleteSandbox()
}

func (w *workload) deleteSandbox() {
	if w.sb != nil {
		if err := w.sb.Delete(); err != nil {
			fmt.Fprintf(os.Stderr, "delete sandbox of %s: %v\n", w.spec.variant, err)
		}
		w.sb = nil
	}
}

// canSandbox reports whether real cgroups can be made here, and why not.
func canSandbox() (bool, string) {
	if err := sandbox.Probe("e2e"); err != nil {
		return false, err.Error()
	}
	return true, ""
}
