package controller

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// TestMetricsStartAtZero: every scenario × outcome series exists before
// its first run, so increase() over the first one is not lost.
func TestMetricsStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	scenarios := len(catalog.Names())
	if n := testutil.CollectAndCount(m.runs); n != scenarios*len(labv1.FinalOutcomes) {
		t.Errorf("runs series: got %d, want %d (%d scenarios × %d outcomes)", n, scenarios*len(labv1.FinalOutcomes), scenarios, len(labv1.FinalOutcomes))
	}
	if n := testutil.CollectAndCount(m.experiments); n != scenarios*2 {
		t.Errorf("experiment series: got %d, want %d", n, scenarios*2)
	}
	if v := testutil.ToFloat64(m.runs.WithLabelValues("gc", "OOMKilled")); v != 0 {
		t.Errorf("gc OOMKilled before any run: got %v, want 0", v)
	}
}
