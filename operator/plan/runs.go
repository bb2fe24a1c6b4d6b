package plan

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/contract"
)

// Run is one planned run: a variant's repetition.
type Run struct {
	Variant *Variant
	// Index is the repetition, from 0.
	Index int
}

// ID is the run's stable name within its Experiment, e.g. "v003-r1".
func (r Run) ID() string { return fmt.Sprintf("%s-r%d", r.Variant.Name, r.Index) }

// Runs lists every run repetition-major: all variants' first runs, then
// all second runs, so drift on the node over time spreads over every
// variant instead of biasing the ones that run last.
func Runs(variants []Variant, repetitions int) []Run {
	runs := make([]Run, 0, len(variants)*repetitions)
	for rep := range repetitions {
		for i := range variants {
			runs = append(runs, Run{Variant: &variants[i], Index: rep})
		}
	}
	return runs
}

// GoEnv returns the Go runtime environment of a variant: only the knobs
// that are set, so an unset knob keeps the runtime's own default.
// GOMEMLIMIT given as a percentage is resolved against the memory limit.
func GoEnv(v *Variant) ([]contract.EnvVar, error) {
	var env []contract.EnvVar
	add := func(name, value string) { env = append(env, contract.EnvVar{Name: name, Value: value}) }
	if g := v.Knobs.GOMAXPROCS; g != "" && g != "auto" {
		add("GOMAXPROCS", g)
	}
	if g := v.Knobs.GOGC; g != "" {
		add("GOGC", g)
	}
	if g := v.Knobs.GOMEMLIMIT; g != "" && g != "none" {
		limit, err := MemLimitBytes(g, v.Knobs.MemoryLimit)
		if err != nil {
			return nil, fmt.Errorf("variant %s: %w", v.Name, err)
		}
		add("GOMEMLIMIT", strconv.FormatInt(limit, 10))
	}
	if g := v.Knobs.GODEBUG; g != "" {
		add("GODEBUG", g)
	}
	return env, nil
}

// MemLimitBytes resolves a GOMEMLIMIT knob ("900Mi" or "90%") to bytes.
func MemLimitBytes(knob string, memLimit string) (int64, error) {
	if pct, ok := strings.CutSuffix(knob, "%"); ok {
		p, err := strconv.ParseFloat(pct, 64)
		if err != nil || p <= 0 || p > 100 {
			return 0, fmt.Errorf("gomemlimit %q: want a percentage from 1%% to 100%%", knob)
		}
		limit, err := resource.ParseQuantity(memLimit)
		if memLimit == "" || err != nil || limit.IsZero() {
			return 0, fmt.Errorf("gomemlimit %q: a percentage needs a memory limit in the same variant", knob)
		}
		return int64(math.Floor(float64(limit.Value()) * p / 100)), nil
	}
	q, err := resource.ParseQuantity(knob)
	if err != nil {
		return 0, fmt.Errorf("gomemlimit %q: not a quantity such as 900Mi: %w", knob, err)
	}
	return q.Value(), nil
}

// shortHash is a stable 8-hex-digit hash, used to keep names unique when
// they must be truncated.
func shortHash(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

func mustQty(s string) resource.Quantity { return resource.MustParse(s) }
