package catalog

import (
	"fmt"
	"strings"
)

// Kind is the type of a parameter's value.
type Kind string

// The parameter kinds. Their text forms are what `--set key=value` accepts.
const (
	// Int is a whole number, e.g. "64".
	Int Kind = "int"
	// Float is a decimal number, e.g. "0.25".
	Float Kind = "float"
	// Bool is "true" or "false".
	Bool Kind = "bool"
	// Duration is a Go duration, e.g. "250us" or "2s".
	Duration Kind = "duration"
	// Bytes is a Kubernetes-style quantity of bytes, e.g. "64Mi" or "1G".
	Bytes Kind = "bytes"
	// Enum is one of a fixed list of words.
	Enum Kind = "enum"
	// Text is a string matching the parameter's Pattern (anchored), at
	// most MaxLen bytes: an image reference, a URL path. The pattern is
	// what keeps it out of shells, paths and line-oriented files
	// unchecked, so it must rule out whitespace and quotes.
	Text Kind = "text"
)

// Param describes one scenario parameter.
type Param struct {
	// Name is the lowerCamelCase key used by --set and by the Experiment API.
	Name string
	Kind Kind
	// Default is the value used when the parameter is not set, in the
	// kind's text form.
	Default string
	// Min and Max bound the value, inclusive, in the kind's text form; empty
	// means unbounded. Every numeric parameter should be bounded so a typo
	// cannot ask for a terabyte heap.
	Min, Max string
	// Values lists the allowed words of an Enum.
	Values []string
	// Pattern is the regular expression (RE2, also a valid OpenAPI
	// pattern) a Text value must match whole; MaxLen its longest length.
	// Example is a valid value for messages.
	Pattern string
	MaxLen  int
	Example string
	// PowerOfTwo restricts an Int or Bytes parameter to powers of two
	// within its bounds.
	PowerOfTwo bool
	// Doc says what the parameter changes in the runtime's behaviour.
	Doc string
}

// Better says which direction of a figure is an improvement.
type Better string

// Directions of improvement.
const (
	Higher Better = "higher"
	Lower  Better = "lower"
)

// Figure describes one number a scenario reports in its summary.
type Figure struct {
	// Name is the key in result.Summary.Figures and the unit in Go
	// benchmark-format lines, so it has no spaces, e.g. "tasks/s".
	Name string
	// Unit is the unit of the value, e.g. "1/s", "s", "bytes", "ratio".
	Unit   string
	Better Better
	Doc    string
	// Resolution says how finely the figure is measured when that is
	// coarser than the precision a report prints (RuntimeHistogram); empty
	// when it is finer.
	Resolution string
}

// RuntimeHistogram is the resolution of a quantile read from one of the
// runtime's time histograms (/sched/latencies:seconds, /sched/pauses/...):
// four linear sub-buckets per power of two (timeHistSubBucketBits = 2 in
// runtime/histogram.go), so a bucket spans 12.5–25 % of its value. The
// probe interpolates within the bucket; a difference smaller than a bucket
// is not one the runtime resolved.
const RuntimeHistogram = "runtime histogram: buckets 12.5-25% wide, quantile interpolated within its bucket"

// ExportedHistogram is the resolution of a quantile read from a runtime
// histogram as client_golang's Go collector exports it: it merges the
// runtime's buckets into about eight, each roughly 11 times wider than the
// one below, so a quantile is known within its bucket only.
const ExportedHistogram = "client_golang's export of a runtime histogram: buckets about 11x apart, quantile interpolated within its bucket"

// Spec is a scenario's catalogue entry.
type Spec struct {
	// Name is the registered name, e.g. "gc".
	Name string
	// Summary is one line for `workload list`.
	Summary string
	// Doc explains what the scenario drives and what to look at.
	Doc    string
	Params []Param
	// Headline names the figures a report shows first (after the
	// objective's), chosen for what the scenario's exercises teach; the
	// common cpu-cores, throttled-s/s and mem-peak-B follow them.
	Headline []string
	Figures  []Figure
	// Memory estimates what a run needs at some parameters on top of
	// BaseMemory: its live heap, stacks, connections and retained
	// objects (MemoryNeed adds the base). nil: nothing beyond it.
	Memory func(Values, MemoryInput) Need
	// Roles lists the parts a process can play when a scenario spans
	// processes (a server and its load generator, each in its own pod so
	// they never share a CPU quota). The first is the default. Empty means
	// one role.
	Roles []Role
}

// Role is one part a process can play in a multi-process scenario.
type Role struct {
	Name string
	Doc  string
	// NeedsTarget is true for client roles, which connect to --target.
	NeedsTarget bool
}

