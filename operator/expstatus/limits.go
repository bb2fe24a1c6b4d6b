package expstatus

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// memorySlack is how far a memory limit may read back from the one asked
// for: the kernel rounds it down to a whole page (64 KiB on some arm64
// kernels).
const memorySlack = 64 << 10

// LimitsSeen checks that a run ran under its variant's limits, as the
// workload itself read them from its cgroup: a run whose cgroup enforced
// other limits (none, when no cgroup could be made; another, when the
// cgroup was not the sandbox) must not be reported under the variant's
// knobs. Under pod-level limits (pod, nil for none), a container without a
// limit of its own may read none or the pod's: the kubelet copied the
// pod's into its cgroup on the dev cluster, and the local executor does
// the same. It returns "" when they agree, else the reason, naming both.
func LimitsSeen(k labv1.Knobs, pod *labv1.PodLimits, s result.Settings) string {
	var bad []string
	var podCPU, podMemory string
	if pod != nil {
		if pod.CPU != nil {
			podCPU = pod.CPU.String()
		}
		if pod.Memory != nil {
			podMemory = *pod.Memory
		}
	}
	cpuIs := func(q string) bool {
		want, err := resource.ParseQuantity(q)
		return err == nil && math.Abs(s.CPULimitCores-float64(want.MilliValue())/1000) <= 0.0005
	}
	memoryIs := func(q string) bool {
		want, err := resource.ParseQuantity(q)
		return err == nil && s.MemoryLimitBytes <= want.Value() && want.Value()-s.MemoryLimitBytes < memorySlack
	}
	switch {
	case k.CPULimit != "":
		if !cpuIs(k.CPULimit) {
			bad = append(bad, fmt.Sprintf("cpu %s asked, %s seen", k.CPULimit, coresText(s.CPULimitCores)))
		}
	case s.CPULimitCores > 0 && (podCPU == "" || !cpuIs(podCPU)):
		bad = append(bad, fmt.Sprintf("no cpu limit asked, %s seen", coresText(s.CPULimitCores)))
	}
	switch {
	case k.MemoryLimit != "":
		if !memoryIs(k.MemoryLimit) {
			bad = append(bad, fmt.Sprintf("memory %s asked, %s seen", k.MemoryLimit, bytesText(s.MemoryLimitBytes)))
		}
	case s.MemoryLimitBytes > 0 && (podMemory == "" || !memoryIs(podMemory)):
		bad = append(bad, fmt.Sprintf("no memory limit asked, %s seen", bytesText(s.MemoryLimitBytes)))
	}
	if len(bad) == 0 {
		return ""
	}
	where := "its cgroup"
	if s.CgroupVersion == 0 {
		where = "no cgroup (the workload found none)"
	}
	return "limits not enforced (" + strings.Join(bad, "; ") + " in " + where + "): its figures are not this variant's"
}

func coresText(c float64) string {
	if c <= 0 {
		return "none"
	}
	return strconv.FormatFloat(c, 'g', 4, 64) + " CPU"
}

func bytesText(b int64) string {
	if b <= 0 {
		return "none"
	}
	return resource.NewQuantity(b, resource.BinarySI).String()
}
