package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// maxSeriesPerPod bounds what one workload pod costs Prometheus.
const maxSeriesPerPod = 1500

// foreignPrefixes are metric families we export but do not name:
// client_golang's Go collector derives go_* names from runtime/metrics
// (e.g. go_gc_heap_allocs_by_size_bytes, go_godebug_*_events_total) and
// controller-runtime and client-go name theirs; promlint's complaints about
// those (counters without _total, units like "objects") are not ours to
// fix. Every runtimelab_* family must pass.
var foreignPrefixes = []string{"go_", "process_", "controller_runtime_", "workqueue_", "rest_client_", "certwatcher_", "leader_election_"}

func ours(name string) bool {
	for _, p := range foreignPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// TestMetricHygiene lints every running workload's /metrics and the
// operator's registry with promlint, and bounds the series per workload
// pod.
func TestMetricHygiene(t *testing.T) {
	l := getLab(t)
	total := 0
	for _, w := range l.workloads {
		body, err := scrape(w.addr)
		if err != nil {
			t.Fatalf("%s: %v", w.spec.variant, err)
		}
		problems, err := promlint.New(bytes.NewReader(body)).Lint()
		if err != nil {
			t.Fatalf("%s: promlint: %v", w.spec.variant, err)
		}
		foreign := 0
		for _, p := range problems {
			if ours(p.Metric) {
				t.Errorf("workload %s: %s: %s", w.spec.scenario, p.Metric, p.Text)
			} else {
				foreign++
			}
		}
		n := countSeries(body)
		total += n
		t.Logf("workload %-9s %4d series per pod (%d promlint notes on go_/process_ families)", w.spec.scenario, n, foreign)
		if n > maxSeriesPerPod {
			t.Errorf("workload %s: got %d series per pod, want ≤ %d", w.spec.scenario, n, maxSeriesPerPod)
		}
		if n == 0 {
			t.Errorf("workload %s: got no series", w.spec.scenario)
		}
	}
	l.waitRuns(t) // the experiments family appears once the sample Experiment finished
	mfs, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather the operator's registry: %v", err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	ownFamilies := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "runtimelab_operator_") {
			ownFamilies++
		}
	}
	if ownFamilies != 3 {
		t.Errorf("operator: got %d runtimelab_operator_* families, want 3 (runs, run durations, experiments)", ownFamilies)
	}
	for _, p := range problems {
		if ours(p.Metric) {
			t.Errorf("operator: %s: %s", p.Metric, p.Text)
		}
	}
	t.Logf("operator: %d metric families, %d promlint notes on controller-runtime/client-go/go_ families", len(mfs), len(problems))
}

func scrape(addr string) ([]byte, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// countSeries counts the sample lines of a text exposition.
func countSeries(body []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	return n
}
