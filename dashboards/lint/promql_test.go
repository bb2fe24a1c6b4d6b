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
		{name: "unbalanced paren", expr: `sum(rate(m[1m])`, wantErr: "unclosed"},
		{name: "bad matcher", expr: `m{a~"x"}`, wantErr: "want =, !=, =~ or !~"},
		{name: "unterminated string", expr: `m{a="x}`, wantErr: "unterminated"},
		{name: "empty selector", expr: `sum({})`, wantErr: "empty selector"},
		{name: "stray bracket", expr: `m]`, wantErr: "unbalanced"},
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
