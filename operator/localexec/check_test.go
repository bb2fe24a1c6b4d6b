package localexec

import (
	"strings"
	"testing"
)

// TestCheckImages: a local run has no images, so a variant with one runs
// only with a binary mapped to it (--image), and a mapping no variant uses
// is refused rather than left unused.
func TestCheckImages(t *testing.T) {
	const matrixImages = `
metadata: {name: images}
spec:
  scenario: {gc: {}}
  matrix:
    images: [reg.example/workload:go1.25, reg.example/workload:go1.26]
  duration: 1s
  repetitions: 1
`
	const specImage = `
metadata: {name: image}
spec:
  scenario: {gc: {}}
  image: reg.example/workload:go1.26
  duration: 1s
  repetitions: 1
`
	const noImage = `
metadata: {name: none}
spec:
  scenario: {gc: {}}
  duration: 1s
  repetitions: 1
`
	both := map[string]string{"reg.example/workload:go1.25": "/bin/a", "reg.example/workload:go1.26": "/bin/b"}
	for _, tt := range []struct {
		name, manifest string
		images         map[string]string
		want           []string // parts of the error; none: no error
	}{
		{"matrix.images unmapped", matrixImages, nil,
			[]string{"spec.matrix.images", `"reg.example/workload:go1.25"`, "--image reg.example/workload:go1.25=PATH"}},
		{"matrix.images half mapped", matrixImages, map[string]string{"reg.example/workload:go1.25": "/bin/a"},
			[]string{"spec.matrix.images", "reg.example/workload:go1.26"}},
		{"matrix.images mapped", matrixImages, both, nil},
		{"a mapping no variant runs", matrixImages,
			map[string]string{"reg.example/workload:go1.25": "/bin/a", "reg.example/workload:go1.26": "/bin/b", "reg.example/workload:go1.24": "/bin/c"},
			[]string{"--image reg.example/workload:go1.24", "no variant runs"}},
		{"spec.image unmapped", specImage, nil, []string{"spec.image", "--image reg.example/workload:go1.26=PATH"}},
		{"spec.image mapped", specImage, map[string]string{"reg.example/workload:go1.26": "/bin/b"}, nil},
		{"no image", noImage, nil, nil},
		{"a mapping without images", noImage, map[string]string{"x": "/bin/x"}, []string{"--image x", "no variant runs"}},
	} {
		err := Check(load(t, tt.manifest), tt.images)
		switch {
		case len(tt.want) == 0 && err != nil:
			t.Errorf("%s: got %v, want no error", tt.name, err)
		case len(tt.want) > 0 && err == nil:
			t.Errorf("%s: got no error, want one mentioning %q", tt.name, tt.want)
		case err != nil:
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: got %q, want it to mention %q", tt.name, err, w)
				}
			}
		}
	}
}

// TestCheckLoadGeneratorLimits: the load generator's limits, which become
// its local cgroup's, are refused up front when no cgroup could hold them.
func TestCheckLoadGeneratorLimits(t *testing.T) {
	for _, tt := range []struct {
		limits string
		want   string // "": accepted
	}{
		{"{cpu: 500m, memory: 128Mi}", ""},
		{"{cpu: 10m}", ""},
		{"{cpu: 5m}", "spec.loadGenerator.resources.limits.cpu 5m: must be at least 10m"},
		{"{memory: 16Mi}", "spec.loadGenerator.resources.limits.memory 16Mi: must be at least 32Mi"},
	} {
		exp := load(t, `
metadata: {name: lg}
spec:
  scenario: {service: {}}
  loadGenerator: {resources: {limits: `+tt.limits+`}}
  duration: 1s
  repetitions: 1
`)
		err := Check(exp, nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: got %v, want it accepted", tt.limits, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v, want an error mentioning %q", tt.limits, err, tt.want)
		}
	}
}
