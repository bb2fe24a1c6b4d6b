package localexec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/outcome"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
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

// deadlineOf is plan.Deadline (tests shorten it).
var deadlineOf = plan.Deadline

// telemetryOff: local runs serve no /metrics (they would all want :9090).
var telemetryOff = ""

// invocation is the run's workload process in role, as this executor
// starts it: benchmark lines on stdout, the summary in the results
// directory, no telemetry port.
func (e *executor) invocation(r plan.Run, role, target string) (contract.Invocation, error) {
	file := r.ID()
	if role == plan.RoleServer {
		file += "-server"
	}
	o := plan.InvocationOptions{Output: contract.OutputBench, ResultFile: resultsdir.RunPath(e.o.Dir, file),
		Listen: &telemetryOff, Target: target}
	if role == plan.RoleServer {
		o.Serve, o.ReadyFile = "127.0.0.1:0", resultsdir.RunPath(e.o.Dir, file)+".ready"
	}
	return plan.Invocation(e.exp, r, role, o)
}

// run executes one run and returns its status.
func (e *executor) run(ctx context.Context, r plan.Run) (st labv1.RunStatus) {
	started := metav1.Now()
	st = labv1.RunStatus{Index: int32(r.Index), Attempt: 1, Pod: "local", StartTime: &started}
	e.progress.start(r.ID())
	defer func() {
		finished := metav1.Now()
		st.CompletionTime = &finished
		e.progress.done(r.ID(), st.Outcome)
	}()
	rc, err := e.cgroupsFor(sandboxName(e.exp, r, e.id), r)
	unenforced := ""
	switch {
	case errors.Is(err, sandbox.ErrUnsupported):
		e.warnOnce(err)
		unenforced = "limits NOT enforced: " + err.Error()
		rc = nil
	case err != nil:
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason("create cgroup: "+err.Error())
		return st
	default:
		// Runs after the run's processes are reaped (runWorkload and
		// runService return only then): an empty cgroup can be removed.
		defer func() {
			if err := rc.close(); err != nil {
				st.Reason = expstatus.ClipReason(strings.TrimPrefix(st.Reason+"; delete cgroup: "+err.Error(), "; "))
			}
		}()
	}
	var d outcome.Decision
	switch e.exp.Spec.Scenario.Name() {
	case "service":
		d = e.runService(ctx, rc, r)
	case "app":
		d = e.runApp(ctx, rc, r)
	default:
		d = e.runWorkload(ctx, rc, r)
	}
	st.Outcome, st.Reason, st.Summary = d.Outcome, d.Reason, d.Summary
	if unenforced != "" {
		st.Reason = expstatus.ClipReason(strings.TrimPrefix(unenforced+"; "+st.Reason, "; "))
	}
	return st
}

// withNotes adds what the executor could not do as asked (a resize the
// kernel refused) to the decision's reason; a completed run becomes an
// Error, since its figures do not show the change the Experiment asked
// for and are not the variant's.
func withNotes(d outcome.Decision, notes []string) outcome.Decision {
	if len(notes) > 0 {
		d.Reason = expstatus.ClipReason(strings.TrimPrefix(d.Reason+"; "+strings.Join(notes, "; "), "; "))
		if d.Outcome == labv1.OutcomeCompleted {
			d.Outcome = labv1.OutcomeError
		}
	}
	return d
}

func fail(err error) outcome.Decision {
	return outcome.Decision{Outcome: labv1.OutcomeError, Reason: expstatus.ClipReason(err.Error())}
}

func (e *executor) runWorkload(ctx context.Context, rc *runCgroups, r plan.Run) outcome.Decision {
	inv, err := e.invocation(r, plan.RoleWorkload, "")
	if err != nil {
		return fail(err)
	}
	oom0 := rc.oomKills()
	p, err := startProc(e.binary(r), rc.box(), &inv, e.o.Kill)
	if err != nil {
		return fail(err)
	}
	rz := rc.resizeLater(&e.exp.Spec)
	deadline := deadlineOf(&inv)
	p.wait(ctx, nil, deadline)
	notes := append(rz.wait(), rc.notes()...)
	e.appendBench(p.stdout.Bytes())
	d := outcome.Single(&r.Variant.Knobs, e.podLimits(), p.observed(rc.oomKills() > oom0, deadline))
	return withNotes(d, notes)
}

