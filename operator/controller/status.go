package controller

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// setStatus computes the status from the run states.
func setStatus(exp *labv1.Experiment, variants []plan.Variant, states []*runState, obj plan.Objective, now metav1.Time) {
	runs := make([]plan.Run, len(states))
	statuses := make([]labv1.RunStatus, len(states))
	for i, s := range states {
		runs[i], statuses[i] = s.run, s.status
	}
	expstatus.Set(exp, variants, runs, statuses, obj, now)
}
