package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Experiment runs a workload scenario under every combination of container
// limits and Go runtime settings in its matrix, and reports which variant
// best meets its objective.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=labexp,categories=runtimelab
// +kubebuilder:printcolumn:name="Scenario",type=string,JSONPath=`.status.scenario`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress`
// +kubebuilder:printcolumn:name="Best",type=string,JSONPath=`.status.recommendation.variant`
// +kubebuilder:printcolumn:name="Best Knobs",type=string,JSONPath=`.status.recommendation.knobs`,priority=1
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Experiment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what to run. It cannot change once created: to run again,
	// create a new Experiment.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: create a new Experiment to run again"
	Spec ExperimentSpec `json:"spec"`

	// status is what the runs measured.
	// +optional
	Status ExperimentStatus `json:"status,omitempty"`
}

// ExperimentList is a list of Experiments.
//
// +kubebuilder:object:root=true
type ExperimentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Experiment `json:"items"`
}

// ExperimentSpec is what to run and how to judge it.
//
// +runtimelab:gen-api:begin
// +kubebuilder:validation:XValidation:rule="!has(self.objective) || self.objective.metric in (has(self.scenario.scheduler) ? ['tasks/s', 'rounds/s', 'sched-p50-s', 'sched-p99-s', 'threads', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.alloc) ? ['objects/s', 'bytes/s', 'heap-alloc-B/s', 'malloc-cpu-frac', 'gc-cpu-frac', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.gc) ? ['ops/s', 'churn-B/s', 'gc/s', 'gc-cpu-frac', 'assist-cpu-frac', 'pause-p50-s', 'pause-p99-s', 'heap-live-B', 'heap-goal-B', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.service) ? ['req/s', 'rate-frac', 'lat-p50-s', 'lat-p90-s', 'lat-p99-s', 'lat-p999-s', 'send-lag-p99-s', 'error-frac', 'lg-cpu-ms/1k-req', 'served/s', 'panics/s', 'leaked', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.poller) ? ['conns', 'msgs/s', 'rtt-p50-s', 'rtt-p99-s', 'rtt-p999-s', 'goroutines', 'bytes/conn', 'heap-B/conn', 'stack-B/conn', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.memlimit) ? ['held-B', 'churn-B/s', 'heap-live-B', 'heap-goal-B', 'gc/s', 'gc-cpu-frac', 'limiter-on', 'mem-runtime-B', 'mem-limit-frac', 'peak-limit-frac', 'oom-kills', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.stack) ? ['cycles/s', 'stack-depth-B', 'stack-gc-B', 'stack-B/goroutine', 'goroutines/MiB', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.timers) ? ['fires/s', 'late-p50-s', 'late-p99-s', 'late-max-s', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.app) ? ['req/s', 'rate-frac', 'lat-p50-s', 'lat-p90-s', 'lat-p99-s', 'lat-p999-s', 'send-lag-p99-s', 'error-frac', 'lg-cpu-ms/1k-req', 'gc/s', 'heap-live-B', 'sched-p99-s', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : [])",messageExpression="'spec.objective.metric: ' + self.objective.metric + ' is not a figure of the scenario; use one of ' + (has(self.scenario.scheduler) ? 'scheduler: tasks/s, rounds/s, sched-p50-s, sched-p99-s, threads, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.alloc) ? 'alloc: objects/s, bytes/s, heap-alloc-B/s, malloc-cpu-frac, gc-cpu-frac, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.gc) ? 'gc: ops/s, churn-B/s, gc/s, gc-cpu-frac, assist-cpu-frac, pause-p50-s, pause-p99-s, heap-live-B, heap-goal-B, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.service) ? 'service: req/s, rate-frac, lat-p50-s, lat-p90-s, lat-p99-s, lat-p999-s, send-lag-p99-s, error-frac, lg-cpu-ms/1k-req, served/s, panics/s, leaked, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.poller) ? 'poller: conns, msgs/s, rtt-p50-s, rtt-p99-s, rtt-p999-s, goroutines, bytes/conn, heap-B/conn, stack-B/conn, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.memlimit) ? 'memlimit: held-B, churn-B/s, heap-live-B, heap-goal-B, gc/s, gc-cpu-frac, limiter-on, mem-runtime-B, mem-limit-frac, peak-limit-frac, oom-kills, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.stack) ? 'stack: cycles/s, stack-depth-B, stack-gc-B, stack-B/goroutine, goroutines/MiB, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.timers) ? 'timers: fires/s, late-p50-s, late-p99-s, late-max-s, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.app) ? 'app: req/s, rate-frac, lat-p50-s, lat-p90-s, lat-p99-s, lat-p999-s, send-lag-p99-s, error-frac, lg-cpu-ms/1k-req, gc/s, heap-live-B, sched-p99-s, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : 'see kubectl lab scenarios')"
// +kubebuilder:validation:XValidation:rule="!has(self.objective) || !has(self.objective.constraints) || self.objective.constraints.all(c, c.metric in (has(self.scenario.scheduler) ? ['tasks/s', 'rounds/s', 'sched-p50-s', 'sched-p99-s', 'threads', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.alloc) ? ['objects/s', 'bytes/s', 'heap-alloc-B/s', 'malloc-cpu-frac', 'gc-cpu-frac', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.gc) ? ['ops/s', 'churn-B/s', 'gc/s', 'gc-cpu-frac', 'assist-cpu-frac', 'pause-p50-s', 'pause-p99-s', 'heap-live-B', 'heap-goal-B', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.service) ? ['req/s', 'rate-frac', 'lat-p50-s', 'lat-p90-s', 'lat-p99-s', 'lat-p999-s', 'send-lag-p99-s', 'error-frac', 'lg-cpu-ms/1k-req', 'served/s', 'panics/s', 'leaked', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.poller) ? ['conns', 'msgs/s', 'rtt-p50-s', 'rtt-p99-s', 'rtt-p999-s', 'goroutines', 'bytes/conn', 'heap-B/conn', 'stack-B/conn', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.memlimit) ? ['held-B', 'churn-B/s', 'heap-live-B', 'heap-goal-B', 'gc/s', 'gc-cpu-frac', 'limiter-on', 'mem-runtime-B', 'mem-limit-frac', 'peak-limit-frac', 'oom-kills', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B'] : has(self.scenario.stack) ? ['cycles/s', 'stack-depth-B', 'stack-gc-B', 'stack-B/goroutine', 'goroutines/MiB', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.timers) ? ['fires/s', 'late-p50-s', 'late-p99-s', 'late-max-s', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : has(self.scenario.app) ? ['req/s', 'rate-frac', 'lat-p50-s', 'lat-p90-s', 'lat-p99-s', 'lat-p999-s', 'send-lag-p99-s', 'error-frac', 'lg-cpu-ms/1k-req', 'gc/s', 'heap-live-B', 'sched-p99-s', 'cpu-cores', 'throttled-frac', 'throttled-s/s', 'path-throttled-frac', 'mem-peak-B', 'gc-cpu-frac'] : []))",messageExpression="'spec.objective.constraints[].metric: each must be a figure of the scenario; use one of ' + (has(self.scenario.scheduler) ? 'scheduler: tasks/s, rounds/s, sched-p50-s, sched-p99-s, threads, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.alloc) ? 'alloc: objects/s, bytes/s, heap-alloc-B/s, malloc-cpu-frac, gc-cpu-frac, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.gc) ? 'gc: ops/s, churn-B/s, gc/s, gc-cpu-frac, assist-cpu-frac, pause-p50-s, pause-p99-s, heap-live-B, heap-goal-B, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.service) ? 'service: req/s, rate-frac, lat-p50-s, lat-p90-s, lat-p99-s, lat-p999-s, send-lag-p99-s, error-frac, lg-cpu-ms/1k-req, served/s, panics/s, leaked, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.poller) ? 'poller: conns, msgs/s, rtt-p50-s, rtt-p99-s, rtt-p999-s, goroutines, bytes/conn, heap-B/conn, stack-B/conn, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.memlimit) ? 'memlimit: held-B, churn-B/s, heap-live-B, heap-goal-B, gc/s, gc-cpu-frac, limiter-on, mem-runtime-B, mem-limit-frac, peak-limit-frac, oom-kills, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B' : has(self.scenario.stack) ? 'stack: cycles/s, stack-depth-B, stack-gc-B, stack-B/goroutine, goroutines/MiB, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.timers) ? 'timers: fires/s, late-p50-s, late-p99-s, late-max-s, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : has(self.scenario.app) ? 'app: req/s, rate-frac, lat-p50-s, lat-p90-s, lat-p99-s, lat-p999-s, send-lag-p99-s, error-frac, lg-cpu-ms/1k-req, gc/s, heap-live-B, sched-p99-s, cpu-cores, throttled-frac, throttled-s/s, path-throttled-frac, mem-peak-B, gc-cpu-frac' : 'see kubectl lab scenarios')"
// +runtimelab:gen-api:end
// +kubebuilder:validation:XValidation:rule="duration(self.warmup) < duration(self.duration)",message="spec.warmup must be shorter than spec.duration; shorten warmup or lengthen duration"
// +kubebuilder:validation:XValidation:rule="(has(self.matrix.cpu) ? size(self.matrix.cpu) : 1) * (has(self.matrix.memory) ? size(self.matrix.memory) : 1) * (has(self.matrix.gomaxprocs) ? size(self.matrix.gomaxprocs) : 1) * (has(self.matrix.gogc) ? size(self.matrix.gogc) : 1) * (has(self.matrix.gomemlimit) ? size(self.matrix.gomemlimit) : 1) * (has(self.matrix.godebug) ? size(self.matrix.godebug) : 1) * (has(self.matrix.images) ? size(self.matrix.images) : 1) * (has(self.matrix.paramSets) ? size(self.matrix.paramSets) : 1) * (has(self.precision) ? self.precision.maxRuns : self.repetitions) <= 1000",message="spec.matrix: the matrix times spec.repetitions (spec.precision.maxRuns when set) makes more than 1000 runs; remove values from the matrix or lower repetitions or maxRuns"
// +kubebuilder:validation:XValidation:rule="!has(self.precision) || has(self.objective)",message="spec.precision: needs spec.objective (the figure whose interval it narrows); add an objective or remove precision"
// +kubebuilder:validation:XValidation:rule="!has(self.precision) || self.precision.maxRuns >= self.repetitions",message="spec.precision.maxRuns must be at least spec.repetitions (the runs every variant gets first); raise maxRuns or lower repetitions"
// +kubebuilder:validation:XValidation:rule="self.isolation != 'Pinned' || (has(self.nodeSelector) && size(self.nodeSelector) > 0)",message="spec.nodeSelector: isolation Pinned needs a nodeSelector naming the node(s) to run on"
// +kubebuilder:validation:XValidation:rule="!has(self.matrix.gomemlimit) || !self.matrix.gomemlimit.exists(g, g.endsWith('%')) || (has(self.matrix.memory) && self.matrix.memory.all(m, has(m.limit)))",message="spec.matrix.gomemlimit: a percentage such as 90% needs a memory limit in every spec.matrix.memory entry; add the limits, or give GOMEMLIMIT as a quantity such as 200Mi"
// +kubebuilder:validation:XValidation:rule="!has(self.matrix.gomemlimit) || !has(self.matrix.memory) || self.matrix.gomemlimit.all(g, g == 'none' || g.endsWith('%') || self.matrix.memory.all(m, !has(m.limit) || quantity(g).isLessThan(quantity(m.limit))))",message="spec.matrix.gomemlimit: a GOMEMLIMIT quantity must be below the smallest memory limit in spec.matrix.memory; lower it or give it as a percentage such as 90%"
// +kubebuilder:validation:XValidation:rule="!has(self.pod) || !has(self.pod.limits) || !has(self.pod.limits.cpu) || !has(self.matrix.cpu) || self.matrix.cpu.all(c, !has(c.limit) || quantity(string(c.limit)).compareTo(quantity(string(self.pod.limits.cpu))) <= 0)",message="spec.matrix.cpu: a container's cpu limit must not exceed spec.pod.limits.cpu (Kubernetes refuses such a pod); lower it or raise the pod's"
// +kubebuilder:validation:XValidation:rule="!has(self.pod) || !has(self.pod.limits) || !has(self.pod.limits.memory) || !has(self.matrix.memory) || self.matrix.memory.all(m, !has(m.limit) || quantity(m.limit).compareTo(quantity(self.pod.limits.memory)) <= 0)",message="spec.matrix.memory: a container's memory limit must not exceed spec.pod.limits.memory (Kubernetes refuses such a pod); lower it or raise the pod's"
// +kubebuilder:validation:XValidation:rule="!has(self.resizes) || !self.resizes.exists(r, has(r.cpu)) || (has(self.matrix.cpu) && self.matrix.cpu.all(c, has(c.limit)))",message="spec.resizes: a CPU resize needs a cpu limit in every spec.matrix.cpu entry (an in-place resize changes a limit; it cannot add one, which would change the pod's QoS class)"
// +kubebuilder:validation:XValidation:rule="!has(self.resizes) || !self.resizes.exists(r, has(r.memory)) || (has(self.matrix.memory) && self.matrix.memory.all(m, has(m.limit)))",message="spec.resizes: a memory resize needs a memory limit in every spec.matrix.memory entry (an in-place resize changes a limit; it cannot add one)"
// +kubebuilder:validation:XValidation:rule="!has(self.resizes) || self.resizes.all(r, duration(r.after) < duration(self.duration))",message="spec.resizes[].after must fall inside the measured window (below spec.duration)"
// +kubebuilder:validation:XValidation:rule="!has(self.scenario.app) || (has(self.scenario.app.image) && size(self.scenario.app.image) > 0) || (has(self.scenario.app.binary) && size(self.scenario.app.binary) > 0) || (has(self.matrix.paramSets) && self.matrix.paramSets.all(p, has(p.scenario.app) && ((has(p.scenario.app.image) && size(p.scenario.app.image) > 0) || (has(p.scenario.app.binary) && size(p.scenario.app.binary) > 0))))",message="spec.scenario.app: set image (your service's image, to run on a cluster) or binary (its executable, to run locally), or both, here or in every spec.matrix.paramSets entry"
type ExperimentSpec struct {
	// scenario is the workload to run: set exactly one block. Each block's
	// fields are that scenario's parameters (see `kubectl lab scenarios`).
	// +required
	Scenario ScenarioSpec `json:"scenario"`

	// matrix lists the values to cross: every combination is a variant.
	// An empty list leaves that knob at the default.
	// +optional
	// +kubebuilder:default={}
	Matrix Matrix `json:"matrix,omitempty"`

	// duration is the measured window of each run.
	// +optional
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('24h')",message="spec.duration must be between 1s and 24h"
	Duration metav1.Duration `json:"duration,omitempty"`

	// warmup is how long each run runs before measuring.
	// +optional
	// +kubebuilder:default="5s"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('1h')",message="spec.warmup must be between 0s and 1h"
	Warmup metav1.Duration `json:"warmup,omitempty"`

	// repetitions is how many runs each variant gets; the status reports
	// each variant's median and the 95% confidence interval of it, which
	// takes 6 runs at least (fewer give a median alone). With precision
	// set it is the number of runs each variant gets before the interval
	// is judged.
	// +optional
	// +kubebuilder:default=6
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	Repetitions int32 `json:"repetitions,omitempty"`

	// precision, when set, keeps adding runs to each variant whose
	// objective is not yet known closely enough: after spec.repetitions
	// runs of every variant, each variant whose 95% confidence interval
	// of the objective's median is wider than halfWidthPercent gets one
	// more run, round after round (the variants' runs interleaved), until
	// it is narrow enough or the variant has maxRuns runs.
	// status.variants[].precision says where each stopped and why.
	// Needs spec.objective.
	// +optional
	Precision *Precision `json:"precision,omitempty"`

	// pendingTimeout is how long a run's pod may stay pending (not
	// scheduled, its image not pulled, its container not created) before
	// the attempt ends Unschedulable, ImageError or Error and is retried
	// within the operator's retry budget; meanwhile the run's reason says
	// what it waits for. Local runs do not pend.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10s') && duration(self) <= duration('24h')",message="spec.pendingTimeout must be between 10s and 24h"
	PendingTimeout *metav1.Duration `json:"pendingTimeout,omitempty"`

	// parallelism is how many runs may run at once. Runs sharing a node
	// disturb each other: keep it 1 for clean numbers.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Parallelism int32 `json:"parallelism,omitempty"`

	// isolation is where runs go: Sequential keeps every run on the node of
	// the first; Spread spreads runs across nodes; Pinned runs them on the
	// nodes nodeSelector picks.
	// +optional
	// +kubebuilder:default=Sequential
	Isolation Isolation `json:"isolation,omitempty"`

	// nodeSelector restricts the nodes runs may use.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// tolerations let runs onto tainted nodes (for example dedicated
	// benchmark nodes).
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// image is the workload image; matrix.images overrides it per variant.
	// Empty uses the operator's default.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$')",message="image is a reference such as registry.example/runtime-lab/workload:go1.26 (letters, digits and . _ / : @ + -; no spaces or control characters)"
	Image string `json:"image,omitempty"`

	// objective says which variant is best.
	// +optional
	Objective *Objective `json:"objective,omitempty"`

	// loadGenerator sizes the load-generator pod of the service scenario.
	// +optional
	LoadGenerator *LoadGenerator `json:"loadGenerator,omitempty"`

	// pod shapes each run's pod (the service scenario's server pod) beyond
	// its workload container: limits at the pod level, one budget its
	// containers share, and a sidecar that competes for it. The Go runtime
	// reads only its own container's cgroup: these are the shapes where
	// its view and the kernel's enforcement part ways, which every run's
	// summary reports (its cgroup hierarchy and flags).
	// +optional
	Pod *PodShape `json:"pod,omitempty"`

	// resizes change each run's own CPU and memory limits in place while
	// it runs, at the given times into its measured window, as an
	// in-place pod resize does: the summary then splits the window at
	// each change and says how long GOMAXPROCS took to follow (the
	// runtime re-reads its CPU limit about once a second) and that
	// GOMEMLIMIT did not. The local executor rewrites the run's cgroup;
	// the operator patches the running pod's resize subresource
	// (Kubernetes 1.33 or later), requests following limits so the pod
	// keeps its QoS class. Each is counted from the start of the run's
	// measured window (its container's start plus the warmup; on a
	// cluster to the second, as the kubelet reports the start); the
	// summary's segments say when the run saw it.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=3
	Resizes []Resize `json:"resizes,omitempty"`

	// pyroscope, when set, makes every run push profiles to this server.
	// +optional
	Pyroscope *Pyroscope `json:"pyroscope,omitempty"`

	// ttlSecondsAfterFinished deletes the run pods this long after the
	// Experiment finishes; results stay in status. Unset keeps them.
	// +optional
	// +kubebuilder:validation:Minimum=0
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
}

