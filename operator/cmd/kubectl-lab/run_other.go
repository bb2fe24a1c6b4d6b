//go:build !linux

package main

import (
	"context"
	"io"
	"runtime"
)

// run needs Linux: a local run puts each workload in a cgroup of its own.
// Elsewhere the command says so, and where to run the Experiment instead.
func (o *runOptions) run(context.Context, io.Writer, io.Writer) error {
	return usagef("run --local needs Linux (each run is a process in a cgroup of its own), not %s: "+
		"apply the Experiment to a cluster (kubectl apply -f FILE) and read it with kubectl lab report NAME, "+
		"or run it on a Linux machine or VM", runtime.GOOS)
}

// interrupted reports whether err is a local run's interruption; there
// are none here.
func interrupted(error) bool { return false }
