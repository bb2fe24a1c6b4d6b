package exercises

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// samples lists the exercise samples: full ones and their short versions.
func samples(t *testing.T) (full, short []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(samplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if b := filepath.Base(p); strings.HasSuffix(b, "-short.yaml") {
			short = append(short, b)
		} else {
			full = append(full, b)
		}
	}
	if len(full) < 7 {
		t.Fatalf("got %d exercise samples in %s, want at least one per exercise (7)", len(full), samplesDir)
	}
	return full, short
}

var samplePrefix = regexp.MustCompile(`^(0[1-9]|[1-9][0-9])-[a-z0-9-]+\.yaml$`)

// TestSamplesValidate: every sample passes the API server's validation
// (schema, defaults, CEL rules), is named after its exercise, has a short
// version the tests run, and the full one repeats each variant at least
// six times, the fewest for a confidence interval of a median.
func TestSamplesValidate(t *testing.T) {
	workloadtest.NeedMachine(t)
	full, short := samples(t)
	for _, f := range append(append([]string{}, full...), short...) {
		t.Run(f, func(t *testing.T) {
			if !samplePrefix.MatchString(f) {
				t.Errorf("file name %s: want NN-name.yaml or NN-name-short.yaml", f)
			}
			exp := decode(t, f)
			if want := "ex" + strings.TrimSuffix(f, ".yaml"); exp.Name != want {
				t.Errorf("metadata.name: got %q, want %q (ex and the file name)", exp.Name, want)
			}
			isShort := strings.HasSuffix(f, "-short.yaml")
			switch {
			case !isShort && exp.Spec.Repetitions < 6:
				t.Errorf("spec.repetitions: got %d, want at least 6 in a full exercise (the fewest for a confidence interval)", exp.Spec.Repetitions)
			case isShort && exp.Spec.Duration.Duration > 10*time.Second:
				t.Errorf("spec.duration: got %s, want at most 10s in a short version", exp.Spec.Duration.Duration)
			}
			if isShort {
				return
			}
			sh := strings.TrimSuffix(f, ".yaml") + "-short.yaml"
			if _, err := os.Stat(filepath.Join(samplesDir, sh)); err != nil {
				t.Errorf("no short version %s for the tests: %v", sh, err)
				return
			}
			if s := decode(t, sh); s.Spec.Scenario.Name() != exp.Spec.Scenario.Name() {
				t.Errorf("%s runs scenario %s, want %s like %s", sh, s.Spec.Scenario.Name(), exp.Spec.Scenario.Name(), f)
			}
		})
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)\s]*)?\)`)

// TestPagesLinkSamples: the index links every exercise page, every page
// names the samples it is about, every relative link resolves, and every
// full sample belongs to a page.
func TestPagesLinkSamples(t *testing.T) {
	workloadtest.NeedMachine(t)
	full, _ := samples(t)
	index, err := os.ReadFile(filepath.Join(docsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(docsDir, "[0-9][0-9]-*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 8 {
		t.Fatalf("got %d exercise pages in %s, want 8", len(pages), docsDir)
	}
	claimed := map[string]bool{}
	for _, p := range append(pages, filepath.Join(docsDir, "README.md")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(p)
		if base != "README.md" && !strings.Contains(string(index), "("+base+")") {
			t.Errorf("README.md: no link to %s", base)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(docsDir, target)); err != nil {
				t.Errorf("%s: link %s does not resolve: %v", base, target, err)
			}
		}
		if base == "README.md" {
			continue
		}
		for _, f := range full {
			if strings.Contains(string(b), "config/samples/exercises/"+f) {
				claimed[f] = true
			}
		}
		for _, section := range []string{"## The question", "## The experiment", "## What to watch", "## Reading the report", "## Expected outcome", "## In a real service"} {
			if !strings.Contains(string(b), section) {
				t.Errorf("%s: no %q section", base, section)
			}
		}
	}
	for _, f := range full {
		if !claimed[f] {
			t.Errorf("sample %s: no exercise page names config/samples/exercises/%s", f, f)
		}
	}
}

// heldOnPurpose are the samples that hold a runtime knob off its default
// in every variant, and why.
var heldOnPurpose = map[string]string{
	// The P is never idle, so the GC's CPU share is its real cost, not
	// idle time it soaked up (the page explains).
	"03-gogc-memory.yaml/gomaxprocs":       "one P",
	"03-gogc-memory-short.yaml/gomaxprocs": "one P",
	// GOGC off makes GOMEMLIMIT alone decide how far the heap grows: the
	// question is whether it leaves the sidecar room.
	"08-shared-pod-memory.yaml/gogc":       "off",
	"08-shared-pod-memory-short.yaml/gogc": "off",
}

// TestSamplesIncludeTheDefaults: every sample that varies GOMAXPROCS, GOGC
// or GOMEMLIMIT includes the runtime's own default among the values (auto,
// 100, none) — what every user who sets nothing runs — unless it holds the
// knob on purpose (heldOnPurpose).
func TestSamplesIncludeTheDefaults(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(samplesDir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(samplesDir, "..", "*.yaml"))
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var exp labv1.Experiment
		if err := yaml.Unmarshal(b, &exp); err != nil || exp.Kind != "Experiment" {
			continue // kustomization.yaml
		}
		name := filepath.Base(p)
		m := exp.Spec.Matrix
		for _, k := range []struct {
			knob, def string
			values    []string
		}{{"gomaxprocs", "auto", m.GOMAXPROCS}, {"gogc", "100", m.GOGC}, {"gomemlimit", "none", m.GOMEMLIMIT}} {
			if len(k.values) == 0 || slices.Contains(k.values, k.def) || heldOnPurpose[name+"/"+k.knob] != "" {
				continue
			}
			t.Errorf("%s: spec.matrix.%s %v lacks the runtime's default %q, which every user who sets nothing runs", name, k.knob, k.values, k.def)
		}
	}
}
