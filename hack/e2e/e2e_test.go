//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/exercises"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

const (
	release      = "runtime-lab"
	operatorNS   = "runtimelab-system"
	namespace    = "rlab-e2e"
	operatorTag  = "runtime-lab/operator:dev"
	workloadTag  = "runtime-lab/workload:dev"
	waitBudget   = 8 * time.Minute
	promJob      = "runtimelab-pods"
	promDeadline = 60 * time.Second
)

// cluster is what the phases share.
type cluster struct {
	root       string
	kubeconfig string
	kubectl    string
	helm       string
}

func TestE2E(t *testing.T) {
	start := time.Now()
	c := &cluster{root: repoRoot(t)}
	keep := os.Getenv("RUNTIMELAB_E2E_KEEP") == "1"
	lockMachine(t)

	phase(t, "images (make images)", func() { c.run(t, "make", "images") })
	// The plugin, found by kubectl on PATH as users install it: the
	// Experiments are awaited with `kubectl lab watch`.
	phase(t, "kubectl lab", func() {
		bin := t.TempDir()
		c.run(t, "go", "build", "-o", filepath.Join(bin, "kubectl-lab"), "./operator/cmd/kubectl-lab")
		c.run(t, "cp", "hack/dist/kubectl_complete-lab", bin)
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	})
	c.helm = helmPath(t, c.root)
	// Registered before up, so that a cluster that came up halfway goes too.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the cluster's daemon logs are in /var/lib/runtime-lab-dev/logs")
		}
		if keep {
			t.Logf("RUNTIMELAB_E2E_KEEP=1: the cluster stays up; KUBECONFIG=%s; stop it with hack/dev-cluster/dev-cluster.sh down", c.kubeconfig)
			return
		}
		phase(t, "teardown", func() {
			if c.kubeconfig != "" {
				c.try(t, c.helm, "uninstall", release, "--namespace", operatorNS, "--kubeconfig", c.kubeconfig, "--wait", "--timeout", "60s")
			}
			c.run(t, "hack/dev-cluster/dev-cluster.sh", "down")
		})
		t.Logf("total %s", time.Since(start).Round(time.Second))
	})
	phase(t, "dev cluster up", func() {
		out := c.run(t, "hack/dev-cluster/dev-cluster.sh", "up")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		c.kubectl = strings.TrimSpace(c.run(t, "hack/k8s-bin.sh", "kubectl")) + "/kubectl"
		c.kubeconfig = lines[len(lines)-1]
	})

	phase(t, "helm install", func() { c.installOperator(t) })
	// The chart's own test: a tiny Experiment through the installed
	// operator, as a user checks an install.
	phase(t, "helm test", func() {
		out, err := c.exec("", c.helm, "test", release, "--kubeconfig", c.kubeconfig, "--namespace", operatorNS, "--logs", "--timeout", "6m")
		if err != nil {
			t.Errorf("helm test: %v\n%s\n%s", err, tail(out, 4000), c.diagnose("pod/"+release+"-test"))
			return
		}
		t.Logf("helm test:\n%s", tail(out, 2000))
	})
	phase(t, "namespace", func() { c.restrictedNamespace(t) })
	prom := startPrometheus(t, c)

	var exps map[string]*labv1.Experiment
	phase(t, "experiments", func() { exps = c.runExperiments(t) })

	t.Run("every run has a summary", func(t *testing.T) {
		for name, e := range exps {
			if len(e.Status.Variants) == 0 {
				t.Errorf("%s: got no variants in status, want its runs", name)
			}
			for _, v := range e.Status.Variants {
				for _, r := range v.Runs {
					if r.Summary == nil {
						t.Errorf("%s %s run %d (%s, %s): got no summary", name, v.Name, r.Index, r.Outcome, r.Reason)
					}
				}
			}
		}
	})
	t.Run("GOMAXPROCS above the CPU limit is throttled", func(t *testing.T) {
		r := findRun(t, exps["e2e-scheduler"], func(k labv1.Knobs) bool { return k.GOMAXPROCS == "2" && k.CPULimit == "500m" })
		if r == nil || r.Summary == nil {
			return
		}
		if r.Outcome != labv1.OutcomeCompleted {
			t.Errorf("outcome: got %s (%s), want %s", r.Outcome, r.Reason, labv1.OutcomeCompleted)
		}
		if got := r.Summary.Figures[aggregate.FigureThrottled]; got <= 0 {
			t.Errorf("%s: got %v, want > 0 (figures %v)", aggregate.FigureThrottled, got, r.Summary.Figures)
		}
		if got := r.Summary.GOMAXPROCS; got != 2 {
			t.Errorf("gomaxprocs: got %d, want 2", got)
		}
	})
	t.Run("a heap past the memory limit is OOMKilled with a partial summary", func(t *testing.T) {
		r := findRun(t, exps["e2e-memlimit"], func(k labv1.Knobs) bool {
			return k.MemoryLimit == "128Mi" && (k.GOMEMLIMIT == "" || k.GOMEMLIMIT == "none")
		})
		if r == nil {
			return
		}
		if r.Outcome != labv1.OutcomeOOMKilled {
			t.Errorf("outcome: got %s (%s), want %s", r.Outcome, r.Reason, labv1.OutcomeOOMKilled)
		}
		if r.Summary == nil || !r.Summary.Partial {
			t.Errorf("summary: got %+v, want a partial one", r.Summary)
		}
	})
	t.Run("the service's load generator runs in its own pod", func(t *testing.T) { c.checkService(t, exps["e2e-service"]) })
	t.Run("your own service runs as the app scenario's server", func(t *testing.T) { checkApp(t, exps["e2e-app"]) })
	t.Run("a pod-level limit with a sidecar runs on a real kubelet", func(t *testing.T) { c.checkPodShape(t, exps["e2e-podshape"]) })
	t.Run("an in-place resize reaches the running workload", func(t *testing.T) { c.checkResize(t, exps["e2e-resize"]) })
	t.Run("Prometheus on the host scraped the run pods", func(t *testing.T) { prom.check(t) })
	t.Run("a namespace's edit and view roles carry Experiment rights", func(t *testing.T) { c.checkUserRoles(t) })
	t.Run("exercise 1: GOMAXPROCS against the CPU limit", func(t *testing.T) {
		e := exps["ex01-gomaxprocs-cpu-limit-short"]
		if e == nil {
			t.Fatal("exercise 1's Experiment is missing")
		}
		if n := exercises.CheckGOMAXPROCS(t, e, runtime.NumCPU()); n == 0 {
			t.Logf("no variant above the quota got its CPU (a busy node): the throttling checks were not made")
		}
	})
	t.Run("exercise 2: a memory limit without and with GOMEMLIMIT", func(t *testing.T) {
		e := exps["ex02-gomemlimit-short"]
		if e == nil {
			t.Fatal("exercise 2's Experiment is missing")
		}
		exercises.CheckGOMEMLIMIT(t, e)
	})
}

