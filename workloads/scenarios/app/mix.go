package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// weighted is one path of the request mix.
type weighted struct {
	path   string
	weight int
}

// parseMix reads the paths parameter ("/a*3,/b"); the catalogue's pattern
// has already bounded it.
func parseMix(s string) ([]weighted, error) {
	var out []weighted
	for _, part := range strings.Split(s, ",") {
		path, w, found := strings.Cut(part, "*")
		n := 1
		if found {
			var err error
			if n, err = strconv.Atoi(w); err != nil || n < 1 {
				return nil, fmt.Errorf("paths: %q: a weight is a whole number from 1 to 999, e.g. /a*3", part)
			}
		}
		if !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("paths: %q: a path starts with /", part)
		}
		out = append(out, weighted{path, n})
	}
	return out, nil
}

// targets spreads the mix over one cycle of sum(weights) requests by
// smooth weighted round robin (nginx's): each path's share of every stretch
// of the cycle is as close to its weight as whole requests allow, so a
// short window sends the mix too, not all /a then all /b.
func targets(base string, mix []weighted) []vegeta.Target {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	cur := make([]int, len(mix))
	out := make([]vegeta.Target, 0, total)
	for range total {
		best := 0
		for i, m := range mix {
			cur[i] += m.weight
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, vegeta.Target{Method: http.MethodGet, URL: base + mix[best].path})
	}
	return out
}
