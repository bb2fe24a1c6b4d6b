package validate

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

var k8s client.Client

func TestMain(m *testing.M) {
	flag.Parse()
	if fuzzing() || testing.Short() {
		os.Exit(m.Run()) // the fuzz target needs no API server, and each worker would start one
	}
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme := runtime.NewScheme()
	_ = labv1.AddToScheme(scheme)
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		panic(err)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}

// fuzzing reports whether this test binary fuzzes (go test -fuzz), in the
// coordinator or a worker.
func fuzzing() bool {
	f, w := flag.Lookup("test.fuzz"), flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() != "" || w != nil && w.Value.String() == "true"
}

// TestLocalMatchesAPIServer sends each file to a real API server (strict
// field validation, as kubectl apply) and to the local validator: both
// must accept it, or reject it with the same message.
func TestLocalMatchesAPIServer(t *testing.T) {
	testenv.NeedAPIServer(t)
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	samples, _ := filepath.Glob("../../config/samples/*.yaml")
	for _, f := range samples {
		if filepath.Base(f) != "kustomization.yaml" {
			files = append(files, f)
		}
	}
	if len(files) < 10 {
		t.Fatalf("got %d test files, want ≥ 10", len(files))
	}
	ctx := context.Background()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := yaml.Unmarshal(data, &obj); err != nil {
				t.Fatal(err)
			}
			u := &unstructured.Unstructured{Object: obj}
			u.SetNamespace("default")
			serverErr := k8s.Create(ctx, u, client.FieldValidation("Strict"), client.DryRunAll)
			_, localErr := v.Decode(ctx, data)
			wantInvalid := strings.HasPrefix(filepath.Base(f), "bad-")
			if (serverErr != nil) != wantInvalid {
				t.Fatalf("API server: got %v, want invalid=%v", serverErr, wantInvalid)
			}
			if fmt.Sprint(localErr) != fmt.Sprint(serverErr) {
				t.Errorf("messages differ:\nlocal:  %v\nserver: %v", localErr, serverErr)
			}
		})
	}
}

func TestDecodeAppliesDefaults(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	exp, err := v.Decode(context.Background(), []byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata:\n  name: d\nspec:\n  scenario:\n    gc: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if exp.Spec.Duration.Duration.String() != "30s" || exp.Spec.Repetitions != 6 || exp.Spec.Parallelism != 1 || exp.Spec.Isolation != labv1.IsolationSequential {
		t.Errorf("defaults: got duration %v repetitions %d parallelism %d isolation %s, want 30s 6 1 Sequential",
			exp.Spec.Duration, exp.Spec.Repetitions, exp.Spec.Parallelism, exp.Spec.Isolation)
	}
	if _, err := v.Decode(context.Background(), []byte("apiVersion: v1\nkind: Pod\n")); err == nil ||
		!strings.Contains(err.Error(), "want apiVersion lab.runtimelab.io/v1alpha1 and kind Experiment") {
		t.Errorf("a Pod: got %v", err)
	}
}
