package localexec

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

// runCgroups are the cgroups of one run and the sidecar in them: the
// workload's own (ctr), and with spec.pod the pod's above it, as the
// kubelet nests a pod's containers.
type runCgroups struct {
	pod     *sandbox.Sandbox // nil without spec.pod
	ctr     *sandbox.Sandbox // the workload's (or the server's)
	side    *sandbox.Sandbox // the sidecar's, nil without one
	sidecar *proc            // the sidecar process, nil without one
	own     sandbox.Limits   // the limits ctr was made with
}

// box is the cgroup the run's workload (or server) process runs in, nil
// when limits cannot be enforced here (rc nil).
func (rc *runCgroups) box() *sandbox.Sandbox {
	if rc == nil {
		return nil
	}
	return rc.ctr
}

// oomKills counts the OOM kills in the run's own cgroup and its pod's: a
// pod's limit kills in the pod's cgroup, which the container's own
// counter may not show.
func (rc *runCgroups) oomKills() uint64 {
	if rc == nil {
		return 0
	}
	return oomKills(rc.ctr) + oomKills(rc.pod)
}

// notes say what of the pod's shape did not hold through the run: a
// sidecar that exited early (its stderr's last line says why), which the
// run's figures then do not reflect.
func (rc *runCgroups) notes() []string {
	if rc == nil || rc.sidecar == nil || !rc.sidecar.exited() {
		return nil
	}
	return []string{"spec.pod.sidecar exited before the run ended: " + rc.sidecar.stderr.last()}
}

// podLimits are the Experiment's pod-level limits, nil when it has none.
func (e *executor) podLimits() *labv1.PodLimits { return e.exp.Spec.PodLimits() }

// cgroupsFor creates run r's cgroups under name and starts its sidecar. A
// container without a limit of its own gets the pod's in its own cgroup
// too, as the kubelet did on the dev cluster; the sidecar has none of its
// own. On error nothing is left behind.
func (e *executor) cgroupsFor(name string, r plan.Run) (*runCgroups, error) {
	own, err := limits(r.Variant)
	if err != nil {
		return nil, err
	}
	shape := e.exp.Spec.Pod
	if shape == nil {
		ctr, err := sandbox.New(name, own)
		if err != nil {
			return nil, err
		}
		return &runCgroups{ctr: ctr, own: own}, nil
	}
	podL, err := podLimitsOf(shape.Limits)
	if err != nil {
		return nil, err
	}
	rc := &runCgroups{}
	if rc.pod, err = sandbox.New(name, podL); err != nil {
		return nil, err
	}
	fail := func(err error) (*runCgroups, error) {
		rc.close()
		return nil, err
	}
	if own.CPUQuotaMicros == 0 {
		own.CPUQuotaMicros = podL.CPUQuotaMicros
	}
	if own.MemoryBytes == 0 {
		own.MemoryBytes = podL.MemoryBytes
	}
	if rc.ctr, err = rc.pod.Child(plan.ContainerName, own); err != nil {
		return fail(err)
	}
	rc.own = own
	if sc := shape.Sidecar; sc != nil {
		var mem int64
		if sc.Memory != nil {
			q, err := resource.ParseQuantity(*sc.Memory)
			if err != nil {
				return fail(fmt.Errorf("spec.pod.sidecar.memory %q: %w", *sc.Memory, err))
			}
			mem = q.Value()
		}
		if rc.side, err = rc.pod.Child(plan.SidecarName, podL); err != nil {
			return fail(err)
		}
		args := contract.SidecarArgs(sc.CPU.String(), mem)
		if rc.sidecar, err = start(e.binary(r), rc.side, args, nil, "", e.o.Kill); err != nil {
			return fail(fmt.Errorf("the sidecar: %w", err))
		}
	}
	return rc, nil
}

// podLimitsOf turns spec.pod.limits into cgroup limits.
func podLimitsOf(p *labv1.PodLimits) (sandbox.Limits, error) {
	if p == nil {
		return sandbox.Limits{}, nil
	}
	var cpu, mem string
	if p.CPU != nil {
		cpu = p.CPU.String()
	}
	if p.Memory != nil {
		mem = *p.Memory
	}
	l, err := limitsOf(cpu, mem)
	if err != nil {
		return l, fmt.Errorf("spec.pod.limits: %w", err)
	}
	return l, nil
}

// close stops the sidecar (SIGTERM: it exits 0) and deletes the cgroups,
// children first. The run's own processes must have been reaped.
func (rc *runCgroups) close() error {
	if rc.sidecar != nil {
		rc.sidecar.stop(syscall.SIGTERM)
	}
	var errs []error
	for _, sb := range []*sandbox.Sandbox{rc.ctr, rc.side, rc.pod} {
		if sb != nil {
			errs = append(errs, sb.Delete())
		}
	}
	return errors.Join(errs...)
}

// resizer applies spec.resizes to a run's own cgroup while it runs.
type resizer struct {
	done  chan struct{}
	stop  chan struct{}
	notes []string // what could not be applied, for the run's reason
}

// resizeLater applies spec.resizes to rc's own cgroup, each warmup+after
// from now (the measured window starts about then), starting from the
// limits it was made with, until wait is called. Nothing without
// resizes or without a cgroup.
func (rc *runCgroups) resizeLater(spec *labv1.ExperimentSpec) *resizer {
	rz := &resizer{done: make(chan struct{}), stop: make(chan struct{})}
	if rc == nil || len(spec.Resizes) == 0 {
		close(rz.done)
		return rz
	}
	start := time.Now().Add(spec.Warmup.Duration)
	go func() {
		defer close(rz.done)
		l := rc.own
		for i, r := range spec.Resizes {
			t := time.NewTimer(time.Until(start.Add(r.After.Duration)))
			select {
			case <-rz.stop:
				t.Stop()
				return
			case <-t.C:
			}
			next, err := resized(l, r)
			if err == nil {
				err = rc.ctr.Update(next)
			}
			if err != nil {
				rz.notes = append(rz.notes, fmt.Sprintf("spec.resizes[%d] not applied: %v", i, err))
				continue
			}
			l = next
		}
	}()
	return rz
}

// wait stops the resizer and returns what it could not apply.
func (rz *resizer) wait() []string {
	select {
	case <-rz.stop:
	default:
		close(rz.stop)
	}
	<-rz.done
	return rz.notes
}

// resized is l with r's limits.
func resized(l sandbox.Limits, r labv1.Resize) (sandbox.Limits, error) {
	var cpu, mem string
	if r.CPU != nil {
		cpu = r.CPU.String()
	}
	if r.Memory != nil {
		mem = *r.Memory
	}
	n, err := limitsOf(cpu, mem)
	if err != nil {
		return l, err
	}
	if n.CPUQuotaMicros > 0 {
		l.CPUQuotaMicros = n.CPUQuotaMicros
	}
	if n.MemoryBytes > 0 {
		l.MemoryBytes = n.MemoryBytes
	}
	return l, nil
}
