package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

const (
	// serverStartTimeout bounds the wait for the server's address.
	serverStartTimeout = 10 * time.Second
	// serverStopTimeout is the service's drain (5 s) plus the driver's
	// allowance for a scenario to stop; past it the server is killed.
	serverStopTimeout = 15 * time.Second
)

// servingLine is the service server's log line naming its address.
var servingLine = regexp.MustCompile(`msg=service-serving addr=(\S+)\n`)

// serviceServer is a running `workload run service --role server`.
type serviceServer struct {
	cmd  *exec.Cmd
	logs *logWatch
	addr string
	done chan struct{} // closed once the process has exited and err is set
	err  error
}

// startServer starts the server role and waits until it serves. It runs
// for life at most, so a server whose bench died without stopping it does
// not outlive the bench by much.
func startServer(ctx context.Context, workload string, life time.Duration) (*serviceServer, error) {
	cmd := exec.CommandContext(ctx, workload, serverArgs(life)...)
	s := &serviceServer{cmd: cmd, logs: newLogWatch(servingLine), done: make(chan struct{})}
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
	var err error
	select {
	case s.addr = <-s.logs.addr:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("service server exited before serving: %w\n%s", s.err, s.logs)
	case <-timeout.C:
		err = fmt.Errorf("service server: no address logged within %s\n%s", serverStartTimeout, s.logs)
	case <-ctx.Done():
		err = ctx.Err()
	}
	return nil, errors.Join(err, s.stop())
}

// serverSets make the server cheap enough per request that the load
// generator, not the server, is what the loadgen section measures.
var serverSets = []string{"work=0s", "allocBytes=0"}

func serverArgs(life time.Duration) []string {
	args := []string{"run", "service", "--role=server", "--serve=127.0.0.1:0", "--duration=" + life.String(),
		"--warmup=0s", "--listen=", "--pyroscope=", "--cpu-profile=false", "--result-file=", "--output=json"}
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
	var exit *exec.ExitError
	// 128+SIGTERM is the driver's exit status after a signal.
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
