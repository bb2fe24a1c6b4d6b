package lint

import (
	"fmt"
	"strings"
)

// Selector is one vector selector of a PromQL expression.
type Selector struct {
	// Metric is the metric name before the braces, or "" when the name
	// comes from a __name__ matcher.
	Metric   string
	Matchers []Matcher
	// Range is the text inside [...] right after the selector ("" for an
	// instant vector).
	Range string
	// Func is the innermost function or aggregation the selector is an
	// argument of ("rate", "sum", ... or "" at the top level).
	Func string
}

// Matcher is one label matcher: Name Op "Value".
type Matcher struct {
	Name, Op, Value string
}

// Matcher returns the selector's matcher on label.
func (s Selector) Matcher(label string) (Matcher, bool) {
	for _, m := range s.Matchers {
		if m.Name == label {
			return m, true
		}
	}
	return Matcher{}, false
}

// Name is the metric name, from before the braces or an equality
// __name__ matcher; "" for a __name__ regex.
func (s Selector) Name() string {
	if s.Metric != "" {
		return s.Metric
	}
	if m, ok := s.Matcher("__name__"); ok && m.Op == "=" {
		return m.Value
	}
	return ""
}

// keywords are identifiers that are not metric names when they are not
// followed by '('.
var keywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"inf": true, "nan": true, "Inf": true, "NaN": true,
}

// aggregations may be followed by a by/without clause before their '('.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// labelLists are followed by a parenthesised list of label names.
var labelLists = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// Selectors scans a PromQL expression, Grafana variables included, and
// returns its vector selectors. It checks that brackets balance and
// matchers are well formed; it is not a full parser.
func Selectors(expr string) ([]Selector, error) {
	sc := &scanner{s: expr}
	return sc.run()
}

type scanner struct {
	s     string
	i     int
	funcs []string // open parentheses: the function each belongs to
	out   []Selector
	agg   string // aggregation waiting for its '(' after by/without
}

func (sc *scanner) errorf(format string, a ...any) error {
	return fmt.Errorf("promql %q at offset %d: %s", sc.s, sc.i, fmt.Sprintf(format, a...))
}

func (sc *scanner) run() ([]Selector, error) {
	for {
		sc.skipSpace()
		if sc.i >= len(sc.s) {
			break
		}
		c := sc.s[sc.i]
		var err error
		switch {
		case isIdentStart(c):
			err = sc.ident()
		case c == '{':
			err = sc.selector("")
		case c == '(':
			sc.funcs = append(sc.funcs, sc.agg)
			sc.agg = ""
			sc.i++
		case c == ')':
			if len(sc.funcs) == 0 {
				return nil, sc.errorf("unbalanced ')'")
			}
			sc.funcs = sc.funcs[:len(sc.funcs)-1]
			sc.i++
		case c == '[':
			// a subquery or a range after a parenthesised expression
			_, err = sc.bracket()
		case c == '"' || c == '\'' || c == '`':
			_, err = sc.str()
		case c == ']' || c == '}':
			return nil, sc.errorf("unbalanced %q", c)
		default: // numbers, durations, operators, commas, '@'
			sc.i++
			for sc.i < len(sc.s) && (isIdentChar(sc.s[sc.i]) || sc.s[sc.i] == '.') && isDigit(c) {
				sc.i++
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if len(sc.funcs) > 0 {
		return nil, sc.errorf("%d unclosed '('", len(sc.funcs))
	}
	return sc.out, nil
}

func (sc *scanner) ident() error {
	start := sc.i
	for sc.i < len(sc.s) && isIdentChar(sc.s[sc.i]) {
		sc.i++
	}
	name := sc.s[start:sc.i]
	sc.skipSpace()
	next := byte(0)
	if sc.i < len(sc.s) {
		next = sc.s[sc.i]
	}
	switch {
	case labelLists[name] && next == '(':
		end := strings.IndexByte(sc.s[sc.i:], ')')
		if end < 0 {
			return sc.errorf("unclosed label list after %s", name)
		}
		sc.i += end + 1
	case aggregations[name] && next != '(':
		sc.agg = name // its by/without clause comes first
	case next == '(':
		sc.funcs = append(sc.funcs, name)
		sc.i++
	case keywords[name]:
	default:
		return sc.selector(name)
	}
	return nil
}

// selector reads optional {matchers} and an optional [range] after a
// metric name (or none).
func (sc *scanner) selector(metric string) error {
	sel := Selector{Metric: metric}
	if len(sc.funcs) > 0 {
		sel.Func = sc.funcs[len(sc.funcs)-1]
	}
	sc.skipSpace()
	if sc.i < len(sc.s) && sc.s[sc.i] == '{' {
		ms, err := sc.matchers()
		if err != nil {
			return err
		}
		sel.Matchers = ms
	}
	sc.skipSpace()
	if sc.i < len(sc.s) && sc.s[sc.i] == '[' {
		r, err := sc.bracket()
		if err != nil {
			return err
		}
		sel.Range = r
	}
	if sel.Metric == "" && len(sel.Matchers) == 0 {
		return sc.errorf("empty selector {}")
	}
	sc.out = append(sc.out, sel)
	return nil
}

func (sc *scanner) matchers() ([]Matcher, error) {
	sc.i++ // '{'
	var out []Matcher
	for {
		sc.skipSpace()
		if sc.i >= len(sc.s) {
			return nil, sc.errorf("unclosed '{'")
		}
		if sc.s[sc.i] == '}' {
			sc.i++
			return out, nil
		}
		start := sc.i
		for sc.i < len(sc.s) && isIdentChar(sc.s[sc.i]) {
			sc.i++
		}
		name := sc.s[start:sc.i]
		if name == "" {
			return nil, sc.errorf("want a label name in a matcher")
		}
		sc.skipSpace()
		op := ""
		for _, o := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(sc.s[sc.i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, sc.errorf("want =, !=, =~ or !~ after label %s", name)
		}
		sc.i += len(op)
		sc.skipSpace()
		v, err := sc.str()
		if err != nil {
			return nil, err
		}
		out = append(out, Matcher{Name: name, Op: op, Value: v})
		sc.skipSpace()
		if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
			sc.i++
		}
	}
}

func (sc *scanner) str() (string, error) {
	if sc.i >= len(sc.s) || !strings.ContainsRune("\"'`", rune(sc.s[sc.i])) {
		return "", sc.errorf("want a quoted string")
	}
	q := sc.s[sc.i]
	var b strings.Builder
	for sc.i++; sc.i < len(sc.s); sc.i++ {
		c := sc.s[sc.i]
		switch {
		case c == '\\' && q != '`' && sc.i+1 < len(sc.s):
			sc.i++
			b.WriteByte(sc.s[sc.i])
		case c == q:
			sc.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", sc.errorf("unterminated string")
}

func (sc *scanner) bracket() (string, error) {
	end := strings.IndexByte(sc.s[sc.i:], ']')
	if end < 0 {
		return "", sc.errorf("unclosed '['")
	}
	r := strings.TrimSpace(sc.s[sc.i+1 : sc.i+end])
	sc.i += end + 1
	if r == "" {
		return "", sc.errorf("empty range []")
	}
	return r, nil
}

func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) && strings.ContainsRune(" \t\n\r", rune(sc.s[sc.i])) {
		sc.i++
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