// Isolation is where an Experiment's runs are placed.
// +kubebuilder:validation:Enum=Sequential;Spread;Pinned
type Isolation string

// Isolation policies.
const (
	IsolationSequential Isolation = "Sequential"
	IsolationSpread     Isolation = "Spread"
	IsolationPinned     Isolation = "Pinned"
)

// Matrix lists the values of each knob to cross.
type Matrix struct {
	// cpu lists CPU settings (request and limit) of the workload container.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=6
	CPU []CPUSetting `json:"cpu,omitempty"`

	// memory lists memory settings of the workload container.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=6
	Memory []MemorySetting `json:"memory,omitempty"`

	// gomaxprocs lists GOMAXPROCS values: "auto" leaves it to the runtime
	// (which derives it from the CPU limit since Go 1.25), or a number.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^(auto|[1-9][0-9]{0,3})$`
	GOMAXPROCS []string `json:"gomaxprocs,omitempty"`

	// gogc lists GOGC values: "off" or a percentage such as "100".
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^(off|[0-9]{1,5})$`
	GOGC []string `json:"gogc,omitempty"`

	// gomemlimit lists GOMEMLIMIT values: "none", a quantity such as
	// "900Mi", or a percentage of the container's memory limit such as "90%".
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=16
	// +kubebuilder:validation:items:Pattern=`^(none|[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?|[1-9][0-9]?%|100%)$`
	GOMEMLIMIT []string `json:"gomemlimit,omitempty"`

	// godebug lists GODEBUG values: comma-separated name=value settings
	// such as "gctrace=0,madvdontneed=1", or "" for none.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^([A-Za-z0-9_.]+=[A-Za-z0-9_.:+-]*(,[A-Za-z0-9_.]+=[A-Za-z0-9_.:+-]*)*)?$')",message="a GODEBUG value is comma-separated name=value settings of letters, digits and _ . : + -, such as gctrace=0,madvdontneed=1 (no spaces or control characters)"
	GODEBUG []string `json:"godebug,omitempty"`

	// images lists workload images, to compare Go versions.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$')",message="an image is a reference such as registry.example/runtime-lab/workload:go1.26 (letters, digits and . _ / : @ + -; no spaces or control characters)"
	Images []string `json:"images,omitempty"`

	// paramSets lists named sets of scenario parameters to sweep; each
	// overrides fields of spec.scenario.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=6
	ParamSets []ParamSet `json:"paramSets,omitempty"`
}

// CPUSetting is one CPU request and limit.
// +kubebuilder:validation:XValidation:rule="!has(self.request) || !has(self.limit) || quantity(string(self.request)).compareTo(quantity(string(self.limit))) <= 0",message="cpu request must not exceed the cpu limit"
// +kubebuilder:validation:XValidation:rule="!has(self.limit) || quantity(string(self.limit)).compareTo(quantity('10m')) >= 0",message="cpu limit must be at least 10m: the kernel's smallest CFS quota is 1ms per 100ms period (Kubernetes raises smaller limits to it); raise the limit or leave it unset"
// +kubebuilder:validation:XValidation:rule="!has(self.request) || quantity(string(self.request)).compareTo(quantity('0')) >= 0",message="cpu request must not be negative"
type CPUSetting struct {
	// request is the CPU request; unset means the limit (or none).
	// +optional
	Request *resource.Quantity `json:"request,omitempty"`
	// limit is the CPU limit, enforced as a CFS quota; unset means none.
	// +optional
	Limit *resource.Quantity `json:"limit,omitempty"`
}

// MemorySetting is one memory request and limit. They are strings such as
// "256Mi" (not int-or-string quantities) so that their length is bounded
// and the API server can afford to compare them with GOMEMLIMIT in CEL.
// +kubebuilder:validation:XValidation:rule="!has(self.request) || !has(self.limit) || quantity(self.request).compareTo(quantity(self.limit)) <= 0",message="memory request must not exceed the memory limit"
type MemorySetting struct {
	// request is the memory request, e.g. "256Mi"; unset means the limit
	// (or none).
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('0')) >= 0",message="memory request must be a quantity of at least 0, such as 256Mi"
	Request *string `json:"request,omitempty"`
	// limit is the memory limit, e.g. "512Mi": past it the kernel
	// OOM-kills; unset means none.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('32Mi')) >= 0",message="memory limit must be a quantity of at least 32Mi (the workload itself needs about 20Mi), such as 512Mi"
	Limit *string `json:"limit,omitempty"`
}

// ParamSet is a named set of scenario parameters.
type ParamSet struct {
	// name labels the variants that use this set.
	// +required
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$`
	Name string `json:"name"`
	// scenario holds the parameters to override, in the same block as
	// spec.scenario.
	// +required
	Scenario ScenarioSpec `json:"scenario"`
}

// Precision asks for runs until the objective's interval is narrow enough.
type Precision struct {
	// halfWidthPercent is the target: the half-width of the 95% confidence
	// interval of the objective's median, as a percentage of the median
	// (5 means "within ±5 %"). The interval needs 6 completed runs at least.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	HalfWidthPercent int32 `json:"halfWidthPercent"`

	// maxRuns caps each variant's runs, failed ones included: a variant
	// whose objective spreads too widely stops there, and its status says
	// so. An interval needs 6 runs, so 6 is the least.
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=6
	// +kubebuilder:validation:Maximum=100
	MaxRuns int32 `json:"maxRuns,omitempty"`
}

// Objective says what makes a variant best.
type Objective struct {
	// metric is the figure to optimise: one of the scenario's figures (see
	// `kubectl lab scenarios`) or cpu-cores, throttled-frac, mem-peak-B.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Metric string `json:"metric"`

	// goal says whether lower or higher is better; unset uses the figure's
	// own direction.
	// +optional
	Goal Goal `json:"goal,omitempty"`

	// constraints every acceptable variant meets with its median.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	Constraints []Constraint `json:"constraints,omitempty"`

	// allowOOM accepts variants with OOM-killed runs; by default they are out.
	// +optional
	AllowOOM bool `json:"allowOOM,omitempty"`

	// preferCheapest picks, among the acceptable variants, the one with the
	// smallest CPU limit, then memory limit; the metric breaks ties. When
	// false the best metric wins.
	// +optional
	// +kubebuilder:default=true
	PreferCheapest *bool `json:"preferCheapest,omitempty"`
}

// Goal is the direction of an objective.
// +kubebuilder:validation:Enum=Minimize;Maximize
type Goal string

// Goals.
const (
	GoalMinimize Goal = "Minimize"
	GoalMaximize Goal = "Maximize"
)

// Constraint bounds one figure's median.
// +kubebuilder:validation:XValidation:rule="has(self.max) || has(self.min)",message="a constraint needs max or min"
type Constraint struct {
	// metric is the figure bounded, e.g. lat-p99-s or throttled-frac.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Metric string `json:"metric"`
	// max is the highest acceptable median.
	// +optional
	Max *float64 `json:"max,omitempty"`
	// min is the lowest acceptable median.
	// +optional
	Min *float64 `json:"min,omitempty"`
}

// Resize is one in-place change of a run's own limits.
// +kubebuilder:validation:XValidation:rule="has(self.cpu) || has(self.memory)",message="spec.resizes[]: set cpu, memory or both"
type Resize struct {
	// after is when, counted from the start of the measured window.
	// +required
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('24h')",message="spec.resizes[].after must be between 0s and 24h"
	After metav1.Duration `json:"after"`
	// cpu is the new CPU limit, such as "1500m".
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).compareTo(quantity('10m')) >= 0 && quantity(string(self)).compareTo(quantity('1000')) <= 0",message="spec.resizes[].cpu must be between 10m and 1000"
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// memory is the new memory limit, such as "512Mi".
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('32Mi')) >= 0",message="spec.resizes[].memory must be a quantity of at least 32Mi, such as 512Mi"
	Memory *string `json:"memory,omitempty"`
}