// serverExitWait is how long the service server has to exit by itself
// after its load generator ended (the load generator tells it to stop with
// POST /runtimelab/stop; it drains and writes a complete summary) before it
// is sent SIGTERM.
var serverExitWait = 20 * time.Second

// readyTimeout is how long a service server has to report its address.
const readyTimeout = 30 * time.Second

// runService runs the server in the sandbox and its load generator
// outside it, as the operator runs them in two pods: they never share a
// CPU quota.
func (e *executor) runService(ctx context.Context, rc *runCgroups, r plan.Run) outcome.Decision {
	sb := rc.box()
	srvInv, err := e.invocation(r, plan.RoleServer, "")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(srvInv.ReadyFile)
	oom0 := rc.oomKills()
	srv, err := startProc(e.binary(r), sb, &srvInv, e.o.Kill)
	if err != nil {
		return fail(err)
	}
	defer srv.reap() // before run deletes the sandbox: no process may be left in it
	rz := rc.resizeLater(&e.exp.Spec)
	defer rz.wait()
	srvDeadline := deadlineOf(&srvInv)
	addr, err := waitReady(ctx, srv, srvInv.ReadyFile, readyTimeout)
	if err != nil {
		if errors.Is(err, errNotReady) {
			srv.stop(syscall.SIGINT)
			return fail(err)
		}
		if !srv.exited() {
			srv.interrupted = true // ctx ended: an interrupt
			srv.stop(syscall.SIGINT)
		}
		s := srv.observed(rc.oomKills() > oom0, srvDeadline)
		return outcome.Service(&r.Variant.Knobs, e.podLimits(), &s, nil)
	}
	lgInv, err := e.invocation(r, plan.RoleLoadgen, addr)
	if err != nil {
		return fail(err)
	}
	lg, lgSb, done, err := e.startLoadgen(r, &lgInv, sb != nil)
	if err != nil {
		return fail(err)
	}
	defer done()
	lgDeadline := deadlineOf(&lgInv)
	lg.wait(ctx, srv.done, lgDeadline)
	srv.finishServer(ctx, serverExitWait, srvDeadline)
	e.appendBench(lg.stdout.Bytes())
	s, l := srv.observed(rc.oomKills() > oom0, srvDeadline), lg.observed(oomKills(lgSb) > 0, lgDeadline)
	return withNotes(outcome.Service(&r.Variant.Knobs, e.podLimits(), &s, &l), append(rz.wait(), rc.notes()...))
}

// runApp runs your service (spec.scenario.app.binary, validated by Check)
// in the sandbox, as the operator runs its image in the constrained pod,
// with the variant's Go runtime variables and the run's identity in its
// environment; and the lab's load generator outside it, which waits for
// the service to be ready, loads it, and observes it: its metrics
// endpoint, and its cgroup through --observe-pid (both run as this user).
// When the generator ends, the service is sent SIGTERM: stopped as
// planned, not a failure.
func (e *executor) runApp(ctx context.Context, rc *runCgroups, r plan.Run) outcome.Decision {
	sb := rc.box()
	srvInv, err := e.invocation(r, plan.RoleServer, "")
	if err != nil {
		return fail(err)
	}
	var args []string
	if a := r.Variant.Params["args"]; a != "" {
		args = strings.Split(a, " ") // the catalogue's pattern: single spaces, no quoting
	}
	oom0 := rc.oomKills()
	srv, err := start(r.Variant.Params["binary"], sb, args, srvInv.Environ(), "", e.o.Kill)
	if err != nil {
		return fail(fmt.Errorf("your service (spec.scenario.app.binary): %w", err))
	}
	defer srv.reap() // before run deletes the sandbox
	rz := rc.resizeLater(&e.exp.Spec)
	defer rz.wait()
	srvDeadline := deadlineOf(&srvInv)
	lgInv, err := e.invocation(r, plan.RoleLoadgen, fmt.Sprintf("127.0.0.1:%d", plan.ServerPort(catalog.App.Name, r.Variant)))
	if err != nil {
		return fail(err)
	}
	lgInv.ObservePID = srv.cmd.Process.Pid
	lg, lgSb, done, err := e.startLoadgen(r, &lgInv, sb != nil)
	if err != nil {
		return fail(err)
	}
	defer done()
	lg.wait(ctx, srv.done, deadlineOf(&lgInv))
	srv.finishServer(ctx, 0, srvDeadline)
	e.appendBench(lg.stdout.Bytes())
	s, l := srv.observed(rc.oomKills() > oom0, srvDeadline), lg.observed(oomKills(lgSb) > 0, deadlineOf(&lgInv))
	return withNotes(outcome.App(&r.Variant.Knobs, e.podLimits(), &s, &l), append(rz.wait(), rc.notes()...))
}

