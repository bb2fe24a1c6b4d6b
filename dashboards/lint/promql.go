package lint

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
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

// Selectors parses a PromQL expression, Grafana variables included, with
// Prometheus' own parser (promql/parser) and returns its vector
// selectors, each with its range and the innermost function or
// aggregation it is an argument of.
//
// The parser knows no Grafana variables: outside string literals (where
// PromQL takes them as they are) each $var, ${var} or [[var]] is first
// replaced by a duration no dashboard writes, and a selector's range that
// parses to one is reported as the variable's text again, as Grafana's
// dashboard linter does.
func Selectors(expr string) ([]Selector, error) {
	src, vars := expandVariables(expr)
	e, err := parser.NewParser(parser.Options{}).ParseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("promql %q: %w", expr, err)
	}
	var out []Selector
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		sel := Selector{Metric: vs.Name}
		ms := vs.LabelMatchers
		if vs.Name != "" && len(ms) > 0 {
			ms = ms[:len(ms)-1] // the parser adds __name__="<Name>" last
		}
		for _, m := range ms {
			sel.Matchers = append(sel.Matchers, Matcher{Name: m.Name, Op: m.Type.String(), Value: m.Value})
		}
		if len(path) > 0 {
			if m, ok := path[len(path)-1].(*parser.MatrixSelector); ok {
				sel.Range = rangeText(m.Range, vars)
			}
		}
		for i := len(path) - 1; i >= 0 && sel.Func == ""; i-- {
			switch f := path[i].(type) {
			case *parser.Call:
				sel.Func = f.Func.Name
			case *parser.AggregateExpr:
				sel.Func = f.Op.String()
			}
		}
		out = append(out, sel)
		return nil
	})
	return out, nil
}

// grafanaVariable is a Grafana variable reference: $name, ${name} or ${name:fmt},
// or the deprecated [[name]].
var grafanaVariable = regexp.MustCompile(`\$\{[a-zA-Z_][a-zA-Z0-9_]*(?::[a-zA-Z0-9_]+)?\}|\$[a-zA-Z_][a-zA-Z0-9_]*|\[\[[a-zA-Z_][a-zA-Z0-9_]*\]\]`)

// firstStandIn is the first duration variables stand in for, in
// milliseconds: 8869990787ms is a little over 102 days and some
// milliseconds, which no dashboard writes.
const firstStandIn = 8869990787

// expandVariables replaces each variable outside string literals with a
// stand-in duration, and returns the durations' variables.
func expandVariables(expr string) (string, map[time.Duration]string) {
	vars := map[time.Duration]string{}
	byText := map[string]time.Duration{}
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case quote != 0:
			b.WriteByte(c)
			i++
			if c == '\\' && quote != '`' && i < len(expr) {
				b.WriteByte(expr[i])
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		case c == '"' || c == '\'' || c == '`':
			quote = c
			b.WriteByte(c)
			i++
			continue
		}
		if loc := grafanaVariable.FindStringIndex(expr[i:]); loc != nil && loc[0] == 0 {
			text := expr[i : i+loc[1]]
			d, ok := byText[text]
			if !ok {
				d = time.Duration(firstStandIn+len(byText)) * time.Millisecond
				byText[text], vars[d] = d, text
			}
			fmt.Fprintf(&b, "%dms", d.Milliseconds())
			i += loc[1]
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), vars
}

// rangeText is a range as the dashboard wrote it: the variable a stand-in
// stands for, else Prometheus' duration text (5m, 1h30m).
func rangeText(d time.Duration, vars map[time.Duration]string) string {
	// The parser may compute a range through float seconds: compare whole
	// milliseconds.
	if v, ok := vars[d.Round(time.Millisecond)]; ok {
		return v
	}
	return model.Duration(d).String()
}