// PodShape is what a run's pod has besides its workload container.
// +kubebuilder:validation:XValidation:rule="has(self.limits) || has(self.sidecar)",message="spec.pod: set limits, a sidecar, or both (or leave spec.pod out)"
type PodShape struct {
	// limits are pod-level limits: one CPU quota and one memory limit on
	// the pod's cgroup, shared by all its containers (the pod's
	// spec.resources: Kubernetes 1.34 or later, feature gate
	// PodLevelResources, on by default since). Requests are set equal.
	// Locally, a parent cgroup with these limits above the run's own, and
	// a run whose variant sets no limit of its own gets the pod's in its
	// own cgroup too, as the kubelet does.
	// +optional
	Limits *PodLimits `json:"limits,omitempty"`

	// sidecar adds a container to the pod that uses a stated amount of CPU
	// and memory for as long as the run lasts (a native sidecar: an init
	// container that keeps running), without limits of its own, so it
	// draws on the pod's.
	// +optional
	Sidecar *Sidecar `json:"sidecar,omitempty"`
}

// PodLimits are the limits of a whole pod.
// +kubebuilder:validation:XValidation:rule="has(self.cpu) || has(self.memory)",message="spec.pod.limits: set cpu, memory or both"
type PodLimits struct {
	// cpu is the pod's CPU limit, such as "1".
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).compareTo(quantity('10m')) >= 0 && quantity(string(self)).compareTo(quantity('1000')) <= 0",message="spec.pod.limits.cpu must be between 10m (the kernel's smallest CFS quota) and 1000"
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// memory is the pod's memory limit, such as "256Mi".
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('32Mi')) >= 0",message="spec.pod.limits.memory must be a quantity of at least 32Mi, such as 256Mi"
	Memory *string `json:"memory,omitempty"`
}

