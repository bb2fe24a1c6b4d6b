package scenario

import (
	"context"
	"errors"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Workload is a scenario ready to run with its parameters bound.
type Workload interface {
	// Run drives the runtime subsystem until ctx is done, counting its work
	// on m, and then returns nil after every goroutine it started has
	// ended. It returns ErrDone when it ended the measured window itself;
	// any other error ends the run as failed.
	Run(ctx context.Context, m *Meter) error
	// Figures computes the scenario's figures for one measured window.
	Figures(w Window) map[string]float64
}

// Gated is a Workload whose warmup (and so its measured window) starts only
// once Ready is closed; a nil channel means no gate. A server's gate is its
// first request, so that its window lines up with its load generator's,
// which starts later, in another process or pod.
type Gated interface {
	Ready() <-chan struct{}
}

// ErrDone is what a Workload's Run returns when the scenario ended its
// measured window itself, before the planned duration: a server whose load
// generator finished and asked it to stop. The driver ends the window there
// and reports a complete summary.
var ErrDone = errors.New("the scenario finished its work")

// Env is what the driver tells a scenario beyond its parameters.
type Env struct {
	// Role is the part this process plays, one of Spec.Roles; empty for
	// scenarios with a single role.
	Role string
	// Target is the server address a client role connects to.
	Target string
	// Serve is the address a server role listens on.
	Serve string
	// ObservePID is the process an observing role measures (0: none).
	ObservePID int
	// Listening, when not nil, is told the address a server role listens
	// on once it accepts connections: the driver answers the executor's
	// readiness handshake with it (contract.Ready).
	Listening func(addr string)
}

// Factory builds a Workload from validated parameters and the run's Env.
// It returns an error only for combinations of values that bounds alone
// cannot rule out.
type Factory func(catalog.Values, Env) (Workload, error)

// Preparer is implemented by scenarios that build state before the clock
// starts (a live heap, a pool of connections). The driver calls Prepare
// before the warmup; the time it takes is not measured.
type Preparer interface {
	Prepare(ctx context.Context) error
}

// Observer is a Workload that measures another process than its own: the
// app scenario's load generator measures your service through its metrics
// endpoint and, where it can see it, its cgroup. The driver calls
// ObserveStart as the measured window starts and, each time it fills the
// summary, Observed, which replaces what the driver measured of its own
// process (settings, runtime, CPU, memory, cgroup path, limit segments)
// with the observed process's and lists in s.Missing what it could not
// read. Observed runs before Figures, which may use what it saw.
type Observer interface {
	ObserveStart()
	Observed(s *result.Summary)
}

// Classifier is implemented by scenarios that sort a run into a named
// outcome (for example "survived" or "gc-thrash") from its window.
type Classifier interface {
	Outcome(w Window) string
}