// checkUserRoles binds the cluster's default edit and view ClusterRoles in
// the test namespace and asks the authorizer (kubectl auth can-i --as)
// what each may do with Experiments: the chart's user ClusterRoles reach
// them only through the controller manager's aggregation, which envtest
// (hack/manifests checks the roles' own rules) does not run.
func (c *cluster) checkUserRoles(t *testing.T) {
	for _, b := range []struct{ role, sa string }{{"edit", "e2e-editor"}, {"view", "e2e-viewer"}} {
		c.try(t, c.kubectl, "--kubeconfig", c.kubeconfig, "-n", namespace, "delete", "rolebinding", b.sa, "--ignore-not-found")
		c.kctl(t, "-n", namespace, "create", "rolebinding", b.sa, "--clusterrole="+b.role, "--serviceaccount="+namespace+":"+b.sa)
	}
	const exps = "experiments.lab.runtimelab.io"
	for _, q := range []struct {
		sa, verb, subresource string
		want                  bool
	}{
		{"e2e-editor", "create", "", true},
		{"e2e-editor", "delete", "", true},
		{"e2e-editor", "patch", "status", false},
		{"e2e-viewer", "list", "", true},
		{"e2e-viewer", "get", "status", true},
		{"e2e-viewer", "create", "", false},
	} {
		as := "system:serviceaccount:" + namespace + ":" + q.sa
		var got string
		// The aggregation controller and the authorizer's informers take
		// a moment after install and binding.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
			out, _ := c.kubectlErr("-n", namespace, "auth", "can-i", q.verb, exps, "--subresource="+q.subresource, "--as", as)
			got = strings.TrimSpace(out)
			if (got == "yes") == q.want || time.Now().After(deadline) {
				break
			}
		}
		if (got == "yes") != q.want {
			t.Errorf("kubectl auth can-i %s %s --subresource=%q --as %s: got %q, want yes=%v", q.verb, exps, q.subresource, as, got, q.want)
		}
	}
}

