package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func q(s string) *resource.Quantity { v := resource.MustParse(s); return &v }

func gcSpec() labv1.ExperimentSpec {
	return labv1.ExperimentSpec{
		Scenario:    labv1.ScenarioSpec{GC: &labv1.GCScenario{LiveHeap: ptr.To("128Mi")}},
		Duration:    metav1.Duration{Duration: 20 * time.Second},
		Warmup:      metav1.Duration{Duration: 2 * time.Second},
		Repetitions: 2,
		Isolation:   labv1.IsolationSequential,
	}
}

func TestVariants(t *testing.T) {
	tests := []struct {
		name   string
		matrix labv1.Matrix
		want   []Variant
	}{
		{
			name: "empty matrix is one default variant",
			want: []Variant{{Name: "v000", Params: map[string]string{"liveHeap": "128Mi"}}},
		},
		{
			name: "cross in order, last axis fastest",
			matrix: labv1.Matrix{
				CPU:        []labv1.CPUSetting{{Limit: q("500m")}, {Request: q("1"), Limit: q("2")}},
				GOMAXPROCS: []string{"auto", "4"},
			},
			want: []Variant{
				{Name: "v000", CPU: labv1.CPUSetting{Limit: q("500m")}, Knobs: labv1.Knobs{CPULimit: "500m", GOMAXPROCS: "auto"}, Params: map[string]string{"liveHeap": "128Mi"}},
				{Name: "v001", CPU: labv1.CPUSetting{Limit: q("500m")}, Knobs: labv1.Knobs{CPULimit: "500m", GOMAXPROCS: "4"}, Params: map[string]string{"liveHeap": "128Mi"}},
				{Name: "v002", CPU: labv1.CPUSetting{Request: q("1"), Limit: q("2")}, Knobs: labv1.Knobs{CPURequest: "1", CPULimit: "2", GOMAXPROCS: "auto"}, Params: map[string]string{"liveHeap": "128Mi"}},
				{Name: "v003", CPU: labv1.CPUSetting{Request: q("1"), Limit: q("2")}, Knobs: labv1.Knobs{CPURequest: "1", CPULimit: "2", GOMAXPROCS: "4"}, Params: map[string]string{"liveHeap": "128Mi"}},
			},
		},
		{
			name: "parameter sets override the base",
			matrix: labv1.Matrix{ParamSets: []labv1.ParamSet{
				{Name: "dense", Scenario: labv1.ScenarioSpec{GC: &labv1.GCScenario{PointerDensity: ptr.To(1.0)}}},
				{Name: "big", Scenario: labv1.ScenarioSpec{GC: &labv1.GCScenario{LiveHeap: ptr.To("1Gi")}}},
			}},
			want: []Variant{
				{Name: "v000", Knobs: labv1.Knobs{ParamSet: "dense"}, Params: map[string]string{"liveHeap": "128Mi", "pointerDensity": "1"}},
				{Name: "v001", Knobs: labv1.Knobs{ParamSet: "big"}, Params: map[string]string{"liveHeap": "1Gi"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := gcSpec()
			spec.Matrix = tt.matrix
			got, err := Variants(&spec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("variants (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariantsRejectsForeignParamSet(t *testing.T) {
	spec := gcSpec()
	spec.Matrix.ParamSets = []labv1.ParamSet{{Name: "x", Scenario: labv1.ScenarioSpec{Alloc: &labv1.AllocScenario{}}}}
	_, err := Variants(&spec)
	if err == nil || !strings.Contains(err.Error(), `spec.matrix.paramSets[0] (x): its block is "alloc", want the "gc" of spec.scenario`) {
		t.Errorf("got %v, want the paramSets message", err)
	}
}

func TestRunsAreRepetitionMajorInShuffledOrder(t *testing.T) {
	vs := []Variant{{Name: "v000"}, {Name: "v001"}, {Name: "v002"}, {Name: "v003"}}
	runs := Runs(vs, 6)
	if len(runs) != 24 {
		t.Fatalf("got %d runs, want 24", len(runs))
	}
	orders := map[string]bool{}
	for rep := range 6 {
		round := runs[rep*4 : rep*4+4]
		var names []string
		for _, r := range round {
			if r.Index != rep {
				t.Fatalf("run %s in round %d: repetitions must not mix", r.ID(), rep)
			}
			names = append(names, r.Variant.Name)
		}
		sorted := slices.Sorted(slices.Values(names))
		if !slices.Equal(sorted, []string{"v000", "v001", "v002", "v003"}) {
			t.Fatalf("round %d has %v, want every variant once", rep, names)
		}
		orders[strings.Join(names, ",")] = true
	}
	if len(orders) < 2 {
		t.Errorf("every round ran in the same order %v: the order must be shuffled per repetition", orders)
	}
	if again := Runs(vs, 6); !slices.EqualFunc(runs, again, func(a, b Run) bool { return a.ID() == b.ID() }) {
		t.Error("two plans of the same variants run in different orders: every operator pass must see one order")
	}
}

func TestRunsOfAndMore(t *testing.T) {
	vs := []Variant{{Name: "v000"}, {Name: "v001"}, {Name: "v002"}}
	counts := RunCounts(vs, 2, &labv1.ExperimentStatus{Variants: []labv1.VariantStatus{
		{Name: "v001", Runs: make([]labv1.RunStatus, 3)}, // spec.precision added one
		{Name: "v002", Runs: make([]labv1.RunStatus, 1)}, // not all started yet: still 2
	}})
	if want := []int{2, 3, 2}; !slices.Equal(counts, want) {
		t.Fatalf("RunCounts = %v, want %v", counts, want)
	}
	var ids []string
	for _, r := range RunsOf(vs, counts) {
		ids = append(ids, r.ID())
	}
	if len(ids) != 7 || ids[6] != "v001-r2" {
		t.Errorf("RunsOf = %v, want 7 runs ending with v001's third", ids)
	}
	more := More(vs, counts, []string{"v000", "v001"})
	ids = nil
	for _, r := range more {
		ids = append(ids, r.ID())
	}
	slices.Sort(ids)
	if want := []string{"v000-r2", "v001-r3"}; !slices.Equal(ids, want) {
		t.Errorf("More = %v, want %v", ids, want)
	}
	if want := []int{3, 4, 2}; !slices.Equal(counts, want) {
		t.Errorf("counts after More = %v, want %v", counts, want)
	}
}

func TestGoEnv(t *testing.T) {
	tests := []struct {
		name    string
		v       Variant
		want    []contract.EnvVar
		wantErr string
	}{
		{name: "nothing set", v: Variant{}},
		{name: "auto gomaxprocs and none gomemlimit are unset", v: Variant{Knobs: labv1.Knobs{GOMAXPROCS: "auto", GOMEMLIMIT: "none"}}},
		{name: "all set", v: Variant{Knobs: labv1.Knobs{GOMAXPROCS: "2", GOGC: "off", GOMEMLIMIT: "900Mi", GODEBUG: "gctrace=1"}},
			want: []contract.EnvVar{{Name: "GOMAXPROCS", Value: "2"}, {Name: "GOGC", Value: "off"}, {Name: "GOMEMLIMIT", Value: "943718400"}, {Name: "GODEBUG", Value: "gctrace=1"}}},
		{name: "percentage of the memory limit", v: Variant{Knobs: labv1.Knobs{GOMEMLIMIT: "90%", MemoryLimit: "1Gi"}},
			want: []contract.EnvVar{{Name: "GOMEMLIMIT", Value: "966367641"}}},
		{name: "percentage without a limit", v: Variant{Name: "v001", Knobs: labv1.Knobs{GOMEMLIMIT: "90%"}},
			wantErr: `variant v001: gomemlimit "90%": a percentage needs a memory limit in the same variant`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GoEnv(&tt.v)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodName(t *testing.T) {
	v := &Variant{Name: "v012"}
	short := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "gomaxprocs-vs-limit"}}
	if got, want := PodName(short, Run{Variant: v, Index: 2}, 1, RoleWorkload), "gomaxprocs-vs-limit-v012-r2-a1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	long := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("x", 80)}}
	a := PodName(long, Run{Variant: v}, 1, RoleLoadgen)
	b := PodName(&labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("x", 79) + "y"}}, Run{Variant: v}, 1, RoleLoadgen)
	if len(a) > 63 || a == b || !strings.HasSuffix(a, "-v012-r0-a1-lg") {
		t.Errorf("long names: got %q and %q, want distinct names of ≤ 63 ending -v012-r0-a1-lg", a, b)
	}
}

// TestPod compares a whole pod: every field a user relies on (limits, env,
// labels, owner, restricted security context, termination message policy).
func TestPod(t *testing.T) {
	spec := gcSpec()
	spec.Matrix = labv1.Matrix{CPU: []labv1.CPUSetting{{Limit: q("500m")}}, Memory: []labv1.MemorySetting{{Limit: ptr.To("256Mi")}},
		GOMAXPROCS: []string{"2"}, GOMEMLIMIT: []string{"90%"}}
	spec.Pyroscope = &labv1.Pyroscope{ServerAddress: "http://pyroscope:4040"}
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "lab", UID: "uid-1"}, Spec: spec}
	vs, err := Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Pod(exp, Run{Variant: &vs[0], Index: 1}, 2, RoleWorkload, PodOptions{DefaultImage: "runtimelab/workload:dev"})
	if err != nil {
		t.Fatal(err)
	}
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "demo-v000-r1-a2", Namespace: "lab",
			Labels: map[string]string{
				"app.kubernetes.io/name": "runtimelab-workload", "app.kubernetes.io/managed-by": "runtimelab-operator",
				"lab.runtimelab.io/experiment": "demo", "lab.runtimelab.io/variant": "v000", "lab.runtimelab.io/run": "v000-r1",
				"lab.runtimelab.io/scenario": "gc", "lab.runtimelab.io/role": "workload", "lab.runtimelab.io/attempt": "2",
			},
			Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "lab.runtimelab.io/v1alpha1", Kind: "Experiment", Name: "demo", UID: "uid-1",
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, AutomountServiceAccountToken: ptr.To(false), EnableServiceLinks: ptr.To(false),
			// 2 s warmup + 20 s window + 32.2 s grace + 120 s for the image pull
			ActiveDeadlineSeconds: ptr.To(int64(175)),
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(int64(65532)), RunAsGroup: ptr.To(int64(65532)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name: "workload", Image: "runtimelab/workload:dev",
				Args: []string{"run", "gc", "--duration", "20s", "--warmup", "2s", "--output", "json", "--set", "liveHeap=128Mi"},
				Env: []corev1.EnvVar{{Name: "GOMAXPROCS", Value: "2"}, {Name: "GOMEMLIMIT", Value: "241591910"},
					{Name: "RUNTIMELAB_EXPERIMENT", Value: "demo"}, {Name: "RUNTIMELAB_VARIANT", Value: "v000"}, {Name: "RUNTIMELAB_RUN", Value: "v000-r1"},
					{Name: "PYROSCOPE_SERVER_ADDRESS", Value: "http://pyroscope:4040"}},
				Resources:                corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
				Ports:                    []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pod (-want +got):\n%s", diff)
	}
}

// TestPodPyroscope checks that spec.pyroscope wins over the operator's
// default (--pyroscope-address), and that neither means no push.
func TestPodPyroscope(t *testing.T) {
	tests := []struct {
		name, spec, def, want string
	}{
		{name: "neither", want: ""},
		{name: "operator default", def: "http://pyroscope.monitoring:4040", want: "http://pyroscope.monitoring:4040"},
		{name: "spec wins", spec: "http://mine:4040", def: "http://pyroscope.monitoring:4040", want: "http://mine:4040"},
		{name: "spec only", spec: "http://mine:4040", want: "http://mine:4040"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "lab"}, Spec: gcSpec()}
			if tt.spec != "" {
				exp.Spec.Pyroscope = &labv1.Pyroscope{ServerAddress: tt.spec}
			}
			vs, err := Variants(&exp.Spec)
			if err != nil {
				t.Fatal(err)
			}
			pod, err := Pod(exp, Run{Variant: &vs[0]}, 1, RoleWorkload, PodOptions{DefaultImage: "w", DefaultPyroscope: tt.def})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, e := range pod.Spec.Containers[0].Env {
				if e.Name == contract.EnvPyroscope {
					got = e.Value
				}
			}
			if got != tt.want {
				t.Errorf("got %s=%q, want %q", contract.EnvPyroscope, got, tt.want)
			}
		})
	}
}

// TestPodPinnedToNodeGoesThroughTheScheduler: a run kept on the node of the
// first (isolation Sequential) asks the scheduler for that node instead of
// naming it in spec.nodeName, so it waits as Pending while the node is
// busy rather than being rejected by the kubelet (OutOfcpu).
func TestPodPinnedToNodeGoesThroughTheScheduler(t *testing.T) {
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "lab"}, Spec: gcSpec()}
	vs, err := Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, node string
		want       *corev1.Affinity
	}{
		{"first run: anywhere", "", nil},
		{"later runs: the first run's node", "node-a", &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"node-a"}}},
			}}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pod, err := Pod(exp, Run{Variant: &vs[0]}, 1, RoleWorkload, PodOptions{DefaultImage: "w", Node: tt.node})
			if err != nil {
				t.Fatal(err)
			}
			if pod.Spec.NodeName != "" {
				t.Errorf("spec.nodeName: got %q, want empty (the scheduler places the pod)", pod.Spec.NodeName)
			}
			if diff := cmp.Diff(tt.want, pod.Spec.Affinity); diff != "" {
				t.Errorf("affinity (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPodShape: spec.pod gives the workload's (and a service server's) pod
// pod-level limits with equal requests and a native sidecar (an init
// container that keeps running) with the workload's image and the
// restricted security context; the load generator's pod has neither.
func TestPodShape(t *testing.T) {
	spec := gcSpec()
	spec.Pod = &labv1.PodShape{
		Limits:  &labv1.PodLimits{CPU: q("1"), Memory: ptr.To("256Mi")},
		Sidecar: &labv1.Sidecar{CPU: resource.MustParse("500m"), Memory: ptr.To("64Mi")},
	}
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "lab"}, Spec: spec}
	vs, err := Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	pod, err := Pod(exp, Run{Variant: &vs[0]}, 1, RoleWorkload, PodOptions{DefaultImage: "w:1"})
	if err != nil {
		t.Fatal(err)
	}
	want := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")}
	if r := pod.Spec.Resources; r == nil || !equality(r.Limits, want) || !equality(r.Requests, want) {
		t.Errorf("pod resources %+v, want limits and requests of 1 CPU and 256Mi", r)
	}
	if len(pod.Spec.InitContainers) != 1 {
		t.Fatalf("init containers: %d, want the sidecar", len(pod.Spec.InitContainers))
	}
	sc := pod.Spec.InitContainers[0]
	wantArgs := []string{"sidecar", "--cpu", "500m", "--memory", "67108864"}
	if sc.Name != "sidecar" || sc.Image != "w:1" || !slices.Equal(sc.Args, wantArgs) || sc.RestartPolicy == nil ||
		*sc.RestartPolicy != corev1.ContainerRestartPolicyAlways || sc.SecurityContext == nil || !*sc.SecurityContext.ReadOnlyRootFilesystem ||
		len(sc.Resources.Limits) != 0 {
		t.Errorf("sidecar %+v, want %v from the workload's image, restartPolicy Always, restricted, no limits of its own", sc, wantArgs)
	}
	lg, err := Pod(exp, Run{Variant: &vs[0]}, 1, RoleLoadgen, PodOptions{DefaultImage: "w:1", ServerAddr: "10.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if lg.Spec.Resources != nil || len(lg.Spec.InitContainers) != 0 {
		t.Errorf("load generator's pod has the shape: %+v %+v", lg.Spec.Resources, lg.Spec.InitContainers)
	}
}

func equality(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// TestResized: resizes apply in order as they fall due; a request equal
// to its limit (the API server's default) follows it, a lower one stays.
func TestResized(t *testing.T) {
	spec := gcSpec()
	spec.Matrix = labv1.Matrix{CPU: []labv1.CPUSetting{{Limit: q("500m")}, {Request: q("250m"), Limit: q("500m")}}, Memory: []labv1.MemorySetting{{Limit: ptr.To("128Mi")}}}
	vs, err := Variants(&spec)
	if err != nil {
		t.Fatal(err)
	}
	resizes := []labv1.Resize{
		{After: metav1.Duration{Duration: 2 * time.Second}, CPU: q("1500m")},
		{After: metav1.Duration{Duration: 5 * time.Second}, Memory: ptr.To("256Mi")},
	}
	text := func(r corev1.ResourceRequirements) string {
		return fmt.Sprintf("limits cpu %s mem %s, requests cpu %s mem %s", r.Limits.Cpu(), r.Limits.Memory(), r.Requests.Cpu(), r.Requests.Memory())
	}
	for _, tt := range []struct {
		v        int
		elapsed  time.Duration
		want     string
		wantNext time.Duration
	}{
		{0, time.Second, "limits cpu 500m mem 128Mi, requests cpu 500m mem 128Mi", time.Second},
		{0, 3 * time.Second, "limits cpu 1500m mem 128Mi, requests cpu 1500m mem 128Mi", 2 * time.Second},
		{0, 6 * time.Second, "limits cpu 1500m mem 256Mi, requests cpu 1500m mem 256Mi", 0},
		{1, 6 * time.Second, "limits cpu 1500m mem 256Mi, requests cpu 250m mem 256Mi", 0},
	} {
		got, next := Resized(&vs[tt.v], resizes, tt.elapsed)
		if text(got) != tt.want || next != tt.wantNext {
			t.Errorf("variant %d at %s: got %s, next %s; want %s, next %s", tt.v, tt.elapsed, text(got), next, tt.want, tt.wantNext)
		}
	}
}

// TestAppServerPod: the app scenario's server pod runs your image, with a
// spec.pod sidecar still the lab's (your image has no `sidecar` command),
// and a deadline that allows readyTimeout before the warmup.
func TestAppServerPod(t *testing.T) {
	spec := gcSpec()
	spec.Scenario = labv1.ScenarioSpec{App: &labv1.AppScenario{Image: ptr.To("acme/orders:1"), ReadyTimeout: &metav1.Duration{Duration: 90 * time.Second}}}
	spec.Pod = &labv1.PodShape{Sidecar: &labv1.Sidecar{CPU: resource.MustParse("100m")}}
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "lab"}, Spec: spec}
	vs, err := Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	pod, err := Pod(exp, Run{Variant: &vs[0]}, 1, RoleServer, PodOptions{DefaultImage: "w:1"})
	if err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "acme/orders:1" || c.Args != nil || c.Ports[0].ContainerPort != 8080 || pod.Spec.InitContainers[0].Image != "w:1" {
		t.Errorf("server %s %q port %d, sidecar image %s: want your image without args on 8080 beside the lab's sidecar",
			c.Image, c.Args, c.Ports[0].ContainerPort, pod.Spec.InitContainers[0].Image)
	}
	srv, _ := Invocation(exp, Run{Variant: &vs[0]}, RoleServer, InvocationOptions{})
	if got, plain := Deadline(&srv), srv.Warmup+srv.Duration+DeadlineGrace(&srv); got-plain != 90*time.Second {
		t.Errorf("deadline %s, want %s plus readyTimeout 90s", got, plain)
	}
	if err := CheckCluster(&exp.Spec, vs); err != nil {
		t.Errorf("CheckCluster: %v", err)
	}
	exp.Spec.Scenario.App.Image = nil
	if err := CheckCluster(&exp.Spec, vs); err != nil {
		t.Errorf("CheckCluster read the variants' parameters, not the spec: %v", err)
	}
	vs, _ = Variants(&exp.Spec)
	if err := CheckCluster(&exp.Spec, vs); err == nil || !strings.Contains(err.Error(), "spec.scenario.app.image") {
		t.Errorf("CheckCluster without an image: %v, want the field named", err)
	}
}
