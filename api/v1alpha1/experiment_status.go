package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Condition types of an Experiment. Conditions are the source of truth;
// status.phase is derived from them for display.
const (
	// ConditionProgressing is True while runs remain to start or finish,
	// False once none do or the Experiment cannot be planned. An
	// Experiment the operator has not seen yet has no conditions.
	ConditionProgressing = "Progressing"
	// ConditionComplete is True when every run has its final outcome
	// (retries spent) and at least one produced results — a run that
	// failed past its retry budget does not stop the others from counting;
	// `kubectl wait --for=condition=Complete` waits on it. False otherwise.
	ConditionComplete = "Complete"
	// ConditionFailed is True when the Experiment ends without results:
	// it cannot be planned (its reason is PlanningFailed), or every run
	// ended without one (NoRunProducedResults). False otherwise.
	ConditionFailed = "Failed"
)

// Phases derived from the conditions.
const (
	PhasePending  = "Pending"
	PhaseRunning  = "Running"
	PhaseComplete = "Complete"
	PhaseFailed   = "Failed"
)

// Run outcomes.
const (
	OutcomePending   = "Pending"
	OutcomeRunning   = "Running"
	OutcomeCompleted = "Completed"
	OutcomeOOMKilled = "OOMKilled"
	// OutcomeDeadlineExceeded is a run stopped at its deadline (warmup,
	// duration and a grace), with its partial summary: the variant could
	// not do its work in time.
	OutcomeDeadlineExceeded = "DeadlineExceeded"
	OutcomeEvicted          = "Evicted"
	OutcomeError            = "Error"
	OutcomeDeleted          = "Deleted"
	// OutcomeUnschedulable is a pod the scheduler could not place within
	// spec.pendingTimeout; OutcomeImageError one whose image could not be
	// pulled in that time (or at all: an invalid name). Both are the
	// cluster's, and retried within the operator's retry budget.
	OutcomeUnschedulable = "Unschedulable"
	OutcomeImageError    = "ImageError"
)

// Outcomes lists every run outcome: the two a run passes through, then the
// final ones, the one success first.
var Outcomes = []string{OutcomePending, OutcomeRunning, OutcomeCompleted, OutcomeOOMKilled,
	OutcomeDeadlineExceeded, OutcomeEvicted, OutcomeError, OutcomeDeleted, OutcomeUnschedulable, OutcomeImageError}

// FinalOutcomes are the outcomes a run ends with.
var FinalOutcomes = Outcomes[2:]

// ExperimentStatus is what the runs measured.
type ExperimentStatus struct {
	// observedGeneration is the generation last reconciled without error.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Progressing, Complete, Failed.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// phase is a summary of the conditions for display: Pending, Running,
	// Complete or Failed.
	// +optional
	Phase string `json:"phase,omitempty"`

	// scenario is the scenario's name, for display.
	// +optional
	Scenario string `json:"scenario,omitempty"`

	// progress is finished runs over all runs, e.g. "7/12".
	// +optional
	Progress string `json:"progress,omitempty"`

	// startTime is when the first run was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// completionTime is when the last run finished.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// runs counts the runs by state.
	// +optional
	Runs RunCounts `json:"runs,omitempty"`

	// variants holds each variant's knobs, runs and aggregates.
	// +optional
	// +listType=map
	// +listMapKey=name
	Variants []VariantStatus `json:"variants,omitempty"`

	// recommendation names the best variant and says why.
	// +optional
	Recommendation *Recommendation `json:"recommendation,omitempty"`

	// figuresTrimmed is set when the Experiment is too large for every
	// figure of every run to fit in its status (etcd bounds an object's
	// size): runs and aggregates then keep only the key figures (the
	// objective's, its constraints', the scenario's headline figures and
	// CPU, throttling, memory and GC), and this says so. The local executor
	// keeps every figure in its results directory.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	FiguresTrimmed string `json:"figuresTrimmed,omitempty"`
}

// RunCounts counts runs by state.
type RunCounts struct {
	// total is every planned run of every variant (with spec.precision,
	// the runs planned so far).
	// +optional
	Total int32 `json:"total,omitempty"`
	// pending counts runs not started yet or whose pod waits to be
	// scheduled or pulled.
	// +optional
	Pending int32 `json:"pending,omitempty"`
	// running counts runs whose workload is running.
	// +optional
	Running int32 `json:"running,omitempty"`
	// succeeded counts runs that completed with a result summary.
	// +optional
	Succeeded int32 `json:"succeeded,omitempty"`
	// failed counts runs that ended without completing, after their
	// retries: OOMKilled, DeadlineExceeded, Evicted, Error, Deleted,
	// Unschedulable or ImageError.
	// +optional
	Failed int32 `json:"failed,omitempty"`
}