// exerciseSamples are the exercises the e2e runs, by sample file name.
var exerciseSamples = []string{"01-gomaxprocs-cpu-limit-short", "02-gomemlimit-short"}

// installOperator installs the chart with the dev images. The operator
// image's digest goes into a pod annotation, so a rebuilt image rolls the
// Deployment even though its tag stays "dev".
func (c *cluster) installOperator(t *testing.T) {
	img, err := tarball.ImageFromPath(filepath.Join(c.root, "dist/operator.tar"), nil)
	if err != nil {
		t.Fatalf("read dist/operator.tar: %v", err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	repo, tag, _ := strings.Cut(operatorTag, ":")
	c.run(t, c.helm, "upgrade", "--install", release, "charts/runtime-lab",
		"--kubeconfig", c.kubeconfig, "--namespace", operatorNS, "--create-namespace",
		"--set", "image.repository="+repo, "--set", "image.tag="+tag, "--set", "image.pullPolicy=Never",
		"--set", "workloadImage="+workloadTag,
		"--set-string", `podAnnotations.runtimelab\.io/image-digest=`+digest.Hex[:16],
		"--wait", "--timeout", "3m")
	if _, err := c.kubectlErr("-n", operatorNS, "rollout", "status", "deployment/"+release, "--timeout=120s"); err != nil {
		t.Fatalf("operator Deployment not available: %v\n%s", err, c.diagnose("deployment/"+release))
	}
}

// restrictedNamespace makes a fresh namespace that enforces the Pod
// Security "restricted" profile: the run pods must pass it to exist at all.
func (c *cluster) restrictedNamespace(t *testing.T) {
	c.try(t, c.kubectl, "--kubeconfig", c.kubeconfig, "delete", "namespace", namespace, "--ignore-not-found", "--wait", "--timeout=120s")
	c.kctl(t, "create", "namespace", namespace)
	c.kctl(t, "label", "namespace", namespace,
		"pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=latest",
		"pod-security.kubernetes.io/warn=restricted", "pod-security.kubernetes.io/audit=restricted")
	// The admission check itself: a pod that is not restricted is refused.
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"not-restricted"},"spec":{"containers":[{"name":"c","image":"` + workloadTag + `"}]}}`
	out, err := c.kubectlIn(pod, "-n", namespace, "apply", "--dry-run=server", "-f", "-")
	if err == nil || !strings.Contains(out, "restricted") {
		t.Fatalf("a pod without a restricted security context: got %v (%s), want it refused by Pod Security", err, out)
	}
}

// aloneOnTheNode are the testdata files that run after all others.
var aloneOnTheNode = map[string]bool{"resize.yaml": true}

// applyAndWait applies files and waits, until deadline, for each of their
// Experiments to be Complete; it returns their names.
func (c *cluster) applyAndWait(t *testing.T, files []string, deadline time.Time) []string {
	var names []string
	for _, f := range files {
		out := c.kctl(t, "-n", namespace, "apply", "-f", f, "-o", "name")
		_, name, _ := strings.Cut(strings.TrimSpace(out), "/")
		names = append(names, name)
	}
	for _, n := range names {
		wstart := time.Now()
		left := max(time.Until(deadline), time.Second)
		// Exit 0 only when it completes; it ends at once when it fails.
		out, err := c.exec("", c.kubectl, "lab", "watch", n, "-n", namespace, "--kubeconfig", c.kubeconfig,
			"--timeout", left.Round(time.Second).String())
		if err != nil {
			t.Errorf("%s: kubectl lab watch: %v\n%s\n%s", n, err, out, c.diagnose("experiment/"+n))
			continue
		}
		t.Logf("%s Complete (waited %s)\n%s", n, time.Since(wstart).Round(100*time.Millisecond), out)
	}
	return names
}

// runExperiments applies every testdata Experiment and waits for each to
// be Complete; it returns them as they are then.
func (c *cluster) runExperiments(t *testing.T) map[string]*labv1.Experiment {
	files, err := filepath.Glob(filepath.Join(c.root, "hack/e2e/testdata/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: got %v, %v; want Experiment files", files, err)
	}
	// Exercises 1 and 2 (docs/exercises) on a real kubelet, as users run them.
	for _, ex := range exerciseSamples {
		files = append(files, filepath.Join(c.root, "config/samples/exercises", ex+".yaml"))
	}
	// An in-place resize to more CPU needs room on the node: the kubelet
	// defers it (OutOfcpu) while the other Experiments' pods hold their
	// requests. It runs alone, after them.
	var first, alone []string
	for _, f := range files {
		if aloneOnTheNode[filepath.Base(f)] {
			alone = append(alone, f)
		} else {
			first = append(first, f)
		}
	}
	deadline := time.Now().Add(waitBudget)
	names := c.applyAndWait(t, first, deadline)
	// kubectl completes the plugin's arguments through
	// kubectl_complete-lab: the Experiments' names, from the cluster.
	if out, err := c.exec("", c.kubectl, "__complete", "lab", "watch", "-n", namespace, "--kubeconfig", c.kubeconfig, ""); err != nil ||
		!strings.Contains(out, names[0]+"\n") {
		t.Errorf("kubectl __complete lab watch: got %v\n%s\nwant the Experiments' names, %s among them", err, out, names[0])
	}
	c.applyAndWait(t, alone, deadline)
	var list labv1.ExperimentList
	decode(t, c.kctl(t, "-n", namespace, "get", "experiments", "-o", "json"), &list)
	exps := map[string]*labv1.Experiment{}
	for i := range list.Items {
		e := &list.Items[i]
		exps[e.Name] = e
		t.Logf("%s: phase %s, progress %s, runs %+v", e.Name, e.Status.Phase, e.Status.Progress, e.Status.Runs)
	}
	return exps
}

// checkApp asserts that each run of the test service (not a lab scenario)
// completed with the figures the load generator read from its /metrics —
// its own GOMAXPROCS, its GC, its process's CPU — and says the container
// figures, in another pod's cgroup, are missing rather than reporting
// zeros.
func checkApp(t *testing.T, e *labv1.Experiment) {
	if e == nil || len(e.Status.Variants) != 2 {
		t.Fatalf("e2e-app: got %+v, want two variants", e)
	}
	for _, v := range e.Status.Variants {
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
				t.Errorf("%s: got %s (%s), want Completed with a summary", v.Name, r.Outcome, r.Reason)
				continue
			}
			f := r.Summary.Figures
			_, throttled := f[aggregate.FigureThrottled]
			_, gc := f["gc/s"]
			if r.Summary.GOMAXPROCS != 1 || !gc || f["lat-p99-s"] <= 0 || f[aggregate.FigureCores] <= 0 || throttled ||
				!slices.Equal(r.Summary.Missing, []string{result.MissingContainer}) {
				t.Errorf("%s: GOMAXPROCS %d, figures %v, missing %v; want the service's GOMAXPROCS 1, gc/s, latency, its process CPU, no throttling figure, and container missing",
					v.Name, r.Summary.GOMAXPROCS, f, r.Summary.Missing)
			}
		}
	}
	if e.Status.Recommendation == nil {
		t.Errorf("e2e-app: no recommendation")
	}
}

// checkService asserts that the service run had a server pod and a
// separate load-generator pod aimed at the server's pod IP.
func (c *cluster) checkService(t *testing.T, e *labv1.Experiment) {
	r := findRun(t, e, func(labv1.Knobs) bool { return true })
	if r == nil {
		return
	}
	if r.Outcome != labv1.OutcomeCompleted {
		t.Errorf("outcome: got %s (%s), want %s", r.Outcome, r.Reason, labv1.OutcomeCompleted)
	}
	if r.Summary == nil || r.Summary.Figures["req/s"] <= 0 {
		t.Errorf("summary: got %+v, want req/s > 0 from the load generator", r.Summary)
	}
	var pods corev1.PodList
	decode(t, c.kctl(t, "-n", namespace, "get", "pods", "-l", plan.LabelExperiment+"="+e.Name, "-o", "json"), &pods)
	byRole := map[string]*corev1.Pod{}
	for i := range pods.Items {
		byRole[pods.Items[i].Labels[plan.LabelRole]] = &pods.Items[i]
	}
	srv, lg := byRole[plan.RoleServer], byRole[plan.RoleLoadgen]
	if srv == nil || lg == nil {
		t.Fatalf("pods by role: got %v, want a %s and a %s pod", slices.Sorted(maps.Keys(byRole)), plan.RoleServer, plan.RoleLoadgen)
	}
	if srv.Name == lg.Name {
		t.Errorf("server and load generator: got one pod %s, want two", srv.Name)
	}
	args := strings.Join(lg.Spec.Containers[0].Args, " ")
	want := fmt.Sprintf("--target %s:%d", srv.Status.PodIP, plan.ServicePort)
	if srv.Status.PodIP == "" || !strings.Contains(args, "--role loadgen") || !strings.Contains(args, want) {
		t.Errorf("load generator args: got %q, want --role loadgen and %q", args, want)
	}
	if lg.Status.Phase != corev1.PodSucceeded {
		t.Errorf("load generator pod %s: got phase %s, want %s", lg.Name, lg.Status.Phase, corev1.PodSucceeded)
	}
}

// checkPodShape asserts that a run under spec.pod ran in a pod with
// pod-level limits and a native sidecar that ran beside the workload, and
// completed although its container read the pod's limits as its own. It
// logs what the workload could see of the hierarchy from inside.
func (c *cluster) checkPodShape(t *testing.T, e *labv1.Experiment) {
	r := findRun(t, e, func(labv1.Knobs) bool { return true })
	if r == nil {
		return
	}
	if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
		t.Fatalf("outcome: got %s (%s), want Completed with a summary", r.Outcome, r.Reason)
	}
	var pod corev1.Pod
	decode(t, c.kctl(t, "-n", namespace, "get", "pod", r.Pod, "-o", "json"), &pod)
	if pod.Spec.Resources == nil || pod.Spec.Resources.Limits.Cpu().String() != "1" {
		t.Errorf("pod %s: spec.resources %+v, want the pod-level cpu limit 1", pod.Name, pod.Spec.Resources)
	}
	ran := false
	for _, s := range pod.Status.InitContainerStatuses {
		if s.Name == plan.SidecarName && (s.State.Terminated != nil || s.State.Running != nil || s.LastTerminationState.Terminated != nil) {
			ran = true
		}
	}
	if !ran {
		t.Errorf("pod %s: the sidecar did not run: %+v", pod.Name, pod.Status.InitContainerStatuses)
	}
	f := r.Summary.Figures
	t.Logf("pod-level cpu 1 with a 500m sidecar on the dev cluster: cores %.2f, throttled-frac %.2f, path-throttled-frac %.2f, cgroups visible %d, flags %v",
		f[aggregate.FigureCores], f[aggregate.FigureThrottled], f[catalog.FigurePathThrottled], r.Summary.CgroupsVisible, r.Summary.Flags)
}

// checkResize asserts that the operator resized the running workload pod
// in place (its resize subresource), that the kubelet applied it to the
// container's cgroup, which the workload saw and split its window at, and
// logs what GOMAXPROCS and GOMEMLIMIT did, from the pod's termination
// message (the workload's own summary) and the run's status.
func (c *cluster) checkResize(t *testing.T, e *labv1.Experiment) {
	r := findRun(t, e, func(labv1.Knobs) bool { return true })
	if r == nil {
		return
	}
	if r.Outcome != labv1.OutcomeCompleted {
		t.Fatalf("outcome: got %s (%s), want Completed", r.Outcome, r.Reason)
	}
	var pod corev1.Pod
	decode(t, c.kctl(t, "-n", namespace, "get", "pod", r.Pod, "-o", "json"), &pod)
	if got := pod.Spec.Containers[0].Resources.Limits.Cpu().String(); got != "1500m" {
		t.Errorf("pod %s: cpu limit %s after the run, want the resize's 1500m", pod.Name, got)
	}
	var msg string
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name == plan.ContainerName && s.State.Terminated != nil {
			msg = s.State.Terminated.Message
		}
	}
	s, err := result.Decode([]byte(msg))
	if err != nil {
		t.Fatalf("pod %s: termination message: %v", pod.Name, err)
	}
	if len(s.Limits) != 2 {
		t.Fatalf("segments %+v, want two: the kubelet applied the resize while the run measured", s.Limits)
	}
	a, b := s.Limits[0], s.Limits[1]
	t.Logf("before: %.2f CPU %d MiB GOMAXPROCS %d, %.2f cores, %.0f%% throttled; the kubelet's change seen %.1f s into the window: %.2f CPU %d MiB, GOMAXPROCS %d (the rule: %d, moved after %.1f s), %.2f cores, %.0f%% throttled; GOMEMLIMIT %d then %d",
		a.CPULimitCores, a.MemoryLimitBytes>>20, a.GOMAXPROCS, a.Cores, 100*a.ThrottledRatio, b.AtS, b.CPULimitCores, b.MemoryLimitBytes>>20,
		b.GOMAXPROCS, b.GOMAXPROCSWant, b.GOMAXPROCSAfterS, b.Cores, 100*b.ThrottledRatio, a.GOMEMLIMIT, b.GOMEMLIMIT)
	if a.CPULimitCores != 0.5 || b.CPULimitCores != 1.5 || b.MemoryLimitBytes != 192<<20 || a.GOMEMLIMIT != b.GOMEMLIMIT {
		t.Errorf("segments %+v, want 0.5 then 1.5 CPU and 192Mi, GOMEMLIMIT unchanged", s.Limits)
	}
	if g := r.Summary.Segments; len(g) != 2 || g[1].CPULimit != 1.5 {
		t.Errorf("the run's status: segments %+v, want the same two", g)
	}
}

// findRun returns the single run of the variant whose knobs match.
func findRun(t *testing.T, e *labv1.Experiment, match func(labv1.Knobs) bool) *labv1.RunStatus {
	t.Helper()
	if e == nil {
		t.Errorf("the Experiment is missing")
		return nil
	}
	for _, v := range e.Status.Variants {
		if match(v.Knobs) && len(v.Runs) > 0 {
			return &v.Runs[0]
		}
	}
	t.Errorf("%s: got variants %+v, want one with the knobs asked for and a run", e.Name, e.Status.Variants)
	return nil
}

// --- Prometheus ------------------------------------------------------------

type prometheus struct {
	addr string
	cmd  *exec.Cmd
}

// startPrometheus runs Prometheus on 127.0.0.1, discovering the run pods
// through the dev cluster's API server and scraping their pod IPs on the
// bridge every second.
func startPrometheus(t *testing.T, c *cluster) *prometheus {
	var p *prometheus
	phase(t, "prometheus", func() {
		bin := strings.TrimSpace(c.run(t, "hack/prometheus-bin.sh"))
		dir := t.TempDir()
		cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
- job_name: %s
  kubernetes_sd_configs:
  - role: pod
    kubeconfig_file: %s
    namespaces:
      names: [%s]
  relabel_configs:
  - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
    regex: "true"
    action: keep
  - source_labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_prometheus_io_port]
    regex: (.+);(.+)
    replacement: $1:$2
    target_label: __address__
  - source_labels: [__meta_kubernetes_namespace]
    target_label: namespace
  - source_labels: [__meta_kubernetes_pod_name]
    target_label: pod
`, promJob, c.kubeconfig, namespace)
		if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		p = &prometheus{addr: freeAddr(t)}
		logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
		if err != nil {
			t.Fatal(err)
		}
		p.cmd = exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
			"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+p.addr)
		p.cmd.Stdout, p.cmd.Stderr = logf, logf
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start prometheus: %v", err)
		}
		t.Cleanup(func() {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("prometheus log (tail):\n%s", tail(string(b), 3000))
			}
		})
		deadline := time.Now().Add(60 * time.Second)
		for {
			resp, err := http.Get("http://" + p.addr + "/-/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("prometheus not ready on %s after 60s: %v", p.addr, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	return p
}

// check asks Prometheus for run pods that were up and for runtimelab_*
// series scraped from them.
func (p *prometheus) check(t *testing.T) {
	queries := []struct{ what, q string }{
		{"a run pod target up", fmt.Sprintf(`max_over_time(up{job=%q,namespace=%q}[1h]) == 1`, promJob, namespace)},
		{"runtimelab_* series from a run pod", fmt.Sprintf(`group by (pod, experiment) (last_over_time({__name__=~"runtimelab_.+",job=%q,namespace=%q}[1h]))`, promJob, namespace)},
	}
	for _, q := range queries {
		deadline := time.Now().Add(promDeadline)
		var n int
		var err error
		for {
			n, err = p.query(q.q)
			if (err == nil && n > 0) || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil || n == 0 {
			t.Errorf("%s: got %d series (err %v) for %s, want at least 1", q.what, n, err, q.q)
			continue
		}
		t.Logf("%s: %d series", q.what, n)
	}
}

func (p *prometheus) query(q string) (int, error) {
	resp, err := http.Get("http://" + p.addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, fmt.Errorf("query %s: %w", q, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("decode answer to %s: %w", q, err)
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("query %s: %s", q, body.Error)
	}
	return len(body.Data.Result), nil
}

// --- helpers ---------------------------------------------------------------

// run runs a command in the repository root and fails the test with its
// output when it fails.
func (c *cluster) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := c.exec("", name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 6000))
	}
	return out
}

