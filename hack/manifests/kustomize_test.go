package manifests

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/validate"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// kustomizeNS is config/default's namespace.
const kustomizeNS = "runtimelab-system"

// TestKustomizeDefault builds config/default as `kubectl apply -k` does and
// checks the result against a real API server: every object is accepted by
// a server-side dry-run apply, the operator's pod is admitted under Pod
// Security "restricted", and its service account has exactly the access
// it needs.
func TestKustomizeDefault(t *testing.T) {
	ctx := context5m(t)
	objs, err := Kustomize(filepath.Join(root, "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"Namespace": 1, "CustomResourceDefinition": 1, "ServiceAccount": 1, "ClusterRole": 4, "ClusterRoleBinding": 1,
		"Role": 1, "RoleBinding": 1, "Service": 1, "Deployment": 1,
	}
	if got := Kinds(objs); !maps.Equal(got, want) {
		t.Errorf("kinds: got %v, want %v", got, want)
	}
	for _, o := range objs {
		if o.GetLabels()["app.kubernetes.io/name"] != "runtime-lab" {
			t.Errorf("%s: got labels %v, want app.kubernetes.io/name=runtime-lab", id(o), o.GetLabels())
		}
		if ns := o.GetNamespace(); ns != "" && ns != kustomizeNS {
			t.Errorf("%s: got namespace %q, want %q", id(o), ns, kustomizeNS)
		}
	}
	dep := Find(objs, "Deployment", "runtimelab-operator")
	svc := Find(objs, "Service", "runtimelab-operator-metrics")
	if dep == nil || svc == nil {
		t.Fatalf("got no Deployment runtimelab-operator or Service runtimelab-operator-metrics in %d objects", len(objs))
	}
	if got, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers"); len(got) != 1 ||
		got[0].(map[string]any)["image"] != "runtime-lab/operator:dev" {
		t.Errorf("operator container: got %v, want one with image runtime-lab/operator:dev", got)
	}
	checkServiceSelectsDeployment(t, svc, dep, "https", 8443)
	if got := svc.GetLabels()["control-plane"]; got != "runtimelab-operator" {
		t.Errorf("%s: got label control-plane=%q, want runtimelab-operator (config/prometheus's ServiceMonitor selects it)", id(svc), got)
	}

	// The namespace is created for real, so that its Pod Security label is
	// enforced and namespaced objects have somewhere to go.
	createForReal(t, ctx, Find(objs, "Namespace", kustomizeNS))
	applyAll(t, ctx, objs)
	for _, o := range rbacObjects(objs) {
		createForReal(t, ctx, o)
	}
	checkPodAdmitted(t, ctx, dep)
	checkRBAC(t, ctx, kustomizeNS, "runtimelab-operator", operatorAccess(kustomizeNS))
	checkUserRoles(t, ctx, objs, "runtimelab-experiment-editor", "runtimelab-experiment-viewer")
}

// checkServiceSelectsDeployment checks that the metrics Service reaches the
// operator's pods on the named port.
func checkServiceSelectsDeployment(t *testing.T, svc, dep *unstructured.Unstructured, portName string, port int64) {
	t.Helper()
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	podLabels, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
	if len(sel) == 0 {
		t.Errorf("%s: got an empty selector", id(svc))
	}
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("%s selects %s=%s: got pod label %q in %s", id(svc), k, v, podLabels[k], id(dep))
		}
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	if len(ports) != 1 {
		t.Fatalf("%s: got %d ports, want 1", id(svc), len(ports))
	}
	p := ports[0].(map[string]any)
	if p["name"] != portName || fmt.Sprint(p["port"]) != fmt.Sprint(port) {
		t.Errorf("%s: got port %v %v, want %s %d", id(svc), p["name"], p["port"], portName, port)
	}
}

// TestSamples checks every Experiment in config/samples (not exercises/)
// and every one the cluster e2e applies (hack/e2e/testdata): offline
// validation as `kubectl lab run --local` does it, planning with the
// memory guard, and the real API server's validation (a dry-run create).
// There is one short sample per scenario, and
// config/samples/kustomization.yaml lists them all.
func TestSamples(t *testing.T) {
	ctx := context5m(t)
	dir := filepath.Join(root, "config", "samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "kustomization.yaml" })
	samples := len(files)
	e2e, err := filepath.Glob(filepath.Join(root, "hack", "e2e", "testdata", "*.yaml"))
	if err != nil || len(e2e) == 0 {
		t.Fatalf("hack/e2e/testdata: got %d Experiments (%v), want the e2e's", len(e2e), err)
	}
	files = append(files, e2e...)
	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	scenarios := map[string]string{}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			exp, err := v.Decode(ctx, data)
			if err != nil {
				t.Fatalf("offline validation: %v", err)
			}
			// Planned as both executors plan it, memory guard included
			// (a node of 8 GiB: the samples are for small clusters too).
			p, err := plan.New(&exp.Spec, 8<<30)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			variants := p.Variants
			name := exp.Spec.Scenario.Name()
			if exp.Name == name+"-sample" {
				scenarios[name] = filepath.Base(f)
				runs := len(variants) * int(exp.Spec.Repetitions)
				if len(variants) != 2 || runs != 2 || exp.Spec.Duration.Duration > 10*time.Second {
					t.Errorf("got %d variants, %d runs of %s, want a short sample: 2 variants, 2 runs of at most 10s",
						len(variants), runs, exp.Spec.Duration.Duration)
				}
			}
			objs, err := Decode(data)
			if err != nil || len(objs) != 1 {
				t.Fatalf("got %d objects (%v), want one Experiment", len(objs), err)
			}
			objs[0].SetNamespace("default")
			if err := k8s.Create(ctx, objs[0], client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				t.Errorf("API server validation (dry-run create): %v", err)
			}
		})
	}
	for _, s := range catalog.Names() {
		if _, ok := scenarios[s]; !ok {
			t.Errorf("scenario %s: got no config/samples/%s.yaml with an Experiment %s-sample", s, s, s)
		}
	}
	listed, err := Kustomize(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != samples {
		var names []string
		for _, o := range listed {
			names = append(names, o.GetName())
		}
		t.Errorf("config/samples/kustomization.yaml: got %d Experiments (%s), want all %d sample files",
			len(listed), strings.Join(names, ", "), samples)
	}
}