// Sidecar is a container that competes with the workload for its pod's
// budget.
type Sidecar struct {
	// cpu is the CPU the sidecar burns, such as "500m": it keeps its CPU
	// time at this many cores times the time since it started, over as
	// many threads as whole CPUs it needs, and catches up after being
	// throttled (a debt past 200 ms is forgiven), as steady work would.
	// +required
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).compareTo(quantity('10m')) >= 0 && quantity(string(self)).compareTo(quantity('64')) <= 0",message="spec.pod.sidecar.cpu must be between 10m and 64"
	CPU resource.Quantity `json:"cpu"`
	// memory is what the sidecar allocates and keeps touched, such as
	// "64Mi"; unset holds only the few MiB of the process itself.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('0')) >= 0 && quantity(self).compareTo(quantity('64Gi')) <= 0",message="spec.pod.sidecar.memory must be a quantity from 0 to 64Gi, such as 64Mi"
	Memory *string `json:"memory,omitempty"`
}

// LoadGenerator sizes the service scenario's load-generator pod.
type LoadGenerator struct {
	// resources of the load-generator container. Give it enough CPU that
	// its send lag stays small.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// PyroscopeAddressPattern is what spec.pyroscope.serverAddress (and the
// manager's --pyroscope-address) must match: an http or https URL of
// URL characters, no spaces or control characters. The CRD's rule
// repeats it (markers cannot name a constant); a test keeps them equal.
const PyroscopeAddressPattern = `^https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$`

// Pyroscope is where runs push profiles.
type Pyroscope struct {
	// serverAddress is the Pyroscope URL, e.g. http://pyroscope.monitoring:4040.
	// +required
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$')",message="serverAddress is an http:// or https:// URL such as http://pyroscope.monitoring:4040, without spaces or control characters"
	ServerAddress string `json:"serverAddress"`
}

// PodLimits returns spec.pod.limits, or nil when the Experiment sets none.
func (s *ExperimentSpec) PodLimits() *PodLimits {
	if s.Pod == nil {
		return nil
	}
	return s.Pod.Limits
}
