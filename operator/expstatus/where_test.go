package expstatus

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func TestWhere(t *testing.T) {
	cond := func(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
	}
	for _, tt := range []struct {
		name  string
		conds []metav1.Condition
		want  string
	}{
		{name: "no conditions", want: ""},
		{name: "progressing", conds: []metav1.Condition{cond(labv1.ConditionProgressing, metav1.ConditionTrue, "RunsInProgress", "3 of 6 runs finished")},
			want: "3 of 6 runs finished"},
		{name: "failed wins over progressing", conds: []metav1.Condition{
			cond(labv1.ConditionProgressing, metav1.ConditionTrue, "RunsInProgress", "3 of 6 runs finished"),
			cond(labv1.ConditionFailed, metav1.ConditionTrue, "RetriesExhausted", "v000-r1: ImageError")}, want: "v000-r1: ImageError"},
		{name: "complete, not the false failed", conds: []metav1.Condition{
			cond(labv1.ConditionFailed, metav1.ConditionFalse, "NoFailure", "no run exhausted its retries"),
			cond(labv1.ConditionComplete, metav1.ConditionTrue, "AllRunsFinished", "every run has an outcome")}, want: "every run has an outcome"},
		{name: "the reason when there is no message", conds: []metav1.Condition{cond(labv1.ConditionComplete, metav1.ConditionTrue, "AllRunsFinished", "")},
			want: "AllRunsFinished"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &labv1.Experiment{Status: labv1.ExperimentStatus{Conditions: tt.conds}}
			if got := Where(e); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
