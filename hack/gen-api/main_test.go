package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedAPIIsUpToDate fails when the scenario catalogue changed and
// `make generate` was not run: the API server would then check other
// bounds than the workload does.
func TestGeneratedAPIIsUpToDate(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../api/v1alpha1/zz_generated.scenarios.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("api/v1alpha1/zz_generated.scenarios.go is stale: run `make generate manifests` and commit the result")
	}
	types, err := os.ReadFile("../../api/v1alpha1/experiment_types.go")
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := RewriteRegion(types)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(types, rewritten) {
		t.Error("the generated figure rules in api/v1alpha1/experiment_types.go are stale: run `make generate manifests` and commit the result")
	}
}

func TestGoName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gc", "GC"}, {"liveHeap", "LiveHeap"}, {"scheduler", "Scheduler"}, {"memlimit", "MemLimit"},
	}
	for _, tt := range tests {
		if got := GoName(tt.in); got != tt.want {
			t.Errorf("GoName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
