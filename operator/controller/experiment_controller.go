package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// FieldManager names the operator in managed fields.
const FieldManager = "runtimelab-operator"

// ExperimentReconciler runs Experiments as pods.
type ExperimentReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder recorder.EventRecorder
	// DefaultImage is the workload image when an Experiment names none.
	DefaultImage string
	// DefaultPyroscope is the Pyroscope server runs push profiles to when
	// an Experiment names none; empty pushes none.
	DefaultPyroscope string
	// RetryBudget is how many times a run the cluster failed (Error,
	// Evicted, Deleted) is tried again.
	RetryBudget int
	// ServerStopGrace is how long a service's server may outlive its load
	// generator before it is deleted; zero means DefaultServerStopGrace.
	ServerStopGrace time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Metrics records runs and Experiments; nil records nothing.
	Metrics *Metrics
}

// +kubebuilder:rbac:groups=lab.runtimelab.io,resources=experiments,verbs=get;list;watch
// +kubebuilder:rbac:groups=lab.runtimelab.io,resources=experiments/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=pods/resize,verbs=patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile fetches the Experiment, brings its pods and status up to date,
// and writes the status once.
func (r *ExperimentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	exp := &labv1.Experiment{}
	if err := r.Get(ctx, req.NamespacedName, exp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !exp.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // owner references delete the pods
	}
	before := exp.DeepCopy()
	res, finished, err := r.reconcile(ctx, exp)
	if err == nil {
		exp.Status.ObservedGeneration = exp.Generation // a clean pass only
	}
	if !equality.Semantic.DeepEqual(before.Status, exp.Status) {
		// The optimistic lock makes a pass that started from a stale cache
		// fail and retry instead of reporting its transitions twice.
		if perr := r.Status().Patch(ctx, exp, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); perr != nil {
			if apierrors.IsConflict(perr) {
				return ctrl.Result{RequeueAfter: 200 * time.Millisecond}, nil
			}
			// Not saved: the next pass sees the same transitions again.
			return res, errors.Join(err, fmt.Errorf("patch status of %s: %w", req.NamespacedName, perr))
		}
	}
	// Saved (or nothing to save), even when creating pods failed: these
	// transitions are now in status, so no later pass will report them.
	r.transitions(before, exp, finished)
	return res, err
}

func (r *ExperimentReconciler) reconcile(ctx context.Context, exp *labv1.Experiment) (ctrl.Result, []finishedRun, error) {
	// The node a run lands on is not known yet: the memory guard checks
	// variants against their memory limits only.
	p, err := plan.New(&exp.Spec, 0)
	if err == nil {
		err = plan.CheckCluster(&exp.Spec, p.Variants)
	}
	if err != nil {
		expstatus.SetPlanningFailed(exp, err)
		return ctrl.Result{}, nil, nil // the spec is immutable: retrying cannot help
	}
	variants, obj := p.Variants, p.Objective
	// spec.precision's extra runs are in status only: count them back in.
	counts := plan.RunCounts(variants, int(exp.Spec.Repetitions), &exp.Status)
	runs := plan.RunsOf(variants, counts)
	wasComplete := exp.Status.CompletionTime != nil
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(exp.Namespace),
		client.MatchingLabels{plan.LabelExperiment: plan.LabelValue(exp.Name)}); err != nil {
		return ctrl.Result{}, nil, fmt.Errorf("list pods of %s: %w", exp.Name, err)
	}
	pods.Items = owned(pods.Items, exp)
	service := plan.TwoPods(exp.Spec.Scenario.Name())
	now := r.Now() // one clock for the whole pass
	pendingTimeout := DefaultPendingTimeout
	if exp.Spec.PendingTimeout != nil && exp.Spec.PendingTimeout.Duration > 0 {
		pendingTimeout = exp.Spec.PendingTimeout.Duration
	}
	states := observe(runs, pods.Items, &exp.Status, exp.Spec.Scenario.Name(), now, pendingTimeout, exp.Spec.PodLimits())
	// Before the finished runs are listed: a resize the API server
	// refuses ends its run's attempt.
	rw, err := r.resize(ctx, exp, states, now)
	finished := finishedRuns(states) // before schedule turns failures into retries
	grace := cmp.Or(r.ServerStopGrace, DefaultServerStopGrace)
	if exp.Spec.Scenario.App != nil {
		grace = 0 // your service does not hear the generator's stop: stop it as the load ends
	}
	stop, wait := serversToStop(states, now, grace)
	if pw := pendingWait(states, now); pw > 0 && (wait == 0 || pw < wait) {
		wait = pw
	}
	if rw > 0 && (wait == 0 || rw < wait) {
		wait = rw
	}
	res := ctrl.Result{RequeueAfter: wait}
	if err == nil {
		err = r.stopServers(ctx, stop)
	}
	if err == nil && exp.Spec.Precision != nil && settled(states, r.RetryBudget) {
		// The round has ended: judge each variant's interval, and give
		// the variants still measuring one more run each.
		setStatus(exp, variants, states, obj, metav1.NewTime(now))
		for _, run := range plan.More(variants, counts, expstatus.MoreRuns(exp)) {
			states = append(states, &runState{run: run, now: now, pendingTimeout: pendingTimeout,
				status: labv1.RunStatus{Index: int32(run.Index), Outcome: labv1.OutcomePending}})
		}
	}
	if err == nil && !settled(states, r.RetryBudget) {
		err = r.create(ctx, exp, states, service)
	}
	setStatus(exp, variants, states, obj, metav1.NewTime(now))
	if err != nil || !wasComplete {
		// Delete pods only once the completion is saved: a pass that
		// failed to save it must still find the pods it was read from.
		return res, finished, err
	}
	res, err = r.expire(ctx, exp, pods.Items, now)
	return res, finished, err
}