// Role returns the role called name; "" names the default.
func (s *Spec) Role(name string) (Role, bool) {
	if len(s.Roles) == 0 {
		return Role{}, name == ""
	}
	if name == "" {
		return s.Roles[0], true
	}
	for _, r := range s.Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// Param returns the parameter called name.
func (s *Spec) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames lists the parameter names in catalogue order.
func (s *Spec) ParamNames() []string {
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	return names
}

// Bounds renders a parameter's valid range for messages and docs.
func (p Param) Bounds() string {
	switch {
	case p.Kind == Enum:
		return "one of " + strings.Join(p.Values, ", ")
	case p.Kind == Bool:
		return "true or false"
	case p.Kind == Text && p.Example != "":
		return fmt.Sprintf("text of at most %d characters such as %s", p.MaxLen, p.Example)
	case p.Kind == Text:
		return fmt.Sprintf("text of at most %d characters", p.MaxLen)
	case p.Min != "" && p.Max != "" && p.PowerOfTwo:
		return fmt.Sprintf("a power of two from %s to %s", p.Min, p.Max)
	case p.Min != "" && p.Max != "":
		return fmt.Sprintf("%s to %s", p.Min, p.Max)
	case p.Min != "":
		return "at least " + p.Min
	case p.Max != "":
		return "at most " + p.Max
	}
	return "any " + string(p.Kind)
}

// The figures every run reports besides its scenario's own: the
// container's CPU, throttling and memory, and the GC's CPU share.
const (
	FigureCores     = "cpu-cores"
	FigureThrottled = "throttled-frac"
	// FigureThrottledTime is throttled seconds per second: unlike the
	// share of throttled periods it does not saturate at 1.
	FigureThrottledTime = "throttled-s/s"
	FigureMemPeak       = "mem-peak-B"
	FigureGCCPU         = "gc-cpu-frac"
	// FigurePathThrottled is the highest throttled share of any cgroup on
	// the container's path it could see (result.Hierarchy): a quota set on
	// a pod or a parent throttles without the container's own counters
	// showing it.
	FigurePathThrottled = "path-throttled-frac"
)

// CommonFigures describes the figures every run reports besides its
// scenario's own: the one table the report, the recommendation, the
// benchmark lines and the API's figure lists read.
var CommonFigures = []Figure{
	{Name: FigureCores, Unit: "cores", Better: Lower, Doc: "CPU cores the container used (cgroup)"},
	{Name: FigureThrottled, Unit: "ratio", Better: Lower, Doc: "share of CFS periods throttled (any overrun counts; it saturates at 1)"},
	{Name: FigureThrottledTime, Unit: "s/s", Better: Lower, Doc: "seconds the container's threads sat throttled per second of the window (cgroup throttled time): how much the quota costs, past where throttled-frac saturates"},
	{Name: FigurePathThrottled, Unit: "ratio", Better: Lower, Doc: "the highest share of CFS periods throttled of any cgroup on the container's path that it could see (its own, its pod's, a parent slice's): a quota above the container throttles it without its own cpu.stat showing it; the own share where no parent is visible"},
	{Name: FigureMemPeak, Unit: "B", Better: Lower, Doc: "peak memory of the container (cgroup)"},
	{Name: FigureGCCPU, Unit: "ratio", Better: Lower, Doc: "share of available CPU the GC used"},
}

// The figures that say how busy the rest of the machine was during a run
// (result.Machine): the run's neighbours, never the variant's result, so
// they are no objective and no constraint, and AllFigures leaves them out.
const (
	FigureMachineOther = "machine-other-cores"
	FigureMachineSteal = "machine-steal-frac"
	FigureMachineSome  = "machine-cpu-some-frac"
)

// MachineFigures describes them.
var MachineFigures = []Figure{
	{Name: FigureMachineOther, Unit: "cores", Better: Lower, Doc: "CPU the rest of the machine used during the window (/proc/stat busy time less the run's own; a service server's includes its load generator): not the variant's"},
	{Name: FigureMachineSteal, Unit: "ratio", Better: Lower, Doc: "share of the machine's CPU time the hypervisor gave other guests during the window: not the variant's"},
	{Name: FigureMachineSome, Unit: "ratio", Better: Lower, Doc: "share of the window in which some task on the machine waited for a CPU (PSI cpu some), the run's own threads included"},
}

// AllFigures lists the scenario's own figures in catalogue order, then the
// common ones it does not declare itself.
func (s *Spec) AllFigures() []Figure {
	out := append([]Figure(nil), s.Figures...)
	for _, c := range CommonFigures {
		if _, own := s.ownFigure(c.Name); !own {
			out = append(out, c)
		}
	}
	return out
}

// Figure finds one of AllFigures, or of MachineFigures, by name.
func (s *Spec) Figure(name string) (Figure, bool) {
	if f, ok := s.ownFigure(name); ok {
		return f, true
	}
	for _, c := range append(CommonFigures[:len(CommonFigures):len(CommonFigures)], MachineFigures...) {
		if c.Name == name {
			return c, true
		}
	}
	return Figure{}, false
}

// FigureNames lists the names of AllFigures.
func (s *Spec) FigureNames() []string {
	all := s.AllFigures()
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name
	}
	return names
}

func (s *Spec) ownFigure(name string) (Figure, bool) {
	for _, f := range s.Figures {
		if f.Name == name {
			return f, true
		}
	}
	return Figure{}, false
}
