package localexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/operator/sandbox"
)

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
	sb, err := sandboxFor(sandboxName(e.exp, r, e.id), r.Variant)
	unenforced := ""
	switch {
	case errors.Is(err, sandbox.ErrUnsupported):
		e.warnOnce(err)
		unenforced = "limits NOT enforced: " + err.Error()
		sb = nil
	case err != nil:
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason("create cgroup: "+err.Error())
		return st
	default:
		// Runs after the run's processes are reaped (runWorkload and
		// runService return only then): an empty cgroup can be removed.
		defer func() {
			if err := sb.Delete(); err != nil {
				st.Reason = expstatus.ClipReason(strings.TrimPrefix(st.Reason+"; delete cgroup: "+err.Error(), "; "))
			}
		}()
	}
	if e.exp.Spec.Scenario.Name() == "service" {
		e.runService(ctx, sb, r, &st)
	} else {
		e.runWorkload(ctx, sb, r, &st)
	}
	if unenforced != "" {
		st.Reason = expstatus.ClipReason(strings.TrimPrefix(unenforced+"; "+st.Reason, "; "))
	}
	return st
}

func (e *executor) runWorkload(ctx context.Context, sb *sandbox.Sandbox, r plan.Run, st *labv1.RunStatus) {
	environ, err := env(e.exp, r, true)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	oom0 := oomKills(sb)
	p, err := e.start(sb, r, resultsdir.RunPath(e.o.Dir, r.ID()), environ, args(e.exp, r)...)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	waitErr := p.wait(ctx)
	st.Outcome, st.Reason = classify(p, waitErr, oomKills(sb) > oom0, ctx.Err() != nil)
	st.Reason = expstatus.ClipReason(st.Reason)
	if s := p.summary(); s != nil {
		st.Summary = aggregate.RunSummary(s)
		if why := expstatus.LimitsSeen(r.Variant.Knobs, s.Settings); why != "" && st.Outcome == labv1.OutcomeCompleted {
			st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(why)
		}
	}
	e.appendBench(p.stdout.Bytes())
}

// serverExitWait is how long the service server has to exit by itself
// after its load generator ended (the load generator tells it to stop with
// POST /runtimelab/stop; it drains and writes a complete summary) before it
// is sent SIGTERM.
var serverExitWait = 20 * time.Second

// runService runs the server in the sandbox and its load generator
// outside it, as the operator runs them in two pods: they never share a
// CPU quota.
func (e *executor) runService(ctx context.Context, sb *sandbox.Sandbox, r plan.Run, st *labv1.RunStatus) {
	fail := func(err error) { st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error()) }
	srvEnv, err := env(e.exp, r, true)
	if err != nil {
		fail(err)
		return
	}
	lgEnv, _ := env(e.exp, r, false)
	oom0 := oomKills(sb)
	srvArgs := append(plan.WithDuration(args(e.exp, r), e.exp.Spec.Duration.Duration+plan.ServerSlack), "--role", "server", "--serve", "127.0.0.1:0")
	srv, err := e.start(sb, r, resultsdir.RunPath(e.o.Dir, r.ID()+"-server"), srvEnv, srvArgs...)
	if err != nil {
		fail(err)
		return
	}
	defer srv.reap() // before run deletes the sandbox: no process may be left in it
	addr, err := waitAddr(ctx, srv, 30*time.Second)
	if err != nil {
		st.Outcome, st.Reason = serverStartFailed(ctx, srv, err, oomKills(sb) > oom0)
		st.Reason = expstatus.ClipReason(st.Reason)
		return
	}
	lg, err := e.start(nil, r, resultsdir.RunPath(e.o.Dir, r.ID()), lgEnv, append(args(e.exp, r), "--role", "loadgen", "--target", addr)...)
	if err != nil {
		fail(err)
		return
	}
	lgErr := lg.waitWhile(ctx, srv.done)
	srvErr := srv.finishServer(ctx, serverExitWait)
	st.Outcome, st.Reason = serviceOutcome(srv, srvErr, lg, lgErr, oomKills(sb) > oom0, ctx.Err() != nil)
	st.Reason = expstatus.ClipReason(st.Reason)
	if s := lg.summary(); s != nil {
		st.Summary = aggregate.RunSummary(s)
		var server *labv1.RunSummary // nil: the server's figures are missing, not the generator's
		if ss := srv.summary(); ss != nil {
			server = aggregate.RunSummary(ss)
			if why := expstatus.LimitsSeen(r.Variant.Knobs, ss.Settings); why != "" && st.Outcome == labv1.OutcomeCompleted {
				st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason("server: "+why)
			}
		}
		aggregate.MergeServer(st.Summary, server)
		if st.Outcome == labv1.OutcomeCompleted && st.Reason == "" {
			switch {
			case server == nil:
				st.Reason = "the server left no summary: its figures are missing"
			case server.Partial:
				st.Reason = "the server did not stop by itself after its load generator and was stopped; its figures include the wait"
			}
		}
	}
	e.appendBench(lg.stdout.Bytes())
}

// finishServer waits up to wait for the service server to exit by itself,
// then sends it SIGTERM (it drains and writes its summary) and waits for
// that, killing it after stopGrace. An interrupt asks it to stop at once.
func (p *proc) finishServer(ctx context.Context, wait time.Duration) error {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return p.stop(syscall.SIGINT)
	case <-p.kill:
		return p.stop(syscall.SIGINT)
	case <-t.C:
		return p.stop(syscall.SIGTERM)
	}
}

// serverStartFailed is the outcome of a service run whose server never
// reported its address.
func serverStartFailed(ctx context.Context, srv *proc, err error, oom bool) (string, string) {
	switch {
	case ctx.Err() != nil:
		return labv1.OutcomeDeleted, "interrupted before it finished"
	case errors.Is(err, errServerExited):
		o, why := classify(srv, srv.err, oom, false)
		if o == labv1.OutcomeCompleted {
			o, why = labv1.OutcomeError, "exit status 0"
		}
		return o, "server exited before reporting its address: " + why
	}
	return labv1.OutcomeError, err.Error()
}

// serviceOutcome decides a service run: the load generator's outcome,
// unless the server was OOM-killed or failed. A server that exited 0 by
// itself (its load generator told it to stop) or on the SIGTERM fallback
// did not fail.
func serviceOutcome(srv *proc, srvErr error, lg *proc, lgErr error, oom, interrupted bool) (string, string) {
	if oom || (srvErr != nil && !isSignal(srvErr, syscall.SIGTERM)) {
		o, why := classify(srv, srvErr, oom, interrupted)
		return o, "server: " + why
	}
	return classify(lg, lgErr, false, interrupted)
}

func isSignal(err error, sig syscall.Signal) bool {
	var ee interface{ ExitCode() int }
	return errors.As(err, &ee) && ee.ExitCode() == 128+int(sig)
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

// sandboxName is unique per run on this machine: id tells apart two
// executions of Experiments of the same name, even started in the same
// second (sandbox.New refuses a name in use).
func sandboxName(exp *labv1.Experiment, r plan.Run, id string) string {
	return fmt.Sprintf("%s-%s-%s", plan.LabelValue(exp.Name), r.ID(), id)
}
