package plan

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// Run is one planned run: a variant's repetition.
type Run struct {
	Variant *Variant
	// Index is the repetition, from 0.
	Index int
}

// ID is the run's stable name within its Experiment, e.g. "v003-r1".
func (r Run) ID() string { return fmt.Sprintf("%s-r%d", r.Variant.Name, r.Index) }

// Runs lists repetitions runs of every variant (RunsOf with equal counts).
func Runs(variants []Variant, repetitions int) []Run {
	counts := make([]int, len(variants))
	for i := range counts {
		counts[i] = repetitions
	}
	return RunsOf(variants, counts)
}

// RunsOf lists counts[i] runs of variants[i] repetition-major: every
// variant's first run, then every second run, so drift on the node over
// time spreads over every variant instead of biasing the ones that run
// last. Within a repetition the variants go in an order shuffled for that
// repetition (Order), so that no variant always runs first after a pause,
// or always right after the same neighbour.
func RunsOf(variants []Variant, counts []int) []Run {
	total, most := 0, 0
	for _, c := range counts {
		total += c
		most = max(most, c)
	}
	runs := make([]Run, 0, total)
	for rep := range most {
		for _, i := range Order(len(variants), rep) {
			if rep < counts[i] {
				runs = append(runs, Run{Variant: &variants[i], Index: rep})
			}
		}
	}
	return runs
}

// Order is the order of n variants in repetition rep: a permutation drawn
// from a generator seeded with rep alone, so that every pass of the
// operator, and both executors, run the same Experiment in the same order.
func Order(n, rep int) []int {
	return rand.New(rand.NewPCG(uint64(rep), 0x72756e74696d65)).Perm(n) // "runtime"
}

// RunCounts is how many runs each variant has: spec.repetitions, or more
// where status (the runs the executor already added for spec.precision)
// holds more. Variants are matched to status by name.
func RunCounts(variants []Variant, repetitions int, st *labv1.ExperimentStatus) []int {
	have := map[string]int{}
	for _, v := range st.Variants {
		have[v.Name] = len(v.Runs)
	}
	counts := make([]int, len(variants))
	for i, v := range variants {
		counts[i] = max(repetitions, have[v.Name])
	}
	return counts
}

// More returns the runs to add when the variants named in grow get one
// more run each (spec.precision's next round), in the order RunsOf would
// run them; counts is updated.
func More(variants []Variant, counts []int, grow []string) []Run {
	var out []Run
	want := map[string]bool{}
	for _, n := range grow {
		want[n] = true
	}
	most := 0
	for i, v := range variants {
		if want[v.Name] {
			most = max(most, counts[i])
		}
	}
	// One run each, at each variant's next index; the order of the round
	// is that of the highest index's repetition.
	for _, i := range Order(len(variants), most) {
		if want[variants[i].Name] {
			out = append(out, Run{Variant: &variants[i], Index: counts[i]})
			counts[i]++
		}
	}
	return out
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