// VariantStatus is one combination of knobs.
type VariantStatus struct {
	// name is the variant's stable name, e.g. "v007".
	Name string `json:"name"`
	// knobs are the settings of this variant.
	Knobs Knobs `json:"knobs"`
	// runs are this variant's repetitions.
	// +optional
	// +listType=atomic
	Runs []RunStatus `json:"runs,omitempty"`
	// aggregates are the median and confidence interval of each figure
	// across the completed runs.
	// +optional
	// +listType=atomic
	Aggregates []Aggregate `json:"aggregates,omitempty"`
	// precision says how far spec.precision took this variant; absent
	// without spec.precision.
	// +optional
	Precision *VariantPrecision `json:"precision,omitempty"`
}

// Precision states of a variant.
const (
	// PrecisionMeasuring: the interval is not narrow enough yet and the
	// variant has runs left; it gets another run each round.
	PrecisionMeasuring = "Measuring"
	// PrecisionReached: the interval is as narrow as asked.
	PrecisionReached = "Reached"
	// PrecisionMaxRuns: the variant used spec.precision.maxRuns runs
	// without reaching the precision.
	PrecisionMaxRuns = "MaxRuns"
	// PrecisionNoResults: none of the variant's first runs completed
	// (OOM kills, say): more runs would not narrow anything.
	PrecisionNoResults = "NoResults"
)

// VariantPrecision is where spec.precision stands for one variant.
type VariantPrecision struct {
	// state is Measuring, Reached, MaxRuns or NoResults.
	// +kubebuilder:validation:Enum=Measuring;Reached;MaxRuns;NoResults
	State string `json:"state"`
	// halfWidthPercent is the half-width of the objective's 95%
	// confidence interval as a percentage of its median, over the
	// completed runs; absent without an interval (fewer than 6 runs).
	// +optional
	HalfWidthPercent *float64 `json:"halfWidthPercent,omitempty"`
	// runs is how many runs the variant has, failed ones included.
	Runs int32 `json:"runs"`
	// reason says it in words, e.g. "±3.1% ≤ ±5% after 8 runs".
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason,omitempty"`
}

// Knobs are one variant's settings, one value from each spec.matrix list;
// empty means the list was not given and the default applies (no request
// or limit; the Go runtime's own GOMAXPROCS, GOGC, GOMEMLIMIT and
// GODEBUG; spec.image; the scenario's parameters as given).
type Knobs struct {
	// cpuRequest is the container's CPU request, a quantity ("500m").
	// +optional
	CPURequest string `json:"cpuRequest,omitempty"`
	// cpuLimit is the container's CPU limit, a quantity: the CFS quota
	// the kernel enforces.
	// +optional
	CPULimit string `json:"cpuLimit,omitempty"`
	// memoryRequest is the container's memory request, a quantity ("128Mi").
	// +optional
	MemoryRequest string `json:"memoryRequest,omitempty"`
	// memoryLimit is the container's memory limit, a quantity: past it the
	// kernel OOM-kills the workload.
	// +optional
	MemoryLimit string `json:"memoryLimit,omitempty"`
	// gomaxprocs is the run's GOMAXPROCS: a number, or "auto" for the
	// runtime's own choice (from the CPU limit since Go 1.25).
	// +optional
	GOMAXPROCS string `json:"gomaxprocs,omitempty"`
	// gogc is the run's GOGC: a percentage or "off".
	// +optional
	GOGC string `json:"gogc,omitempty"`
	// gomemlimit is the run's GOMEMLIMIT as spec.matrix.gomemlimit gives
	// it: "none", a quantity ("900Mi"), or a percentage of the container's
	// memory limit ("90%").
	// +optional
	GOMEMLIMIT string `json:"gomemlimit,omitempty"`
	// godebug is the run's GODEBUG: comma-separated name=value settings.
	// +optional
	GODEBUG string `json:"godebug,omitempty"`
	// image is the workload image of the run (matrix.images: one Go
	// version against another, say).
	// +optional
	Image string `json:"image,omitempty"`
	// paramSet names the scenario parameter set of the run
	// (matrix.paramSets).
	// +optional
	ParamSet string `json:"paramSet,omitempty"`
}

// RunStatus is one run of a variant.
type RunStatus struct {
	// index is the repetition, from 0.
	Index int32 `json:"index"`
	// pod is the run's pod of its latest attempt.
	// +optional
	Pod string `json:"pod,omitempty"`
	// attempt counts the pods created for this run (retries included).
	// +optional
	Attempt int32 `json:"attempt,omitempty"`
	// outcome: Pending, Running, Completed, OOMKilled, DeadlineExceeded,
	// Evicted, Error, Deleted, Unschedulable or ImageError.
	Outcome string `json:"outcome"`
	// reason says why a run did not complete, or, while it is pending,
	// what it waits for in the kubelet's or the scheduler's words.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason,omitempty"`
	// startTime is when the latest attempt's pod (or process) was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// completionTime is when the latest attempt finished.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// summary holds the run's figures, partial when it did not complete.
	// +optional
	Summary *RunSummary `json:"summary,omitempty"`
}

