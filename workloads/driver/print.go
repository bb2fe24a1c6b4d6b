package driver

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

func (r *run) print(s *result.Summary) error {
	out := r.cfg.Stdout
	if r.cfg.Output != OutputJSON {
		if err := WriteBench(out, s); err != nil {
			return err
		}
	}
	if r.cfg.Output == OutputBench {
		return nil
	}
	var b []byte
	var err error
	if r.cfg.Output == OutputJSON {
		b, err = json.Marshal(s)
	} else {
		b, err = json.MarshalIndent(s, "", "  ")
	}
	if err != nil {
		return fmt.Errorf("print summary: %w", err)
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

// WriteBench writes s in the Go benchmark format, so benchstat can compare
// runs: configuration lines, then one result line named after the scenario
// and its parameters, with every figure as a value-unit pair. The -N
// suffix is GOMAXPROCS, as `go test` writes it.
func WriteBench(w io.Writer, s *result.Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "go: %s\ngogc: %s\ngomemlimit: %s\n", s.Settings.GoVersion, gogcText(s.Settings.GOGC), memlimitText(s.Settings.GOMEMLIMIT))
	fmt.Fprintf(&b, "cpu-limit: %s\nmemory-limit: %s\n", cpuLimitText(s.Settings.CPULimitCores), bytesText(s.Settings.MemoryLimitBytes))
	if s.Settings.GODEBUG != "" {
		fmt.Fprintf(&b, "godebug: %s\n", s.Settings.GODEBUG)
	}
	if s.Experiment != "" {
		fmt.Fprintf(&b, "experiment: %s\n", s.Experiment)
	}
	b.WriteString(BenchName(s))
	fmt.Fprintf(&b, "-%d\t1", s.Settings.GOMAXPROCS)
	for _, f := range figureOrder(s) {
		fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(s.Figures[f], 'g', 6, 64), f)
	}
	for _, c := range commonFigures(s) {
		fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(c.v, 'g', 6, 64), c.unit)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// BenchName is "Benchmark<Scenario>" followed by /key=value for each
// parameter and the variant, which benchstat reads as configuration.
func BenchName(s *result.Summary) string {
	name := []rune(s.Scenario)
	name[0] = unicode.ToUpper(name[0])
	parts := []string{"Benchmark" + string(name)}
	if s.Variant != "" {
		parts = append(parts, "variant="+s.Variant)
	}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+strings.ReplaceAll(s.Params[k], " ", "_"))
	}
	return strings.Join(parts, "/")
}

// figureOrder lists the summary's figures in catalogue order, then any
// others sorted.
func figureOrder(s *result.Summary) []string {
	var order []string
	if e, ok := catalog.Lookup(s.Scenario); ok {
		for _, f := range e.Spec.Figures {
			if _, ok := s.Figures[f.Name]; ok {
				order = append(order, f.Name)
			}
		}
	}
	var rest []string
	for k := range s.Figures {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}

type benchValue struct {
	v    float64
	unit string
}

// commonFigures are reported for every scenario from the probe.
func commonFigures(s *result.Summary) []benchValue {
	return []benchValue{
		{s.CPU.Cores, "cpu-cores"},
		{s.CPU.ThrottledRatio, "throttled-frac"},
		{float64(s.Memory.PeakBytes), "mem-peak-B"},
	}
}

func gogcText(v int) string {
	if v < 0 {
		return "off"
	}
	return strconv.Itoa(v)
}

func memlimitText(v int64) string {
	if v <= 0 || v == 1<<63-1 {
		return "none"
	}
	return strconv.FormatInt(v, 10)
}

func cpuLimitText(v float64) string {
	if v <= 0 {
		return "none"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func bytesText(v int64) string {
	if v <= 0 {
		return "none"
	}
	return strconv.FormatInt(v, 10)
}
