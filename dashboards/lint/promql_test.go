package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelectors(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		want    []Selector
		wantErr string
	}{
		{
			name: "rate under sum by",
			expr: `sum by (variant) (rate(go_gc_cycles_total_gc_cycles_total{job=~"$job", variant=~"$variant"}[$__rate_interval]))`,
			want: []Selector{{Metric: "go_gc_cycles_total_gc_cycles_total", Func: "rate", Range: "$__rate_interval",
				Matchers: []Matcher{{"job", "=~", "$job"}, {"variant", "=~", "$variant"}}}},
		},
		{
			name: "histogram_quantile, name regex and a binary operator",
			expr: `histogram_quantile(0.99, sum by (le) (rate({__name__=~"a_bucket|b_bucket", job="x"}[5m]))) / on (job) group_left(instance) up{job="x"} > 2^62`,
			want: []Selector{
				{Func: "rate", Range: "5m", Matchers: []Matcher{{"__name__", "=~", "a_bucket|b_bucket"}, {"job", "=", "x"}}},
				{Metric: "up", Matchers: []Matcher{{"job", "=", "x"}}},
			},
		},
		{
			name: "aggregation with its clause after the argument",
			expr: `max(go_threads{job='j'}) without (instance) + 1e-3`,
			want: []Selector{{Metric: "go_threads", Func: "max", Matchers: []Matcher{{"job", "=", "j"}}}},
		},
		{
			name: "escaped quote in a matcher value",
			expr: `m{a="x\"y",}`,
			want: []Selector{{Metric: "m", Matchers: []Matcher{{"a", "=", `x"y`}}}},
		},
		{
			name: "Grafana variables: in a range, in braces, as a string",
			expr: `increase(m{job=~"$job"}[${__range}]) / rate(m{a="[[x]]"}[$__rate_interval]) * $scale`,
			want: []Selector{
				{Metric: "m", Func: "increase", Range: "${__range}", Matchers: []Matcher{{"job", "=~", "$job"}}},
				{Metric: "m", Func: "rate", Range: "$__rate_interval", Matchers: []Matcher{{"a", "=", "[[x]]"}}},
			},
		},
		{
			name: "a subquery's selector has no range of its own",
			expr: `max_over_time(rate(m[1m])[1h:5m])`,
			want: []Selector{{Metric: "m", Func: "rate", Range: "1m"}},
		},
		// Errors are Prometheus' parser's own.
		{name: "unbalanced paren", expr: `sum(rate(m[1m])`, wantErr: "unclosed left parenthesis"},
		{name: "bad matcher", expr: `m{a~"x"}`, wantErr: "unexpected character inside braces: '~'"},
		{name: "unterminated string", expr: `m{a="x}`, wantErr: "unterminated quoted string"},
		{name: "empty selector", expr: `sum({})`, wantErr: "at least one non-empty matcher"},
		{name: "stray bracket", expr: `m]`, wantErr: "unexpected right bracket"},
		// What a scanner could not see.
		{name: "unknown function", expr: `rat(m[1m])`, wantErr: `unknown function with name "rat"`},
		{name: "range where none is allowed", expr: `sum(m[5m])`, wantErr: "expected type instant vector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Selectors(tt.expr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("selectors (-want +got):\n%s", diff)
			}
		})
	}
}