// RunSummary is the part of a run's result summary kept in status:
// bounded, so 1,000 runs stay well under etcd's object size limit.
type RunSummary struct {
	// partial is true when the run ended before its planned duration.
	// +optional
	Partial bool `json:"partial,omitempty"`
	// outcome is the scenario's own classification, if it has one.
	// +optional
	Outcome string `json:"outcome,omitempty"`
	// gomaxprocs is what the runtime used.
	// +optional
	GOMAXPROCS int32 `json:"gomaxprocs,omitempty"`
	// figures are the scenario's figures plus cpu-cores, throttled-frac,
	// mem-peak-B and gc-cpu-frac.
	// +optional
	Figures map[string]float64 `json:"figures,omitempty"`
	// flags name where the Go runtime's settings and the cgroups above
	// the run's own part ways: gomaxprocs-above-limit, cpu-shared,
	// throttled-above, gomemlimit-above-limit, memory-shared (`kubectl lab
	// report` explains them).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:MaxLength=32
	Flags []string `json:"flags,omitempty"`
	// cgroupsVisible is how many cgroups the run could see from its own
	// up (1 inside most containers: a pod's cgroup is then not among
	// them, and neither are its limits and throttling).
	// +optional
	CgroupsVisible int32 `json:"cgroupsVisible,omitempty"`
	// segments split the run's window where its own limits changed in
	// place (spec.resizes, or anyone's resize): the first stretch, then
	// one per change; absent when none did.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=4
	Segments []LimitSegment `json:"segments,omitempty"`
	// missing lists what the observed service (scenario app) did not
	// expose, so the figures that need it are absent: metrics, runtime,
	// gc-cpu, sched-latency, container, cpu (`kubectl lab report` explains
	// them).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:Enum=metrics;runtime;gc-cpu;sched-latency;container;cpu
	Missing []string `json:"missing,omitempty"`
}

// LimitSegment is a stretch of a run's window under one set of its own
// limits, and what the Go runtime and the run did in it.
type LimitSegment struct {
	// atSeconds is when it began, from the window's start.
	AtSeconds float64 `json:"atSeconds"`
	// cpuLimit is the CPU limit in cores; 0 when none.
	// +optional
	CPULimit float64 `json:"cpuLimit,omitempty"`
	// memoryLimit is the memory limit in bytes; 0 when none.
	// +optional
	MemoryLimit int64 `json:"memoryLimit,omitempty"`
	// gomaxprocs is GOMAXPROCS at its end; gomaxprocsWant what the
	// runtime's rule gives for its CPU limit (0: GOMAXPROCS set by hand).
	GOMAXPROCS int32 `json:"gomaxprocs"`
	// +optional
	GOMAXPROCSWant int32 `json:"gomaxprocsWant,omitempty"`
	// gomaxprocsAfterSeconds is how long after its start GOMAXPROCS
	// changed; absent when it did not.
	// +optional
	GOMAXPROCSAfterSeconds float64 `json:"gomaxprocsAfterSeconds,omitempty"`
	// gomemlimitChanged is true when GOMEMLIMIT differs from the previous
	// segment's (nothing in the Go runtime changes it on its own).
	// +optional
	GOMEMLIMITChanged bool `json:"gomemlimitChanged,omitempty"`
	// cores, throttledRatio and schedP99Seconds are the run's CPU use,
	// throttled share of periods and scheduling latency p99 in it.
	Cores           float64 `json:"cores"`
	ThrottledRatio  float64 `json:"throttledRatio"`
	SchedP99Seconds float64 `json:"schedP99Seconds"`
}

// Aggregate is one figure of a variant across its completed runs.
type Aggregate struct {
	// figure is the figure's name, as in the run summaries ("p99-s").
	Figure string `json:"figure"`
	// median of the runs.
	Median float64 `json:"median"`
	// low and high bound the 95% confidence interval of the median; absent
	// with too few runs for one (6 at least).
	// +optional
	Low *float64 `json:"low,omitempty"`
	// high is the interval's upper bound; absent with low.
	// +optional
	High *float64 `json:"high,omitempty"`
	// n is the number of runs.
	N int32 `json:"n"`
}

// Recommendation is the variant that best meets the objective.
type Recommendation struct {
	// variant is its name; empty when no variant is acceptable.
	// +optional
	Variant string `json:"variant,omitempty"`
	// knobs are the variant's settings in words, e.g. "cpu=1
	// gomaxprocs=2 gogc=200" ("defaults" when it sets none): the Best
	// Knobs column of kubectl get -o wide.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Knobs string `json:"knobs,omitempty"`
	// reason explains the choice, or why none was made.
	Reason string `json:"reason"`
}
