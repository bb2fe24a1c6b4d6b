package plan

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// Resized is the workload container's resources that spec.resizes asks
// for elapsed into the measured window, for a run of variant v: the
// variant's limits with every resize due by then applied in order, and
// the wait until the next one (0 when none is left). A request equal to
// its limit (as the API server defaults an unset one) follows the limit,
// so that the pod keeps its QoS class, which an in-place resize may not
// change; a lower request stays, capped at the new limit.
func Resized(v *Variant, resizes []labv1.Resize, elapsed time.Duration) (corev1.ResourceRequirements, time.Duration) {
	base := containerResources(v)
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if l, ok := base.Limits[name]; ok {
			if _, ok := base.Requests[name]; !ok {
				if base.Requests == nil {
					base.Requests = corev1.ResourceList{}
				}
				base.Requests[name] = l.DeepCopy()
			}
		}
	}
	want := *base.DeepCopy()
	var next time.Duration
	for _, r := range resizes {
		if r.After.Duration > elapsed {
			next = r.After.Duration - elapsed
			break
		}
		if r.CPU != nil {
			setLimit(&want, base, corev1.ResourceCPU, r.CPU.DeepCopy())
		}
		if r.Memory != nil {
			if q, err := resource.ParseQuantity(*r.Memory); err == nil {
				setLimit(&want, base, corev1.ResourceMemory, q)
			}
		}
	}
	return want, next
}

// setLimit sets want's limit of name to q, and its request to q when the
// base request equalled the base limit, else to the base request capped
// at q.
func setLimit(want *corev1.ResourceRequirements, base corev1.ResourceRequirements, name corev1.ResourceName, q resource.Quantity) {
	if want.Limits == nil {
		want.Limits = corev1.ResourceList{}
	}
	want.Limits[name] = q
	bl, hasLimit := base.Limits[name]
	br, hasReq := base.Requests[name]
	switch {
	case !hasReq, hasLimit && br.Cmp(bl) == 0:
		if want.Requests == nil {
			want.Requests = corev1.ResourceList{}
		}
		want.Requests[name] = q.DeepCopy()
	case br.Cmp(q) > 0:
		want.Requests[name] = q.DeepCopy()
	}
}
