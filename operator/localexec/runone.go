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
	sb, err := sandboxFor(sandboxName(e.exp, r), r.Variant)
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
		defer sb.Delete()
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
	}
	e.appendBench(p.stdout.Bytes())
}

// runService runs the server in the sandbox and its load generator
// outside it, as the operator runs them in two pods: they never share a
// CPU quota.
func (e *executor) runService(ctx context.Context, sb *sandbox.Sandbox, r plan.Run, st *labv1.RunStatus) {
	srvEnv, err := env(e.exp, r, true)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	lgEnv, _ := env(e.exp, r, false)
	oom0 := oomKills(sb)
	srvArgs := append(plan.WithDuration(args(e.exp, r), e.exp.Spec.Duration.Duration+plan.ServerSlack), "--role", "server", "--serve", "127.0.0.1:0")
	srv, err := e.start(sb, r, resultsdir.RunPath(e.o.Dir, r.ID()+"-server"), srvEnv, srvArgs...)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	defer srv.cmd.Process.Kill()
	addr, err := waitAddr(srv, 30*time.Second)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	lg, err := e.start(nil, r, resultsdir.RunPath(e.o.Dir, r.ID()), lgEnv, append(args(e.exp, r), "--role", "loadgen", "--target", addr)...)
	if err != nil {
		st.Outcome, st.Reason = labv1.OutcomeError, expstatus.ClipReason(err.Error())
		return
	}
	lgErr := lg.wait(ctx)
	srv.cmd.Process.Signal(syscall.SIGTERM) // drain, then its final summary
	srvErr := srv.wait(ctx)
	oom := oomKills(sb) > oom0
	st.Outcome, st.Reason = classify(lg, lgErr, false, ctx.Err() != nil)
	if oom || (srvErr != nil && !isSignal(srvErr, syscall.SIGTERM)) {
		o, why := classify(srv, srvErr, oom, ctx.Err() != nil)
		st.Outcome, st.Reason = o, "server: "+why
	}
	st.Reason = expstatus.ClipReason(st.Reason)
	if s := lg.summary(); s != nil {
		st.Summary = aggregate.RunSummary(s)
		if ss := srv.summary(); ss != nil {
			aggregate.MergeServer(st.Summary, aggregate.RunSummary(ss))
		}
	}
	e.appendBench(lg.stdout.Bytes())
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

// sandboxName is unique per Experiment and run on this machine.
func sandboxName(exp *labv1.Experiment, r plan.Run) string {
	return fmt.Sprintf("%s-%s-%d", plan.LabelValue(exp.Name), r.ID(), exp.CreationTimestamp.Unix())
}
