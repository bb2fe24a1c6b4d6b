package validate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// FuzzDecode: any bytes either are refused, or give an Experiment whose
// name the API server would accept and which plans (or is refused by
// planning) without a panic — what `kubectl lab run --local` does next
// with it, as root.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	samples, _ := filepath.Glob("../../config/samples/*.yaml")
	for _, p := range append(files, samples...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		exp, err := v.Decode(context.Background(), b)
		if err != nil {
			return
		}
		if errs := validation.IsDNS1123Subdomain(exp.Name); len(errs) > 0 {
			t.Fatalf("accepted name %q: %v", exp.Name, errs)
		}
		p, err := plan.New(&exp.Spec, 24<<30)
		if err != nil {
			return
		}
		for i := range p.Runs {
			if _, err := plan.Invocation(exp, p.Runs[i], plan.RoleWorkload, plan.InvocationOptions{}); err != nil {
				t.Fatalf("a planned run has no invocation: %v", err)
			}
		}
	})
}
