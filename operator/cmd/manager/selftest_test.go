package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/operator/validate"
)

// TestSelfTestExperimentIsValid: the Experiment helm test creates passes
// the API server's own validation (the CRD's schema and CEL rules).
func TestSelfTestExperimentIsValid(t *testing.T) {
	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	exp := selfTestExperiment("runtimelab-system", "rl-runtime-lab-test")
	exp.APIVersion, exp.Kind = labv1.GroupVersion.String(), "Experiment"
	b, err := yaml.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Decode(context.Background(), b); err != nil {
		t.Errorf("the self-test Experiment is invalid: %v\n%s", err, b)
	}
}

// TestSelfTest runs --self-test's loop against a real API server, with
// the test playing the operator: it passes when the Experiment completes,
// fails naming the reason when it fails or is deleted, and deletes its
// Experiment in every case.
func TestSelfTest(t *testing.T) {
	testenv.NeedAPIServer(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Stop() })
	c, err := client.New(env.Config, client.Options{Scheme: labScheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const ns = "runtimelab-system"
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		// operate plays the operator on the Experiment once it exists.
		operate func(e *labv1.Experiment)
		want    string // "" passes
	}{
		{name: "complete", operate: func(e *labv1.Experiment) {
			e.Status.Phase, e.Status.Progress = labv1.PhaseComplete, "1/1"
			meta.SetStatusCondition(&e.Status.Conditions, metav1.Condition{Type: labv1.ConditionComplete, Status: metav1.ConditionTrue,
				Reason: "AllRunsFinished", Message: "every run has an outcome"})
			if err := c.Status().Update(ctx, e); err != nil {
				t.Error(err)
			}
		}},
		{name: "failed", operate: func(e *labv1.Experiment) {
			e.Status.Phase = labv1.PhaseFailed
			meta.SetStatusCondition(&e.Status.Conditions, metav1.Condition{Type: labv1.ConditionFailed, Status: metav1.ConditionTrue,
				Reason: "RetriesExhausted", Message: "run v000-r0: ImageError: ErrImagePull"})
			if err := c.Status().Update(ctx, e); err != nil {
				t.Error(err)
			}
		}, want: "ended Failed: run v000-r0: ImageError: ErrImagePull"},
		{name: "deleted", operate: func(e *labv1.Experiment) {
			if err := c.Delete(ctx, e); err != nil {
				t.Error(err)
			}
		}, want: "was deleted before it ended"},
		{name: "no operator", want: "did not end within 3s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := "selftest-" + strings.ReplaceAll(tt.name, " ", "-")
			if tt.operate != nil {
				go func() {
					var e labv1.Experiment
					for c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &e) != nil {
						time.Sleep(50 * time.Millisecond)
					}
					tt.operate(&e)
				}()
			}
			var out bytes.Buffer
			err := selfTest(ctx, env.Config, ns, name, 3*time.Second, &out)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want %q\n%s", err, tt.want, out.String())
			}
			var left labv1.Experiment
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &left); err == nil && left.DeletionTimestamp == nil {
				t.Errorf("the self-test left its Experiment behind")
			}
		})
	}
}