// startLoadgen starts a service run's load generator, in a cgroup of its
// own when the run has one (loadgenBox); done reaps it, then deletes that
// cgroup.
func (e *executor) startLoadgen(r plan.Run, inv *contract.Invocation, enforced bool) (*proc, *sandbox.Sandbox, func(), error) {
	sb, err := e.loadgenBox(r, enforced)
	if err != nil {
		return nil, nil, nil, err
	}
	lg, err := startProc(e.binary(r), sb, inv, e.o.Kill)
	if err != nil {
		if sb != nil {
			sb.Delete()
		}
		return nil, nil, nil, err
	}
	return lg, sb, func() {
		lg.reap() // before its sandbox goes
		if sb != nil {
			sb.Delete()
		}
	}, nil
}

// loadgenBox is the load generator's cgroup when the run has one
// (enforced): its own, with spec.loadGenerator's limits, as its pod has on
// a cluster, so that it never shares the server's quota; nil otherwise.
func (e *executor) loadgenBox(r plan.Run, enforced bool) (*sandbox.Sandbox, error) {
	if !enforced {
		return nil, nil
	}
	l, err := loadgenLimits(&e.exp.Spec)
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.New(sandboxName(e.exp, r, e.id)+"-loadgen", l)
	if err != nil {
		return nil, fmt.Errorf("the load generator's cgroup: %w", err)
	}
	return sb, nil
}

// finishServer waits up to wait for the service server to exit by itself,
// then sends it SIGTERM (it drains and writes its summary; it was stopped
// on purpose) and waits for that, killing it after stopGrace. An interrupt
// asks it to stop at once; its deadline still holds.
func (p *proc) finishServer(ctx context.Context, wait, deadline time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	d := time.NewTimer(max(deadline-time.Since(p.startedAt()), 0))
	defer d.Stop()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.interrupted = true
		p.stop(syscall.SIGINT)
	case <-p.kill:
		p.interrupted = true
		p.stop(syscall.SIGINT)
	case <-d.C:
		p.pastDeadline = true
		p.stop(syscall.SIGINT)
	case <-t.C:
		p.stopped = true
		p.stop(syscall.SIGTERM)
	}
}

// errNotReady means the server neither reported its address nor exited
// within readyTimeout.
var errNotReady = errors.New("the service server did not report its address")

// waitReady waits for the service server's readiness handshake
// (contract.Ready in its ready file). It returns at once when the server
// exits or ctx ends.
func waitReady(ctx context.Context, p *proc, file string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		r, err := contract.ReadReady(file)
		if err == nil {
			return r.Addr, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		select {
		case <-p.done:
			return "", errors.New("the service server exited before it was ready")
		case <-ctx.Done():
			return "", ctx.Err()
		case <-deadline.C:
			return "", fmt.Errorf("%w within %s: %s", errNotReady, timeout, p.stderr.last())
		case <-poll.C:
		}
	}
}

func oomKills(sb *sandbox.Sandbox) uint64 {
	if sb == nil {
		return 0
	}
	s, err := sb.Reader().Read()
	if err != nil {
		return 0
	}
	return s.OOMKills
}

// binary is the workload binary of run r: the one --image maps its
// variant's image to, the default one when it has no image.
func (e *executor) binary(r plan.Run) string {
	if b, ok := e.o.Images[r.Variant.Knobs.Image]; ok {
		return b
	}
	return e.o.Workload
}

// sandboxName is unique per run on this machine: id tells apart two
// executions of Experiments of the same name, even started in the same
// second (sandbox.New refuses a name in use). The Experiment's name is a
// validated DNS subdomain.
func sandboxName(exp *labv1.Experiment, r plan.Run, id string) string {
	return fmt.Sprintf("%s-%s-%s", plan.LabelValue(exp.Name), r.ID(), id)
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
			"WARNING: runs go ahead without them; a run whose variant asks for limits is not a result. Run as root on cgroup v1 or v2 to enforce them.\n\n", why)
	}
}
