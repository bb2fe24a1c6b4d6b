package controller

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// TestMetricsStartAtZero: every scenario × outcome series exists before
// its first run, so increase() over the first one is not lost.
func TestMetricsStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	if n := testutil.CollectAndCount(m.runs); n != 8*len(labv1.FinalOutcomes) {
		t.Errorf("runs series: got %d, want 48 (8 scenarios × 6 outcomes)", n)
	}
	if n := testutil.CollectAndCount(m.experiments); n != 8*2 {
		t.Errorf("experiment series: got %d, want 16", n)
	}
	if v := testutil.ToFloat64(m.runs.WithLabelValues("gc", "OOMKilled")); v != 0 {
		t.Errorf("gc OOMKilled before any run: got %v, want 0", v)
	}
}
