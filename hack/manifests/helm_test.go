package manifests

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// chartDir is the chart, relative to the repository root.
var chartDir = filepath.Join("charts", "runtime-lab")

// helmOrSkip returns the helm binary; without one the chart tests skip and
// say how to get it (CI builds it with `make helm`, so they never skip there).
func helmOrSkip(t *testing.T) string {
	t.Helper()
	helm, err := FindHelm(root)
	if err != nil {
		t.Skipf("skipping the Helm chart checks: %v", err)
	}
	return helm
}

// chartCopy copies the chart into a temporary folder with one extra
// dashboard, so the dashboards toggle is exercised whatever
// charts/runtime-lab/dashboards holds.
func chartCopy(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "runtime-lab")
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(root, chartDir))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dst, "dashboards"), 0o755); err != nil {
		t.Fatal(err)
	}
	dash := `{"uid": "runtimelab-test", "title": "test dashboard", "panels": []}`
	if err := os.WriteFile(filepath.Join(dst, "dashboards", "zz-test.json"), []byte(dash), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestHelmChart renders the chart with its defaults and with every toggle
// on, and checks each rendering against a real API server: every object
// (CRD and the helm test's hooks included) is accepted by a server-side
// dry-run apply, the operator's pod and the helm test's pod are admitted
// under Pod Security "restricted", and each service account has exactly
// the access it needs. `helm lint --strict` passes for each.
func TestHelmChart(t *testing.T) {
	helm := helmOrSkip(t)
	chart := chartCopy(t)
	dashboards, _ := filepath.Glob(filepath.Join(chart, "dashboards", "*.json"))
	tests := []struct {
		name, release, ns string
		set               []string
		wantKinds         map[string]int
		wantArgs          []string
		rbac              bool
		// wantTLS is the ServiceMonitor endpoint's tlsConfig (nil: none).
		wantTLS map[string]any
	}{{
		name: "defaults", release: "rl", ns: "runtimelab-helm",
		wantKinds: map[string]int{"CustomResourceDefinition": 1, "ServiceAccount": 2, "ClusterRole": 4, "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2, "Service": 1, "Deployment": 1, "Pod": 1},
		wantArgs: []string{"--leader-elect=true", "--metrics-bind-address=:8443", "--metrics-secure=true",
			"--health-probe-bind-address=:8081", "--retry-budget=2"},
		rbac: true,
	}, {
		name: "every toggle on", release: "lab", ns: "runtimelab-helm-all",
		set: []string{"prometheus.serviceMonitor.enabled=true", "prometheus.podMonitor.enabled=true", "dashboards.enabled=true",
			"pyroscopeAddress=http://pyroscope.monitoring:4040", "workloadImage=runtime-lab/workload:dev",
			"image.repository=runtime-lab/operator", "image.tag=dev", "image.pullPolicy=Never",
			"prometheus.serviceMonitor.labels.release=kube-prometheus-stack", "nodeSelector.kubernetes\\.io/os=linux",
			"metrics.certSecret=lab-metrics-tls"},
		wantKinds: map[string]int{"CustomResourceDefinition": 1, "ServiceAccount": 2, "ClusterRole": 4, "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2, "Service": 1, "Deployment": 1, "ServiceMonitor": 1, "PodMonitor": 1, "ConfigMap": len(dashboards), "Pod": 1},
		wantArgs: []string{"--leader-elect=true", "--metrics-bind-address=:8443", "--metrics-secure=true",
			"--metrics-cert-dir=/etc/runtime-lab/metrics-certs",
			"--health-probe-bind-address=:8081", "--retry-budget=2", "--workload-image=runtime-lab/workload:dev",
			"--pyroscope-address=http://pyroscope.monitoring:4040"},
		rbac: true,
		// The certificate is verified against the Secret's CA, for the
		// metrics Service's DNS name.
		wantTLS: map[string]any{"ca": map[string]any{"secret": map[string]any{"name": "lab-metrics-tls", "key": "ca.crt"}},
			"serverName": "lab-runtime-lab-metrics.runtimelab-helm-all.svc"},
	}, {
		name: "secure metrics, self-signed", release: "ss", ns: "runtimelab-helm-ss",
		set:       []string{"prometheus.serviceMonitor.enabled=true"},
		wantKinds: map[string]int{"CustomResourceDefinition": 1, "ServiceAccount": 2, "ClusterRole": 4, "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2, "Service": 1, "Deployment": 1, "ServiceMonitor": 1, "Pod": 1},
		wantArgs: []string{"--leader-elect=true", "--metrics-bind-address=:8443", "--metrics-secure=true",
			"--health-probe-bind-address=:8081", "--retry-budget=2"},
		rbac: true,
		// The documented opt-out: nothing to verify a self-signed
		// certificate against.
		wantTLS: map[string]any{"insecureSkipVerify": true},
	}, {
		name: "plain metrics, no leader election, no user roles", release: "plain", ns: "runtimelab-helm-plain",
		set: []string{"metrics.secure=false", "leaderElection.enabled=false", "prometheus.serviceMonitor.enabled=true",
			"rbac.aggregateToDefaultRoles=false", "helmTest.enabled=false"},
		wantKinds: map[string]int{"CustomResourceDefinition": 1, "ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Service": 1, "Deployment": 1, "ServiceMonitor": 1},
		wantArgs: []string{"--leader-elect=false", "--metrics-bind-address=:8443", "--metrics-secure=false",
			"--health-probe-bind-address=:8081", "--retry-budget=2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context5m(t)
			var extra []string
			for _, s := range tt.set {
				extra = append(extra, "--set", s)
			}
			if _, err := Helm(ctx, helm, append([]string{"lint", "--strict", chart}, extra...)...); err != nil {
				t.Errorf("helm lint --strict: %v", err)
			}
			objs, err := HelmTemplate(ctx, helm, chart, tt.release, tt.ns, extra...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantKinds, Kinds(objs)); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
			full := tt.release + "-runtime-lab"
			dep := Find(objs, "Deployment", full)
			svc := Find(objs, "Service", full+"-metrics")
			if dep == nil || svc == nil {
				t.Fatalf("got no Deployment %s or Service %s-metrics", full, full)
			}
			containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
			args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
			if diff := cmp.Diff(tt.wantArgs, args); diff != "" {
				t.Errorf("manager args (-want +got):\n%s", diff)
			}
			port := "https"
			if !tt.rbac {
				port = "http"
			}
			checkServiceSelectsDeployment(t, svc, dep, port, 8443)
			if sm := Find(objs, "ServiceMonitor", full); sm != nil {
				eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
				tlsConfig, _, _ := unstructured.NestedMap(eps[0].(map[string]any), "tlsConfig")
				if diff := cmp.Diff(tt.wantTLS, tlsConfig, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ServiceMonitor tlsConfig (-want +got):\n%s", diff)
				}
			}
			checkDashboards(t, chart, objs)

			ensureNamespace(t, ctx, tt.ns)
			applyAll(t, ctx, objs)
			for _, o := range rbacObjects(objs) {
				createForReal(t, ctx, o)
			}
			checkPodAdmitted(t, ctx, dep)
			// helm test's pod may create, read and delete Experiments in
			// the release's namespace, and nothing else.
			if Find(objs, "Pod", full+"-test") != nil {
				checkRBAC(t, ctx, tt.ns, full+"-test", []access{
					{verb: "create", group: "lab.runtimelab.io", resource: "experiments", namespace: tt.ns, allowed: true},
					{verb: "get", group: "lab.runtimelab.io", resource: "experiments", namespace: tt.ns, allowed: true},
					{verb: "delete", group: "lab.runtimelab.io", resource: "experiments", namespace: tt.ns, allowed: true},
					{verb: "create", group: "lab.runtimelab.io", resource: "experiments", namespace: "default", allowed: false},
					{verb: "update", group: "lab.runtimelab.io", resource: "experiments", subresource: "status", namespace: tt.ns, allowed: false},
					{verb: "create", resource: "pods", namespace: tt.ns, allowed: false},
					{verb: "get", resource: "secrets", namespace: tt.ns, allowed: false},
				})
			}
			if tt.rbac {
				checkRBAC(t, ctx, tt.ns, full, operatorAccess(tt.ns))
				checkUserRoles(t, ctx, objs, full+"-experiment-editor", full+"-experiment-viewer")
			}
		})
	}
}

// checkDashboards checks one ConfigMap per dashboard file, labelled for
// Grafana's sidecar and holding the file unchanged.
func checkDashboards(t *testing.T, chart string, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "ConfigMap" {
			continue
		}
		if got := o.GetLabels()["grafana_dashboard"]; got != "1" {
			t.Errorf("%s: got label grafana_dashboard=%q, want \"1\"", id(o), got)
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		if len(data) != 1 {
			t.Fatalf("%s: got %d keys, want one dashboard", id(o), len(data))
		}
		for key, got := range data {
			want, err := os.ReadFile(filepath.Join(chart, "dashboards", key))
			if err != nil {
				t.Fatalf("%s: key %s names no dashboard file: %v", id(o), key, err)
			}
			if got != string(bytes.TrimRight(want, "\n")) {
				t.Errorf("%s: %s differs from the dashboard file", id(o), key)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%s: %s is not JSON", id(o), key)
			}
		}
	}
}

// TestHelmValuesRejected checks that values.schema.json and the templates
// turn bad values away with a message naming the value.
func TestHelmValuesRejected(t *testing.T) {
	helm := helmOrSkip(t)
	chart := filepath.Join(root, chartDir)
	tests := []struct {
		name string
		set  []string
		want string
	}{
		{name: "unknown value", set: []string{"imagee.tag=dev"}, want: "imagee"},
		{name: "pull policy", set: []string{"image.pullPolicy=Sometimes"}, want: "pullPolicy"},
		{name: "pyroscope without scheme", set: []string{"pyroscopeAddress=pyroscope:4040"}, want: "pyroscopeAddress"},
		{name: "privileged metrics port", set: []string{"metrics.port=443"}, want: "port"},
		{name: "toggle not a bool", set: []string{"dashboards.enabled=yes"}, want: "enabled"},
		{name: "replicas without leader election", set: []string{"replicaCount=2", "leaderElection.enabled=false"}, want: "leaderElection.enabled"},
		{name: "service monitor without metrics", set: []string{"prometheus.serviceMonitor.enabled=true", "metrics.enabled=false"}, want: "metrics.enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			for _, s := range tt.set {
				extra = append(extra, "--set", s)
			}
			_, err := HelmTemplate(context.Background(), helm, chart, "rl", "runtimelab-system", extra...)
			mustContain(t, err, tt.want)
		})
	}
}

// TestChartInSync fails when the chart's copies of generated files (the CRD
// and the operator's RBAC rules, written by `make chart-sync`) or its
// hand-kept RBAC differ from config/.
func TestChartInSync(t *testing.T) {
	read := func(p ...string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(append([]string{root}, p...)...))
		if err != nil {
			t.Fatalf("%v (run make chart-sync)", err)
		}
		return b
	}
	const crd = "lab.runtimelab.io_experiments.yaml"
	if !bytes.Equal(read(chartDir, "crds", crd), read("config", "crd", "bases", crd)) {
		t.Errorf("%s/crds/%s differs from config/crd/bases: run make chart-sync", chartDir, crd)
	}
	rules := regexp.MustCompile(`(?ms)^rules:\n.*`)
	got := rules.Find(read(chartDir, "templates", "clusterrole.yaml"))
	want := rules.Find(read("config", "rbac", "role.yaml"))
	if got == nil || !bytes.Equal(got, want) {
		t.Errorf("%s/templates/clusterrole.yaml: its rules differ from config/rbac/role.yaml: run make chart-sync", chartDir)
	}
	helm, err := FindHelm(root)
	if err != nil {
		t.Skipf("skipping the rendered RBAC comparison: %v", err)
	}
	objs, err := HelmTemplate(context.Background(), helm, filepath.Join(root, chartDir), "rl", "runtimelab-system")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ kind, name, file string }{
		{"ClusterRole", "rl-runtime-lab", "role.yaml"},
		{"Role", "rl-runtime-lab-leader-election", "leader_election_role.yaml"},
		{"ClusterRole", "rl-runtime-lab-metrics-reader", "metrics_reader_role.yaml"},
		{"ClusterRole", "rl-runtime-lab-experiment-editor", "experiment_editor_role.yaml"},
		{"ClusterRole", "rl-runtime-lab-experiment-viewer", "experiment_viewer_role.yaml"},
	} {
		var want map[string]any
		if err := yaml.Unmarshal(read("config", "rbac", c.file), &want); err != nil {
			t.Fatal(err)
		}
		o := Find(objs, c.kind, c.name)
		if o == nil {
			t.Errorf("got no %s %s in the chart", c.kind, c.name)
			continue
		}
		if diff := cmp.Diff(want["rules"], o.Object["rules"]); diff != "" {
			t.Errorf("%s rules differ from config/rbac/%s (-config +chart):\n%s", id(o), c.file, diff)
		}
		labels, _, _ := unstructured.NestedStringMap(want, "metadata", "labels")
		for k, v := range labels {
			if strings.HasPrefix(k, "rbac.authorization.k8s.io/") && o.GetLabels()[k] != v {
				t.Errorf("%s: got label %s=%q, want %q as config/rbac/%s has it", id(o), k, o.GetLabels()[k], v, c.file)
			}
		}
	}
}

