package resultsdir

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCreate(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 11, 12, 0, time.Local)
	tests := []struct {
		name     string
		existing []string // directories there before
		want     string
	}{
		{name: "free", want: "exp-20261126-101112"},
		{name: "taken in the same second", existing: []string{"exp-20261126-101112"}, want: "exp-20261126-101112-2"},
		{name: "taken twice", existing: []string{"exp-20261126-101112", "exp-20261126-101112-2"}, want: "exp-20261126-101112-3"},
		{name: "another second is no clash", existing: []string{"exp-20261126-101111"}, want: "exp-20261126-101112"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), "results")
			for _, d := range tt.existing {
				if err := os.MkdirAll(filepath.Join(parent, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Create(parent, "exp", at)
			if err != nil {
				t.Fatal(err)
			}
			if got != filepath.Join(parent, tt.want) {
				t.Errorf("got %s, want %s", got, filepath.Join(parent, tt.want))
			}
			if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
				t.Errorf("%s was not created: %v", got, err)
			}
		})
	}
}

// TestCreateConcurrent: runs of the same Experiment started in the same
// second each get a directory of their own.
func TestCreateConcurrent(t *testing.T) {
	parent := t.TempDir()
	at := time.Now()
	const n = 8
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dirs[i], errs[i] = Create(parent, "exp", at) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, d := range dirs {
		if errs[i] != nil {
			t.Fatalf("Create %d: %v", i, errs[i])
		}
		if seen[d] {
			t.Errorf("two Creates got %s, want a directory each", d)
		}
		seen[d] = true
	}
}

func TestCreateBadParent(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(file, "exp", time.Now()); err == nil {
		t.Errorf("Create under a file: got no error, want one")
	}
}
