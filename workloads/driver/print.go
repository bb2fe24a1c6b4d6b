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

	"golang.org/x/perf/benchfmt"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/api/safetext"
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

// WriteBench writes s in the Go benchmark format (golang.org/x/perf's
// benchfmt), so benchstat can compare runs: configuration lines, the
// direction of each figure as unit metadata ("Unit tasks/s better=higher"),
// then one result line named after the scenario and its parameters, with
// every figure as a value-unit pair. The -N suffix is GOMAXPROCS, as `go
// test` writes it. Text from outside (GODEBUG, the Experiment's name) is
// escaped by safetext, so no value can forge a line benchstat would read.
func WriteBench(w io.Writer, s *result.Summary) error {
	res := &benchfmt.Result{Name: benchfmt.Name(BenchName(s) + fmt.Sprintf("-%d", s.Settings.GOMAXPROCS)), Iters: 1}
	config := [][2]string{
		{"goos", runtime.GOOS}, {"goarch", runtime.GOARCH}, {"go", s.Settings.GoVersion},
		{"gogc", gogcText(s.Settings.GOGC)}, {"gomemlimit", memlimitText(s.Settings.GOMEMLIMIT)},
		{"cpu-limit", cpuLimitText(s.Settings.CPULimitCores)}, {"memory-limit", bytesText(s.Settings.MemoryLimitBytes)},
		{"godebug", s.Settings.GODEBUG}, {"experiment", s.Experiment},
	}
	if h := s.Hierarchy; h != nil {
		config = append(config, [][2]string{
			{"cgroup-levels-visible", strconv.Itoa(h.Visible)},
			{"effective-cpu-limit", cpuLimitText(h.CPULimitCores)}, {"effective-memory-limit", bytesText(h.MemoryLimitBytes)},
			{"cgroup-flags", strings.Join(h.Flags, ",")},
		}...)
	}
	for _, kv := range config {
		if kv[1] != "" {
			res.Config = append(res.Config, benchfmt.Config{Key: kv[0], Value: []byte(safetext.Line(kv[1])), File: true})
		}
	}
	var units []benchfmt.UnitMetadata
	add := func(v float64, unit string, better string) {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
		res.Values = append(res.Values, benchfmt.Value{Value: r, Unit: unit})
		if better != "" {
			units = append(units, benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: unit, Key: "better"}, OrigUnit: unit, Value: better})
		}
	}
	spec, _ := catalog.Lookup(s.Scenario)
	for _, f := range figureOrder(s) {
		better := ""
		if spec != nil {
			if sf, ok := spec.Figure(f); ok {
				better = string(sf.Better)
			}
		}
		add(s.Figures[f], safetext.Line(strings.ReplaceAll(f, " ", "_")), better)
	}
	for _, c := range commonFigures(s) {
		add(c.v, c.unit, "lower")
	}
	bw := benchfmt.NewWriter(w)
	for i := range units {
		if err := bw.Write(&units[i]); err != nil {
			return err
		}
	}
	return bw.Write(res)
}

// BenchName is the scenario (benchfmt adds "Benchmark") followed by /key=value for each
// parameter and the variant, which benchstat reads as configuration.
// Characters that would break the line (spaces, controls) are escaped.
func BenchName(s *result.Summary) string {
	name := []rune(s.Scenario)
	if len(name) > 0 {
		name[0] = unicode.ToUpper(name[0])
	}
	parts := []string{string(name)}
	if s.Variant != "" {
		parts = append(parts, "variant="+s.Variant)
	}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+s.Params[k])
	}
	return nameSafe.Replace(safetext.Line(strings.Join(parts, "/")))
}

// nameSafe keeps a benchmark name one field: no spaces.
var nameSafe = strings.NewReplacer(" ", "_", "\t", "_")

// figureOrder lists the summary's figures in catalogue order, then any
// others sorted.
func figureOrder(s *result.Summary) []string {
	var order []string
	if e, ok := catalog.Lookup(s.Scenario); ok {
		for _, f := range e.Figures {
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
		{s.PathThrottled(), catalog.FigurePathThrottled},
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
