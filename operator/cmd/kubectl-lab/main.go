// Command kubectl-lab is the runtime-lab kubectl plugin: run an Experiment
// locally in real cgroups, list and follow Experiments on a cluster, report
// any Experiment's results as tables and plots, compare two results, and
// list the scenarios.
//
//	kubectl lab run -f experiment.yaml --local
//	kubectl lab get [NAME ...]
//	kubectl lab watch NAME
//	kubectl lab report NAME | DIR
//	kubectl lab compare A B
//	kubectl lab scenarios
//
// Exit codes: 0 done, 1 failure, 2 bad input (nothing was run), 130
// interrupted (the finished runs were kept).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRootCmd()
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubectl lab: %v\n", err)
		var u *usageError
		switch {
		case errors.As(err, &u):
			os.Exit(2)
		case interrupted(err) || errors.Is(err, context.Canceled):
			os.Exit(130) // as a shell reports SIGINT
		}
		os.Exit(1)
	}
}

// usageError is bad input: the command exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-lab",
		Short: "runtime-lab: measure how the Go runtime behaves in containers",
		Long: "Run Experiments that measure the Go runtime (scheduler, allocator, GC, memory limit, network poller,\n" +
			"timers, stacks, an HTTP service) under container CPU and memory limits and Go settings, locally in real\n" +
			"cgroups or on a cluster through the runtime-lab operator, and read their results.",
		Example: `  # Run an Experiment on this machine, each run a process in its own cgroup
  kubectl lab run --local -f config/samples/gc.yaml

  # On a cluster: the Experiments and their progress; follow one until it ends
  kubectl lab get -A
  kubectl lab watch gc-sample

  # Report an Experiment's results: from a cluster, or from a local results directory
  kubectl lab report gc-sample
  kubectl lab report results/gc-sample-20261130-101500

  # Compare two Experiments figure by figure (e.g. two Go versions)
  kubectl lab compare gc-go125 gc-go126

  # What the scenarios are, and one in detail
  kubectl lab scenarios
  kubectl lab scenarios gc`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// kubectl runs the plugin as kubectl-lab; its help says kubectl lab.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl lab"},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands are registered by the files that define them.
var subcommands []func() *cobra.Command
