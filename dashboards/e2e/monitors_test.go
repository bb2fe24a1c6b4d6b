package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// podMonitor is the part of config/prometheus/podmonitor.yaml checked here.
type podMonitor struct {
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		PodMetricsEndpoints []struct {
			Port        string `json:"port"`
			Path        string `json:"path"`
			HonorLabels bool   `json:"honorLabels"`
			Relabelings []struct {
				SourceLabels []string `json:"sourceLabels"`
				TargetLabel  string   `json:"targetLabel"`
			} `json:"relabelings"`
		} `json:"podMetricsEndpoints"`
	} `json:"spec"`
}

var notLabelChar = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// TestPodMonitorSelectsOperatorPods checks the PodMonitor against the pods
// the operator builds for the sample Experiment: it selects them, scrapes
// their metrics port and path, and each relabelling reads a label they
// carry, giving the dashboards' experiment and variant labels.
func TestPodMonitorSelectsOperatorPods(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "prometheus", "podmonitor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pm podMonitor
	if err := yaml.Unmarshal(b, &pm); err != nil {
		t.Fatal(err)
	}
	sb, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "gomaxprocs-quick.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exp := &labv1.Experiment{}
	if err := yaml.Unmarshal(sb, exp); err != nil {
		t.Fatal(err)
	}
	vs, err := plan.Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	pod, err := plan.Pod(exp, plan.Run{Variant: &vs[0]}, 1, plan.RoleWorkload, plan.PodOptions{DefaultImage: "w"})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range pm.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("selector %s=%s: the operator's pod has %s=%q", k, v, k, pod.Labels[k])
		}
	}
	if len(pm.Spec.PodMetricsEndpoints) != 1 {
		t.Fatalf("endpoints: got %d, want 1", len(pm.Spec.PodMetricsEndpoints))
	}
	ep := pm.Spec.PodMetricsEndpoints[0]
	found := false
	for _, p := range pod.Spec.Containers[0].Ports {
		found = found || (p.Name == ep.Port && p.ContainerPort == plan.MetricsPort)
	}
	if !found || ep.Path != "/metrics" || !ep.HonorLabels {
		t.Errorf("endpoint: got port %q path %q honorLabels %v, want the pod's metrics port (%d), /metrics, true",
			ep.Port, ep.Path, ep.HonorLabels, plan.MetricsPort)
	}
	podLabelMeta := map[string]string{}
	for k, v := range pod.Labels {
		podLabelMeta["__meta_kubernetes_pod_label_"+notLabelChar.ReplaceAllString(k, "_")] = v
	}
	targets := map[string]string{}
	for _, r := range ep.Relabelings {
		if len(r.SourceLabels) != 1 {
			t.Errorf("relabelling to %s: got sources %v, want one pod label", r.TargetLabel, r.SourceLabels)
			continue
		}
		v, ok := podLabelMeta[r.SourceLabels[0]]
		if !ok {
			t.Errorf("relabelling to %s reads %s, which the operator's pods do not carry", r.TargetLabel, r.SourceLabels[0])
		}
		targets[r.TargetLabel] = v
	}
	if targets["experiment"] != exp.Name || targets["variant"] != vs[0].Name {
		t.Errorf("relabelled experiment and variant: got %q and %q, want %q and %q",
			targets["experiment"], targets["variant"], exp.Name, vs[0].Name)
	}
}
