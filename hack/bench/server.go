package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
)

const (
	// serverStartTimeout bounds the wait for the server's readiness
	// handshake.
	serverStartTimeout = 10 * time.Second
	// serverStopTimeout is the service's drain (5 s) plus the driver's
	// allowance for a scenario to stop; past it the server is killed.
	serverStopTimeout = 15 * time.Second
)

// serviceServer is a running `workload run service --role server`, one
// per load generator run: the generator tells it to stop when its window
// ends, as in a cluster.
type serviceServer struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	addr string
	done chan struct{} // closed once the process has exited and err is set
	err  error
}

// syncBuffer is a bytes.Buffer a process and the bench may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer starts the server role and waits for its readiness
// handshake (contract.Ready in its --ready-file). It runs for life at
// most, so a server whose bench died without stopping it does not outlive
// the bench by much.
func startServer(ctx context.Context, workload, dir string, life time.Duration) (*serviceServer, error) {
	ready := filepath.Join(dir, fmt.Sprintf("server-%d.ready", time.Now().UnixNano()))
	defer os.Remove(ready)
	cmd := exec.CommandContext(ctx, workload, serverArgs(life, ready)...)
	s := &serviceServer{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.logs
	// Interrupted with the bench: stop it as stop does, killing it if needed.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = serverStopTimeout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start service server: %w", err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	timeout := time.NewTimer(serverStartTimeout)
	defer timeout.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	var err error
	for err == nil {
		if r, rerr := contract.ReadReady(ready); rerr == nil {
			s.addr = r.Addr
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("service server exited before it was ready: %w\n%s", s.err, s.logs)
		case <-timeout.C:
			err = fmt.Errorf("service server: not ready within %s\n%s", serverStartTimeout, s.logs)
		case <-ctx.Done():
			err = ctx.Err()
		case <-poll.C:
		}
	}
	return nil, errors.Join(err, s.stop())
}

// serverSets make the server cheap enough per request that the load
// generator, not the server, is what the loadgen section measures.
var serverSets = []string{"work=0s", "allocBytes=0"}

func serverArgs(life time.Duration, ready string) []string {
	args := []string{"run", "service", "--role=server", "--serve=127.0.0.1:0", "--duration=" + life.String(),
		"--warmup=0s", "--listen=", "--pyroscope=", "--cpu-profile=false", "--result-file=", "--output=json",
		"--ready-file=" + ready}
	for _, kv := range serverSets {
		args = append(args, "--set", kv)
	}
	return args
}

// check returns an error if the server has exited.
func (s *serviceServer) check() error {
	select {
	case <-s.done:
		return fmt.Errorf("service server at %s exited early: %v\n%s", s.addr, s.err, s.logs)
	default:
		return nil
	}
}

// finish waits for the server to exit by itself (its load generator told
// it to stop), and stops it after wait: what the executors do.
func (s *serviceServer) finish(wait time.Duration) error {
	select {
	case <-s.done:
		return s.exitErr()
	case <-time.After(wait):
		return s.stop()
	}
}

// stop sends SIGTERM, as a cluster ends a pod, and waits for the server to
// drain and exit; past serverStopTimeout it kills it. A server that ended
// by itself is only waited for.
func (s *serviceServer) stop() error {
	select {
	case <-s.done:
	default:
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("stop service server: %w", errors.Join(err, s.kill()))
		}
		timeout := time.NewTimer(serverStopTimeout)
		defer timeout.Stop()
		select {
		case <-s.done:
		case <-timeout.C:
			return errors.Join(fmt.Errorf("service server did not exit within %s of SIGTERM; killed", serverStopTimeout),
				s.kill())
		}
	}
	return s.exitErr()
}

// exitErr is nil for a clean exit: 0, or 128+SIGTERM after a stop.
func (s *serviceServer) exitErr() error {
	var exit *exec.ExitError
	if s.err == nil || errors.As(s.err, &exit) && exit.ExitCode() == 128+int(syscall.SIGTERM) {
		return nil
	}
	return fmt.Errorf("service server: %w\n%s", s.err, s.logs)
}

// kill ends the server without a drain and waits for it.
func (s *serviceServer) kill() error {
	err := s.cmd.Process.Kill()
	<-s.done
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
