// Command workload runs one runtime-lab scenario: it drives a Go runtime
// subsystem hard, measures it, serves telemetry and writes a result summary.
//
//	workload list
//	workload describe gc
//	workload run gc --duration 30s --warmup 5s --set liveHeap=256Mi
//	workload sidecar --cpu 500m --memory 64Mi
//
// Exit codes: 0 done, 1 the run failed, 2 bad input (nothing was run),
// 128+N ended early by signal N (the summary is partial; a signal that
// arrives after the measured window ended leaves the exit at 0).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/driver"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// One log format for the driver and the scenarios: key=value lines on
	// stderr, which executors and tests parse (msg=telemetry addr=...).
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	// The signal is handed over before the cancel: a run that a signal cut
	// short always finds it in gotc.
	gotc := make(chan os.Signal, 1)
	go func() {
		if s, ok := <-sigs; ok {
			gotc <- s
			cancel()
		}
	}()
	var final *result.Summary
	var sidecarStopped bool
	cmd := newRootCmd(func(s *result.Summary) { final = s }, func() { sidecarStopped = true })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	signal.Stop(sigs)
	var got os.Signal
	select {
	case got = <-gotc:
	default:
	}
	switch {
	case err != nil && (driver.IsUsage(err) || errors.As(err, new(*usageFlagError))):
		fmt.Fprintf(os.Stderr, "workload: %v\n", err)
		return 2
	case err != nil:
		fmt.Fprintf(os.Stderr, "workload: %v\n", err)
		return 1
	case got != nil && !sidecarStopped && (final == nil || final.Partial):
		// A signal after the window ended (while stopping) cut nothing
		// short: the summary is complete and the exit is clean.
		return 128 + int(got.(syscall.Signal))
	}
	return 0
}

// usageFlagError wraps cobra's own flag and argument errors so they exit 2.
type usageFlagError struct{ err error }

func (e *usageFlagError) Error() string { return e.err.Error() }

// newRootCmd builds the command tree; done receives the final summary of a
// run, and stopped is called when a sidecar was stopped as it should be.
func newRootCmd(done func(*result.Summary), stopped func()) *cobra.Command {
	root := &cobra.Command{
		Use:           "workload",
		Short:         "Drive one Go runtime subsystem hard and measure it",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageFlagError{err} })
	root.AddCommand(newListCmd(), newDescribeCmd(), newRunCmd(done), newSidecarCmd(stopped))
	return root
}
