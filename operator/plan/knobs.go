package plan

import (
	"maps"
	"strings"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// Knob is one knob of the matrix: the one table from which variants are
// crossed, described, plotted and compared.
type Knob struct {
	// Name names it in descriptions, plots and --plot, e.g. "gomaxprocs".
	Name string
	// Unit is the unit of its numeric values, for plot ticks.
	Unit string
	// Get reads its value from a variant's knobs (a limit for cpu and
	// memory); Request reads the request that goes with it, if any.
	Get, Request func(labv1.Knobs) string
	// Clear removes it (with its request) from a variant's knobs.
	Clear func(*labv1.Knobs)
	// Plot: it can be a plot's X axis. Describe: Describe names it (the
	// image is too long to).
	Plot, Describe bool
	// cross is its list in the matrix: how many values, and how to set
	// the i-th on a variant.
	cross func(m *labv1.Matrix) (int, func(i int, v *Variant))
}

// Knobs are the matrix's knobs in crossing order: the last varies
// fastest between consecutive variants.
var Knobs = []Knob{
	{Name: "cpu", Unit: "cores", Plot: true, Describe: true,
		Get:     func(k labv1.Knobs) string { return k.CPULimit },
		Request: func(k labv1.Knobs) string { return k.CPURequest },
		Clear:   func(k *labv1.Knobs) { k.CPULimit, k.CPURequest = "", "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.CPU), func(i int, v *Variant) {
				v.CPU = m.CPU[i]
				v.Knobs.CPURequest, v.Knobs.CPULimit = qty(m.CPU[i].Request), qty(m.CPU[i].Limit)
			}
		}},
	{Name: "memory", Unit: "B", Plot: true, Describe: true,
		Get:     func(k labv1.Knobs) string { return k.MemoryLimit },
		Request: func(k labv1.Knobs) string { return k.MemoryRequest },
		Clear:   func(k *labv1.Knobs) { k.MemoryLimit, k.MemoryRequest = "", "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.Memory), func(i int, v *Variant) {
				v.Memory = m.Memory[i]
				v.Knobs.MemoryRequest, v.Knobs.MemoryLimit = str(m.Memory[i].Request), str(m.Memory[i].Limit)
			}
		}},
	{Name: "gomaxprocs", Plot: true, Describe: true,
		Get:   func(k labv1.Knobs) string { return k.GOMAXPROCS },
		Clear: func(k *labv1.Knobs) { k.GOMAXPROCS = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.GOMAXPROCS), func(i int, v *Variant) { v.Knobs.GOMAXPROCS = m.GOMAXPROCS[i] }
		}},
	{Name: "gogc", Plot: true, Describe: true,
		Get:   func(k labv1.Knobs) string { return k.GOGC },
		Clear: func(k *labv1.Knobs) { k.GOGC = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.GOGC), func(i int, v *Variant) { v.Knobs.GOGC = m.GOGC[i] }
		}},
	{Name: "gomemlimit", Unit: "B", Plot: true, Describe: true,
		Get:   func(k labv1.Knobs) string { return k.GOMEMLIMIT },
		Clear: func(k *labv1.Knobs) { k.GOMEMLIMIT = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.GOMEMLIMIT), func(i int, v *Variant) { v.Knobs.GOMEMLIMIT = m.GOMEMLIMIT[i] }
		}},
	{Name: "godebug", Plot: true, Describe: true,
		Get:   func(k labv1.Knobs) string { return k.GODEBUG },
		Clear: func(k *labv1.Knobs) { k.GODEBUG = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.GODEBUG), func(i int, v *Variant) { v.Knobs.GODEBUG = m.GODEBUG[i] }
		}},
	{Name: "image",
		Get:   func(k labv1.Knobs) string { return k.Image },
		Clear: func(k *labv1.Knobs) { k.Image = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.Images), func(i int, v *Variant) { v.Knobs.Image = m.Images[i] }
		}},
	{Name: "params", Plot: true, Describe: true,
		Get:   func(k labv1.Knobs) string { return k.ParamSet },
		Clear: func(k *labv1.Knobs) { k.ParamSet = "" },
		cross: func(m *labv1.Matrix) (int, func(int, *Variant)) {
			return len(m.ParamSets), func(i int, v *Variant) {
				v.Knobs.ParamSet = m.ParamSets[i].Name
				maps.Copy(v.Params, m.ParamSets[i].Scenario.Params())
			}
		}},
}

// LookupKnob finds a knob by name.
func LookupKnob(name string) (Knob, bool) {
	for _, k := range Knobs {
		if k.Name == name {
			return k, true
		}
	}
	return Knob{}, false
}

// Describe renders a variant's knobs that differ from the defaults, e.g.
// "cpu=500m gomaxprocs=2" (the image aside).
func Describe(k labv1.Knobs) string {
	var parts []string
	for _, kn := range Knobs {
		if !kn.Describe {
			continue
		}
		if v := kn.Get(k); v != "" {
			parts = append(parts, kn.Name+"="+v)
		}
		if kn.Request != nil {
			if v := kn.Request(k); v != "" {
				parts = append(parts, kn.Name+"-request="+v)
			}
		}
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

// Varying lists the knobs whose value (or request) differs between
// variants, in table order.
func Varying(ks []labv1.Knobs) []Knob {
	var out []Knob
	for _, kn := range Knobs {
		seen := map[string]bool{}
		for _, k := range ks {
			r := ""
			if kn.Request != nil {
				r = kn.Request(k)
			}
			seen[kn.Get(k)+"\x00"+r] = true
		}
		if len(seen) > 1 {
			out = append(out, kn)
		}
	}
	return out
}
