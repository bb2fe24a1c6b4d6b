package plan

import (
	"fmt"
	"math"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// ServerSlack is how much longer the service's server is planned to run
// than its load generator: time for the generator to start and warm up.
// The server ends earlier, when its generator tells it to stop.
const ServerSlack = 30 * time.Second

// InvocationOptions are the parts of an invocation the executor decides.
type InvocationOptions struct {
	// Output, ResultFile, ReadyFile and Listen: see contract.Invocation.
	Output, ResultFile, ReadyFile string
	Listen                        *string
	// Serve is where a server listens; Target a load generator's server.
	Serve, Target string
	// DefaultPyroscope is the Pyroscope server for Experiments without
	// spec.pyroscope; empty pushes no profiles.
	DefaultPyroscope string
}

// Invocation builds the workload process of a run in a role (RoleWorkload,
// RoleServer or RoleLoadgen): its scenario, parameters and window — a
// server planned ServerSlack longer — and its environment: the run's
// identity, the Pyroscope server, and the variant's Go runtime variables
// (not a load generator's: it runs with the runtime's defaults).
func Invocation(exp *labv1.Experiment, r Run, role string, o InvocationOptions) (contract.Invocation, error) {
	spec, v := &exp.Spec, r.Variant
	inv := contract.Invocation{
		Scenario: spec.Scenario.Name(), Params: v.Params,
		Duration: spec.Duration.Duration, Warmup: spec.Warmup.Duration,
		Output: o.Output, ResultFile: o.ResultFile, Listen: o.Listen,
	}
	switch role {
	case RoleWorkload:
	case RoleServer:
		inv.Role, inv.Serve, inv.ReadyFile = contract.RoleServer, o.Serve, o.ReadyFile
		inv.Duration += ServerSlack
	case RoleLoadgen:
		if o.Target == "" {
			return inv, fmt.Errorf("run %s: a load generator needs its server's address", r.ID())
		}
		inv.Role, inv.Target = contract.RoleLoadgen, o.Target
	default:
		return inv, fmt.Errorf("run %s: unknown role %q", r.ID(), role)
	}
	if role != RoleLoadgen {
		env, err := GoEnv(v)
		if err != nil {
			return inv, err
		}
		inv.Env = env
	}
	inv.Env = append(inv.Env,
		contract.EnvVar{Name: contract.EnvExperiment, Value: exp.Name},
		contract.EnvVar{Name: contract.EnvVariant, Value: v.Name},
		contract.EnvVar{Name: contract.EnvRun, Value: r.ID()})
	pyroscope := o.DefaultPyroscope
	if spec.Pyroscope != nil {
		pyroscope = spec.Pyroscope.ServerAddress
	}
	if pyroscope != "" {
		inv.Env = append(inv.Env, contract.EnvVar{Name: contract.EnvPyroscope, Value: pyroscope})
	}
	return inv, nil
}

// DeadlineGrace is what a run may take beyond its warmup and window before
// it is stopped as DeadlineExceeded: 30 s, and a tenth of the window, for
// preparing (a live heap, a thousand connections) and stopping. A run that
// cannot finish its work in time (100,000 goroutines of 100 ms each under
// a tenth of a CPU) ends there instead of running on.
func DeadlineGrace(inv *contract.Invocation) time.Duration {
	return 30*time.Second + (inv.Warmup+inv.Duration)/10
}

// Deadline is how long an invocation may run: warmup, window and
// DeadlineGrace.
func Deadline(inv *contract.Invocation) time.Duration {
	return inv.Warmup + inv.Duration + DeadlineGrace(inv) + readyWait(inv)
}

// readyWait is how long the app scenario's load generator may wait for
// your service to answer its readyPath before the warmup starts
// (readyTimeout): it counts in both pods' deadlines.
func readyWait(inv *contract.Invocation) time.Duration {
	if inv.Scenario != catalog.App.Name {
		return 0
	}
	p, _ := catalog.App.Param("readyTimeout")
	text := p.Default
	if t, ok := inv.Params[p.Name]; ok {
		text = t
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0 // validated long before: unreachable
	}
	return d
}

// PullAllowance is added to a pod's deadline (activeDeadlineSeconds counts
// from when the kubelet takes the pod, before its image is pulled).
const PullAllowance = 2 * time.Minute

// activeDeadlineSeconds is a pod's deadline, in whole seconds.
func activeDeadlineSeconds(inv *contract.Invocation) int64 {
	return int64(math.Ceil((Deadline(inv) + PullAllowance).Seconds()))
}
