package catalog

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Values are a scenario's parameters parsed and checked against its Spec.
// Accessors panic on a name the Spec does not declare with that kind: that
// is a programming error in the scenario, not bad input.
type Values struct {
	spec *Spec
	vals map[string]any
	text map[string]string
}

// ParseError is bad input: an unknown parameter, a malformed value or one
// out of bounds. Its message names the parameter and the valid range.
type ParseError struct {
	Scenario string
	Param    string
	Msg      string
}

func (e *ParseError) Error() string {
	if e.Param == "" {
		return fmt.Sprintf("scenario %s: %s", e.Scenario, e.Msg)
	}
	return fmt.Sprintf("scenario %s: parameter %s: %s", e.Scenario, e.Param, e.Msg)
}

// Parse applies "key=value" settings over the defaults of spec.
func Parse(spec *Spec, sets []string) (Values, error) {
	given := map[string]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return Values{}, &ParseError{Scenario: spec.Name, Msg: fmt.Sprintf("--set %q: want key=value", kv)}
		}
		given[k] = v
	}
	return ParseMap(spec, given)
}

// ParseMap applies the given text values over the defaults of spec.
func ParseMap(spec *Spec, given map[string]string) (Values, error) {
	keys := make([]string, 0, len(given))
	for k := range given {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := spec.Param(k); !ok {
			return Values{}, &ParseError{Scenario: spec.Name, Param: k,
				Msg: "unknown; valid parameters are " + strings.Join(spec.ParamNames(), ", ")}
		}
	}
	v := Values{spec: spec, vals: map[string]any{}, text: map[string]string{}}
	for _, p := range spec.Params {
		raw, set := given[p.Name]
		if !set {
			raw = p.Default
		}
		val, err := p.Parse(raw)
		if err != nil {
			return Values{}, &ParseError{Scenario: spec.Name, Param: p.Name, Msg: err.Error()}
		}
		v.vals[p.Name] = val
		v.text[p.Name] = p.Format(val)
	}
	return v, nil
}

// Parse converts text to the parameter's Go value (int64, float64, bool,
// time.Duration, int64 bytes or string) and checks its bounds.
func (p Param) Parse(raw string) (any, error) {
	val, err := p.parseKind(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid %s (%s)", raw, p.Kind, p.Bounds())
	}
	if p.Kind == Text {
		if t := val.(string); len(t) > p.MaxLen || !p.matcher().MatchString(t) {
			return nil, fmt.Errorf("%q is not allowed; use %s, matching %s (no spaces but single ones between arguments, no quotes or shell characters)", raw, p.Bounds(), p.Pattern)
		}
		return val, nil
	}
	if p.Kind == Enum {
		if !slices.Contains(p.Values, val.(string)) {
			return nil, fmt.Errorf("%q is not allowed; use %s", raw, p.Bounds())
		}
		return val, nil
	}
	if lo, hi, ok := p.numericBounds(); ok {
		x := toFloat(val)
		if x < lo || x > hi {
			return nil, fmt.Errorf("%s is out of range; use %s", raw, p.Bounds())
		}
	}
	if n, ok := val.(int64); ok && p.PowerOfTwo && (n <= 0 || n&(n-1) != 0) {
		return nil, fmt.Errorf("%s is not a power of two; use %s", raw, p.Bounds())
	}
	return val, nil
}

func (p Param) parseKind(s string) (any, error) {
	switch p.Kind {
	case Int:
		return strconv.ParseInt(s, 10, 64)
	case Float:
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			err = fmt.Errorf("not finite")
		}
		return f, err
	case Bool:
		return strconv.ParseBool(s)
	case Duration:
		return time.ParseDuration(s)
	case Bytes:
		return ParseBytes(s)
	case Enum, Text:
		return s, nil
	}
	return nil, fmt.Errorf("unknown kind %q", p.Kind)
}

// numericBounds returns the bounds as float64; missing ends are infinite.
// It panics on malformed bounds, which only a broken catalogue can have.
func (p Param) numericBounds() (lo, hi float64, ok bool) {
	if p.Kind == Bool || p.Kind == Enum || p.Kind == Text {
		return 0, 0, false
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	if p.Min != "" {
		v, err := p.parseKind(p.Min)
		if err != nil {
			panic(fmt.Sprintf("parameter %s: bad Min %q: %v", p.Name, p.Min, err))
		}
		lo = toFloat(v)
	}
	if p.Max != "" {
		v, err := p.parseKind(p.Max)
		if err != nil {
			panic(fmt.Sprintf("parameter %s: bad Max %q: %v", p.Name, p.Max, err))
		}
		hi = toFloat(v)
	}
	return lo, hi, true
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case time.Duration:
		return float64(x)
	}
	panic(fmt.Sprintf("not numeric: %T", v))
}

// Format renders a parsed value in its canonical text form.
func (p Param) Format(v any) string {
	switch x := v.(type) {
	case int64:
		if p.Kind == Bytes {
			return FormatBytes(x)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Duration:
		return strings.ReplaceAll(x.String(), "µ", "u") // ASCII, and ParseDuration reads it back
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Text returns the canonical text of every parameter, defaults included.
func (v Values) Text() map[string]string {
	out := make(map[string]string, len(v.text))
	for k, s := range v.text {
		out[k] = s
	}
	return out
}

func (v Values) get(name string, kind Kind) any {
	p, ok := v.spec.Param(name)
	if !ok || p.Kind != kind {
		panic(fmt.Sprintf("scenario %s: no %s parameter %q", v.spec.Name, kind, name))
	}
	return v.vals[name]
}

// Int returns an Int parameter.
func (v Values) Int(name string) int { return int(v.get(name, Int).(int64)) }

// Float returns a Float parameter.
func (v Values) Float(name string) float64 { return v.get(name, Float).(float64) }

// Bool returns a Bool parameter.
func (v Values) Bool(name string) bool { return v.get(name, Bool).(bool) }

// Duration returns a Duration parameter.
func (v Values) Duration(name string) time.Duration {
	return v.get(name, Duration).(time.Duration)
}

// Bytes returns a Bytes parameter.
func (v Values) Bytes(name string) int64 { return v.get(name, Bytes).(int64) }

// Enum returns an Enum parameter.
func (v Values) Enum(name string) string { return v.get(name, Enum).(string) }

// PowersOfTwo lists the powers of two within an Int or Bytes parameter's
// bounds, for the API's validation of a PowerOfTwo parameter.
func (p Param) PowersOfTwo() []int64 {
	lo, hi, _ := p.numericBounds()
	var out []int64
	for n := int64(1); n > 0 && float64(n) <= hi; n <<= 1 {
		if float64(n) >= lo {
			out = append(out, n)
		}
	}
	return out
}

// matchers caches the compiled Text patterns; a pattern that does not
// compile is a broken catalogue (the catalogue's tests compile them all).
var matchers sync.Map // pattern → *regexp.Regexp

func (p Param) matcher() *regexp.Regexp {
	if m, ok := matchers.Load(p.Pattern); ok {
		return m.(*regexp.Regexp)
	}
	m := regexp.MustCompile(`^(?:` + p.Pattern + `)$`)
	matchers.Store(p.Pattern, m)
	return m
}

// String returns a Text parameter.
func (v Values) String(name string) string { return v.get(name, Text).(string) }
