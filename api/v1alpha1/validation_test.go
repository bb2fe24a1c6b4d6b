package v1alpha1_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

var k8s client.Client

// TestMain starts one real API server with the CRD for the package.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier: no API server (the tests skip)
	}
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme := runtime.NewScheme()
	if err := labv1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	k8s, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}

// experiment parses a YAML spec into an Experiment named name.
func experiment(t *testing.T, name, spec string) *labv1.Experiment {
	t.Helper()
	doc := fmt.Sprintf("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata:\n  name: %s\n  namespace: default\nspec:\n%s", name, indent(spec))
	var e labv1.Experiment
	if err := yaml.UnmarshalStrict([]byte(doc), &e); err != nil {
		t.Fatalf("test YAML: %v\n%s", err, doc)
	}
	return &e
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

const validSpec = `
scenario:
  gc:
    liveHeap: 128Mi
    pointerDensity: 0.5
matrix:
  cpu:
  - limit: 500m
  - request: 500m
    limit: "1"
  memory:
  - limit: 256Mi
  gomaxprocs: ["auto", "2"]
  gogc: ["50", "off"]
  gomemlimit: ["none", "200Mi", "90%"]
duration: 20s
warmup: 2s
repetitions: 3
objective:
  metric: gc-cpu-frac
  constraints:
  - metric: pause-p99-s
    max: 0.005
`

func TestValidExperimentIsAcceptedWithDefaults(t *testing.T) {
	testenv.NeedAPIServer(t)
	ctx := context.Background()
	e := experiment(t, "valid", validSpec)
	if err := k8s.Create(ctx, e); err != nil {
		t.Fatalf("create a valid Experiment: %v", err)
	}
	var got labv1.Experiment
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(e), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Parallelism != 1 || got.Spec.Isolation != labv1.IsolationSequential || got.Spec.Objective.PreferCheapest == nil || !*got.Spec.Objective.PreferCheapest {
		t.Errorf("defaults: got parallelism %d isolation %q preferCheapest %v, want 1, Sequential, true",
			got.Spec.Parallelism, got.Spec.Isolation, got.Spec.Objective.PreferCheapest)
	}
	if name := got.Spec.Scenario.Name(); name != "gc" {
		t.Errorf("Scenario.Name(): got %q, want gc", name)
	}
	if p := got.Spec.Scenario.Params(); p["liveHeap"] != "128Mi" || p["pointerDensity"] != "0.5" || len(p) != 2 {
		t.Errorf("Scenario.Params(): got %v, want liveHeap=128Mi pointerDensity=0.5 only", p)
	}
}

// TestSpecIsImmutable: re-running is a new Experiment.
func TestSpecIsImmutable(t *testing.T) {
	testenv.NeedAPIServer(t)
	ctx := context.Background()
	e := experiment(t, "immutable", validSpec)
	if err := k8s.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	e.Spec.Repetitions = 5
	err := k8s.Update(ctx, e)
	if err == nil || !strings.Contains(err.Error(), "spec is immutable: create a new Experiment to run again") {
		t.Errorf("update of spec: got %v, want the immutability message", err)
	}
}

// TestMalformedExperimentsAreRejected: the API server refuses each with a
// message that names the field and says what to do.
func TestMalformedExperimentsAreRejected(t *testing.T) {
	testenv.NeedAPIServer(t)
	tests := []struct {
		name string
		spec string
		want []string // every substring must appear
	}{
		{"no scenario", "scenario: {}\n", []string{"spec.scenario", "set exactly one scenario block"}},
		{"two scenarios", "scenario:\n  gc: {}\n  alloc: {}\n", []string{"spec.scenario", "set exactly one scenario block"}},
		{"unknown scenario field", "scenario:\n  gc:\n    heapSize: 1Mi\n", []string{"heapSize"}},
		{"int below minimum", "scenario:\n  scheduler:\n    goroutines: 0\n", []string{"spec.scenario.scheduler.goroutines", "should be greater than or equal to 1"}},
		{"float above maximum", "scenario:\n  gc:\n    pointerDensity: 1.5\n", []string{"spec.scenario.gc.pointerDensity", "should be less than or equal to 1"}},
		{"bytes out of range", "scenario:\n  gc:\n    liveHeap: 100Gi\n", []string{"spec.scenario.gc.liveHeap", "liveHeap must be a quantity of bytes from 1Mi to 64Gi"}},
		{"duration out of range", "scenario:\n  scheduler:\n    work: 2s\n", []string{"spec.scenario.scheduler.work", "work must be a duration from 1us to 100ms"}},
		{"enum", "scenario:\n  service:\n    leakKind: fd\n", []string{"spec.scenario.service.leakKind", `Unsupported value: "fd"`}},
		{"app without image or binary", "scenario:\n  app:\n    port: 9000\n", []string{"spec.scenario.app: set image"}},
		{"app param set without image or binary", "scenario:\n  app:\n    port: 9000\nmatrix:\n  paramSets:\n  - name: a\n    scenario:\n      app:\n        image: acme/x:1\n  - name: b\n    scenario:\n      app:\n        port: 9001\n", []string{"spec.scenario.app: set image"}},
		{"app args with a shell", "scenario:\n  app:\n    image: acme/orders:1\n    args: \"-x; rm -rf /\"\n", []string{"spec.scenario.app.args", "should match"}},
		{"app binary leaving its directory", "scenario:\n  app:\n    binary: /opt/../etc/passwd\n", []string{"spec.scenario.app.binary", "should match"}},
		{"app path with a newline", "scenario:\n  app:\n    image: acme/orders:1\n    paths: \"/a\\n/b\"\n", []string{"spec.scenario.app.paths", "should match"}},
		{"app image with a space", "scenario:\n  app:\n    image: \"acme/orders 1\"\n", []string{"spec.scenario.app.image", "should match"}},
		{"empty pod shape", "scenario:\n  gc: {}\npod: {}\n", []string{"spec.pod: set limits, a sidecar, or both"}},
		{"empty pod limits", "scenario:\n  gc: {}\npod:\n  limits: {}\n", []string{"spec.pod.limits: set cpu, memory or both"}},
		{"pod cpu below the smallest quota", "scenario:\n  gc: {}\npod:\n  limits:\n    cpu: 5m\n", []string{"spec.pod.limits.cpu must be between 10m"}},
		{"pod memory not a quantity", "scenario:\n  gc: {}\npod:\n  limits:\n    memory: lots\n", []string{"spec.pod.limits.memory must be a quantity of at least 32Mi"}},
		{"sidecar without cpu", "scenario:\n  gc: {}\npod:\n  sidecar:\n    memory: 64Mi\n", []string{"spec.pod.sidecar.cpu", "Required value"}},
		{"sidecar memory too large", "scenario:\n  gc: {}\npod:\n  sidecar:\n    cpu: 500m\n    memory: 100Gi\n", []string{"spec.pod.sidecar.memory must be a quantity from 0 to 64Gi"}},
		{"container cpu limit above the pod's", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - limit: 2\npod:\n  limits:\n    cpu: 1\n", []string{"spec.matrix.cpu: a container's cpu limit must not exceed spec.pod.limits.cpu"}},
		{"container memory limit above the pod's", "scenario:\n  gc: {}\nmatrix:\n  memory:\n  - limit: 512Mi\npod:\n  limits:\n    memory: 256Mi\n", []string{"spec.matrix.memory: a container's memory limit must not exceed spec.pod.limits.memory"}},
		{"resize with nothing to change", "scenario:\n  gc: {}\nresizes:\n- after: 1s\n", []string{"spec.resizes[]: set cpu, memory or both"}},
		{"cpu resize without a cpu limit", "scenario:\n  gc: {}\nresizes:\n- after: 1s\n  cpu: 1\n", []string{"spec.resizes: a CPU resize needs a cpu limit in every spec.matrix.cpu entry"}},
		{"memory resize without a memory limit", "scenario:\n  gc: {}\nmatrix:\n  memory:\n  - {}\nresizes:\n- after: 1s\n  memory: 64Mi\n", []string{"spec.resizes: a memory resize needs a memory limit"}},
		{"resize after the window", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - limit: 500m\nduration: 10s\nresizes:\n- after: 10s\n  cpu: 1\n", []string{"spec.resizes[].after must fall inside the measured window"}},
		{"resize to a tiny cpu", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - limit: 500m\nresizes:\n- after: 1s\n  cpu: 1m\n", []string{"spec.resizes[].cpu must be between 10m and 1000"}},
		{"resize memory not a quantity", "scenario:\n  gc: {}\nresizes:\n- after: 1s\n  memory: big\n", []string{"spec.resizes[].memory must be a quantity of at least 32Mi"}},
		{"warmup not below duration", "scenario:\n  gc: {}\nduration: 10s\nwarmup: 10s\n", []string{"spec.warmup must be shorter than spec.duration"}},
		{"duration too short", "scenario:\n  gc: {}\nduration: 100ms\nwarmup: 0s\n", []string{"spec.duration", "spec.duration must be between 1s and 24h"}},
		{"too many runs", "scenario:\n  gc: {}\nrepetitions: 50\nmatrix:\n  gogc: [\"25\",\"50\",\"100\",\"200\",\"400\"]\n  gomaxprocs: [\"1\",\"2\",\"4\",\"8\",\"auto\"]\n",
			[]string{"spec.matrix", "more than 1000 runs"}},
		{"repetitions zero", "scenario:\n  gc: {}\nrepetitions: 0\n", []string{"spec.repetitions", "should be greater than or equal to 1"}},
		{"gomaxprocs word", "scenario:\n  gc: {}\nmatrix:\n  gomaxprocs: [\"many\"]\n", []string{"spec.matrix.gomaxprocs[0]", "should match"}},
		{"gogc negative", "scenario:\n  gc: {}\nmatrix:\n  gogc: [\"-1\"]\n", []string{"spec.matrix.gogc[0]", "should match"}},
		{"gomemlimit above memory limit", "scenario:\n  gc: {}\nmatrix:\n  memory:\n  - limit: 256Mi\n  - limit: 1Gi\n  gomemlimit: [\"512Mi\"]\n",
			[]string{"spec.matrix.gomemlimit: a GOMEMLIMIT quantity must be below the smallest memory limit"}},
		{"gomemlimit bad percent", "scenario:\n  gc: {}\nmatrix:\n  gomemlimit: [\"150%\"]\n", []string{"spec.matrix.gomemlimit[0]", "should match"}},
		{"cpu request above limit", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - request: \"2\"\n    limit: 500m\n", []string{"spec.matrix.cpu[0]", "cpu request must not exceed the cpu limit"}},
		{"pinned without selector", "scenario:\n  gc: {}\nisolation: Pinned\n", []string{"spec.nodeSelector: isolation Pinned needs a nodeSelector"}},
		{"isolation unknown", "scenario:\n  gc: {}\nisolation: Anywhere\n", []string{"spec.isolation", `Unsupported value: "Anywhere"`}},
		{"constraint without bound", "scenario:\n  gc: {}\nobjective:\n  metric: gc/s\n  constraints:\n  - metric: pause-p99-s\n", []string{"spec.objective.constraints[0]", "a constraint needs max or min"}},
		{"pyroscope not a URL", "scenario:\n  gc: {}\npyroscope:\n  serverAddress: pyroscope:4040\n", []string{"spec.pyroscope.serverAddress", "an http:// or https:// URL"}},
		{"godebug with a newline", "scenario:\n  gc: {}\nmatrix:\n  godebug: [\"gctrace=0\\nBenchmarkX 1 1 ns/op\"]\n", []string{"spec.matrix.godebug[0]", "comma-separated name=value settings"}},
		{"godebug with a terminal escape", "scenario:\n  gc: {}\nmatrix:\n  godebug: [\"gctrace=\\u001b[2J\"]\n", []string{"spec.matrix.godebug[0]", "no spaces or control characters"}},
		{"image with a space", "scenario:\n  gc: {}\nmatrix:\n  images: [\"w:1 --privileged\"]\n", []string{"spec.matrix.images[0]", "an image is a reference"}},
		{"spec image with a newline", "scenario:\n  gc: {}\nimage: \"w:1\\nx\"\n", []string{"spec.image", "image is a reference"}},
		{"cpu limit below 10m", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - limit: 1m\n", []string{"spec.matrix.cpu[0]", "cpu limit must be at least 10m"}},
		{"cpu limit below a milli-CPU", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - limit: \"0.0001\"\n", []string{"spec.matrix.cpu[0]", "cpu limit must be at least 10m"}},
		{"cpu request negative", "scenario:\n  gc: {}\nmatrix:\n  cpu:\n  - request: \"-1\"\n", []string{"spec.matrix.cpu[0]", "cpu request must not be negative"}},
		{"memory request negative", "scenario:\n  gc: {}\nmatrix:\n  memory:\n  - request: \"-1Mi\"\n", []string{"spec.matrix.memory[0].request", "at least 0"}},
		{"memory limit too small to start", "scenario:\n  gc: {}\nmatrix:\n  memory:\n  - limit: 4Mi\n", []string{"spec.matrix.memory[0].limit", "at least 32Mi"}},
		{"gomemlimit percent without a memory limit", "scenario:\n  gc: {}\nmatrix:\n  gomemlimit: [\"90%\"]\n", []string{"spec.matrix.gomemlimit: a percentage such as 90% needs a memory limit"}},
		{"frameBytes not a power of two", "scenario:\n  stack:\n    frameBytes: \"100\"\n", []string{"spec.scenario.stack.frameBytes", "frameBytes must be a power of two from 64 to 64Ki"}},
		{"objective metric of another scenario", "scenario:\n  scheduler: {}\nobjective:\n  metric: lat-p99-s\n", []string{"spec.objective.metric: lat-p99-s is not a figure of the scenario", "scheduler: tasks/s"}},
		{"constraint metric of another scenario", "scenario:\n  gc: {}\nobjective:\n  metric: gc/s\n  constraints:\n  - metric: tasks/s\n    min: 1\n", []string{"spec.objective.constraints[].metric", "gc: ops/s"}},
		{"pyroscope with a header injection", "scenario:\n  gc: {}\npyroscope:\n  serverAddress: \"http://p:4040/\\r\\nX: 1\"\n", []string{"spec.pyroscope.serverAddress", "without spaces or control characters"}},
		{"param set bad name", "scenario:\n  gc: {}\nmatrix:\n  paramSets:\n  - name: Big_Heap\n    scenario:\n      gc:\n        liveHeap: 1Gi\n", []string{"spec.matrix.paramSets[0].name", "should match"}},
	}
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := fmt.Sprintf("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata:\n  name: bad-%d\n  namespace: default\nspec:\n%s", i, indent(tt.spec))
			err := createRaw(ctx, doc)
			if err == nil {
				t.Fatalf("got accepted, want rejected with %q", tt.want)
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Fatalf("got %v, want an Invalid error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err.Error(), w)
				}
			}
		})
	}
}

// createRaw creates the object in doc as the user's YAML says it, with
// strict field validation as `kubectl apply` does, so unknown fields fail.
func createRaw(ctx context.Context, doc string) error {
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: obj}
	return k8s.Create(ctx, u, client.FieldValidation("Strict"))
}

// TestPyroscopePatternInCRD: the CRD's rule on serverAddress is
// PyroscopeAddressPattern, which the manager checks its flag with.
func TestPyroscopePatternInCRD(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "lab.runtimelab.io_experiments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "self.matches('"+labv1.PyroscopeAddressPattern+"')") {
		t.Errorf("the CRD's serverAddress rule is not self.matches('%s'): keep the marker and the constant equal", labv1.PyroscopeAddressPattern)
	}
}

// TestPodShapeIsAccepted: a pod-level limit with a sidecar, and container
// limits within it, pass every rule.
func TestPodShapeIsAccepted(t *testing.T) {
	testenv.NeedAPIServer(t)
	doc := "apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata:\n  name: pod-shape\n  namespace: default\nspec:\n" + indent(
		"scenario:\n  scheduler: {}\nmatrix:\n  cpu:\n  - {}\n  - limit: 500m\n  memory:\n  - limit: 128Mi\n  gomaxprocs: [auto, \"1\"]\n"+
			"pod:\n  limits:\n    cpu: 1\n    memory: 256Mi\n  sidecar:\n    cpu: 500m\n    memory: 64Mi\n")
	if err := createRaw(context.Background(), doc); err != nil {
		t.Fatalf("got %v, want accepted", err)
	}
}