// DefaultServerStopGrace is how long a service's server may outlive its
// load generator before the operator deletes it. The generator asks the server
// to stop when it finishes, so a server still running after this did not
// hear it; its figures are then missing from the run.
const DefaultServerStopGrace = 20 * time.Second

// stopServers deletes servers whose load generator finished long ago, and
// load generators whose server is gone.
func (r *ExperimentReconciler) stopServers(ctx context.Context, pods []*corev1.Pod) error {
	for _, p := range pods {
		if err := r.Delete(ctx, p); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete pod %s of a finished service run: %w", p.Name, err)
		}
		log.FromContext(ctx).Info("deleted a pod of an ended attempt or a finished service run", "pod", p.Name, "role", p.Labels[plan.LabelRole])
	}
	return nil
}

// create makes the pods schedule asks for.
func (r *ExperimentReconciler) create(ctx context.Context, exp *labv1.Experiment, states []*runState, service bool) error {
	node := ""
	if exp.Spec.Isolation == labv1.IsolationSequential {
		node = sequentialNode(states)
	}
	var pods []*corev1.Pod
	var targets []*runState
	for _, c := range schedule(states, int(exp.Spec.Parallelism), r.RetryBudget, service) {
		opts := plan.PodOptions{DefaultImage: r.DefaultImage, DefaultPyroscope: r.DefaultPyroscope, Node: node}
		if c.role == plan.RoleLoadgen {
			opts.ServerAddr = fmt.Sprintf("%s:%d", c.state.pod.Status.PodIP, plan.ServerPort(exp.Spec.Scenario.Name(), c.state.run.Variant))
			opts.Node = "" // the generator must not share the server's node if it can avoid it
		}
		pod, err := plan.Pod(exp, c.state.run, c.attempt, c.role, opts)
		if err != nil {
			return err
		}
		if c.role != plan.RoleLoadgen {
			c.state.status.Pod = pod.Name
		}
		pods, targets = append(pods, pod), append(targets, c.state)
	}
	// A wave of up to parallelism pods goes out concurrently: one create
	// after another would make the last run of a wave start seconds late.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(createConcurrency)
	for i, pod := range pods {
		g.Go(func() error {
			if err := r.Create(gctx, pod, client.FieldOwner(FieldManager)); err != nil && !isAlreadyExists(err) {
				return fmt.Errorf("create pod %s: %w", pod.Name, err)
			}
			log.FromContext(ctx).V(1).Info("created pod", "pod", pod.Name, "run", targets[i].run.ID())
			return nil
		})
	}
	return g.Wait()
}

// createConcurrency bounds the pod creations in flight.
const createConcurrency = 16

// sequentialNode is the node the Experiment's runs stay on: the first one
// a run landed on.
func sequentialNode(states []*runState) string {
	for _, s := range states {
		for _, p := range []*corev1.Pod{s.pod, s.loadgen} {
			if p != nil && p.Spec.NodeName != "" && p.Labels[plan.LabelRole] != plan.RoleLoadgen {
				return p.Spec.NodeName
			}
		}
	}
	return ""
}

// settled reports whether no run can change any more: every outcome is
// final and no failed run has retries left.
func settled(states []*runState, retryBudget int) bool {
	for _, s := range states {
		o := s.status.Outcome
		if !final(o) || (retryable(o) && s.attempt < 1+retryBudget) {
			return false
		}
	}
	return true
}

// expire deletes the pods ttlSecondsAfterFinished after completion; the
// results stay in status.
func (r *ExperimentReconciler) expire(ctx context.Context, exp *labv1.Experiment, pods []corev1.Pod, now time.Time) (ctrl.Result, error) {
	ttl, done := exp.Spec.TTLSecondsAfterFinished, exp.Status.CompletionTime
	if ttl == nil || done == nil {
		return ctrl.Result{}, nil
	}
	if wait := done.Add(time.Duration(*ttl) * time.Second).Sub(now); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	for i := range pods {
		if err := r.Delete(ctx, &pods[i]); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("delete expired pod %s: %w", pods[i].Name, err)
		}
	}
	return ctrl.Result{}, nil
}

// owned keeps the pods this Experiment controls (not a namesake's).
func owned(pods []corev1.Pod, exp *labv1.Experiment) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == exp.UID {
			out = append(out, p)
		}
	}
	return out
}

func isAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }

// SetupWithManager watches Experiments and the pods they own.
func (r *ExperimentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&labv1.Experiment{}).
		Owns(&corev1.Pod{}).
		Named("experiment").
		Complete(r)
}