// TestChartPodMonitorInSync keeps the chart's PodMonitor scraping run pods
// as config/prometheus/podmonitor.yaml does: the same pods, port, path,
// honorLabels and relabelling (the dashboards filter by the labels they
// make); only the interval is the chart's value.
func TestChartPodMonitorInSync(t *testing.T) {
	helm := helmOrSkip(t)
	b, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "podmonitor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := yaml.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	objs, err := HelmTemplate(context.Background(), helm, filepath.Join(root, chartDir), "rl", "runtimelab-system",
		"--set", "prometheus.podMonitor.enabled=true", "--set", "prometheus.podMonitor.interval=5s")
	if err != nil {
		t.Fatal(err)
	}
	got := Find(objs, "PodMonitor", "rl-runtime-lab-workloads")
	if got == nil {
		t.Fatal("got no PodMonitor rl-runtime-lab-workloads with prometheus.podMonitor.enabled=true")
	}
	if diff := cmp.Diff(want["spec"], got.Object["spec"]); diff != "" {
		t.Errorf("the chart's PodMonitor spec differs from config/prometheus/podmonitor.yaml (-config +chart):\n%s", diff)
	}
}

// TestHelmVersionPinned keeps HelmVersion and the Makefile's HELM_VERSION
// the same.
func TestHelmVersionPinned(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HELM_VERSION \?= (\S+)$`).FindSubmatch(mk)
	if m == nil || string(m[1]) != HelmVersion {
		t.Errorf("Makefile HELM_VERSION: got %q, want %s", m, HelmVersion)
	}
	if helm, err := FindHelm(root); err == nil {
		out, err := exec.Command(helm, "version", "--short").Output()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, []byte(HelmVersion)) {
			t.Logf("helm %s is %s, not %s", helm, bytes.TrimSpace(out), HelmVersion)
		}
	}
}
