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
// knobs. It returns "" when they agree, else the reason, naming both.
func LimitsSeen(k labv1.Knobs, s result.Settings) string {
	var bad []string
	if k.CPULimit != "" {
		want, err := resource.ParseQuantity(k.CPULimit)
		cores := float64(want.MilliValue()) / 1000
		if err != nil || math.Abs(s.CPULimitCores-cores) > 0.0005 {
			bad = append(bad, fmt.Sprintf("cpu %s asked, %s seen", k.CPULimit, coresText(s.CPULimitCores)))
		}
	} else if s.CPULimitCores > 0 {
		bad = append(bad, fmt.Sprintf("no cpu limit asked, %s seen", coresText(s.CPULimitCores)))
	}
	if k.MemoryLimit != "" {
		want, err := resource.ParseQuantity(k.MemoryLimit)
		if err != nil || s.MemoryLimitBytes > want.Value() || want.Value()-s.MemoryLimitBytes >= memorySlack {
			bad = append(bad, fmt.Sprintf("memory %s asked, %s seen", k.MemoryLimit, bytesText(s.MemoryLimitBytes)))
		}
	} else if s.MemoryLimitBytes > 0 {
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