// try runs a command and only logs a failure (for clean-up steps).
func (c *cluster) try(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := c.exec("", name, args...); err != nil {
		t.Logf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 2000))
	}
}

func (c *cluster) exec(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

func (c *cluster) kctl(t *testing.T, args ...string) string {
	t.Helper()
	return c.run(t, c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
}

func (c *cluster) kubectlErr(args ...string) (string, error) {
	return c.exec("", c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
}

func (c *cluster) kubectlIn(stdin string, args ...string) (string, error) {
	return c.exec(stdin, c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
}

// diagnose gathers what explains a stuck object: itself, the pods and
// events of the test namespace, and the operator's log.
func (c *cluster) diagnose(obj string) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"-n", namespace, "get", obj, "-o", "yaml"},
		{"-n", namespace, "get", "pods", "-o", "wide"},
		{"-n", namespace, "get", "events", "--sort-by=.lastTimestamp"},
		{"-n", operatorNS, "get", "pods", "-o", "wide"},
		{"-n", operatorNS, "logs", "deployment/" + release, "--tail=60"},
	} {
		out, _ := c.kubectlErr(args...)
		fmt.Fprintf(&b, "--- kubectl %s\n%s\n", strings.Join(args, " "), tail(out, 4000))
	}
	return b.String()
}

func phase(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	t.Logf("phase %s ...", name)
	f()
	t.Logf("phase %s: %s", name, time.Since(start).Round(100*time.Millisecond))
}

// lockMachine waits for any other e2e run on this machine to end: they
// would share the dev cluster, its addresses and its state directory.
func lockMachine(t *testing.T) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "runtime-lab-e2e.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Logf("another e2e run holds %s: waiting", f.Name())
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatalf("lock %s: %v", f.Name(), err)
		}
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock, after the teardown
}

func repoRoot(t *testing.T) string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root: %v", err)
	}
	return dir
}

// helmPath is RUNTIMELAB_HELM, or the helm `make helm` builds.
func helmPath(t *testing.T, root string) string {
	if h := os.Getenv("RUNTIMELAB_HELM"); h != "" {
		return h
	}
	matches, _ := filepath.Glob(filepath.Join(root, "hack/tools/bin/helm-*"))
	if len(matches) == 0 {
		t.Fatalf("no helm: set RUNTIMELAB_HELM or run 'make helm' (make test-e2e does)")
	}
	return matches[len(matches)-1]
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, tail(s, 2000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
