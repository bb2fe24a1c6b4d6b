package main

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseBench(t *testing.T) {
	out := "goos: linux\npkg: x\nBenchmarkGCX-2 \t 10\t 5 ns/op\t 7 ops/s\n" +
		"BenchmarkGC-2   \t 2819480\t       464.1 ns/op\t   2154818 ops/s\nPASS\n"
	tests := []struct {
		name, bench, unit string
		want              float64
		wantErr           string
	}{
		{name: "custom metric", bench: "BenchmarkGC", unit: "ops/s", want: 2154818},
		{name: "ns/op", bench: "BenchmarkGC", unit: "ns/op", want: 464.1},
		{name: "longer name not taken", bench: "BenchmarkGCX", unit: "ops/s", want: 7},
		{name: "missing unit", bench: "BenchmarkGC", unit: "tasks/s", wantErr: "no BenchmarkGC result with unit tasks/s"},
		{name: "missing benchmark", bench: "BenchmarkAlloc", unit: "ops/s", wantErr: "no BenchmarkAlloc result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBench([]byte(out), tt.bench, tt.unit)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v, want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestParseSelection(t *testing.T) {
	tests := []struct {
		name, only string
		want       map[string]bool // "section/scenario" → selected
		wantErr    bool
	}{
		{name: "empty selects all", only: "",
			want: map[string]bool{"ratio/gc": true, "overhead/scheduler": true, "ratio/alloc": true, "poller/poller": true,
				"loadgen/service": true}},
		{name: "loadgen section", only: "loadgen",
			want: map[string]bool{"loadgen/service": true, "poller/poller": false, "ratio/gc": false, "overhead/gc": false}},
		{name: "loadgen and poller", only: "poller,loadgen",
			want: map[string]bool{"loadgen/service": true, "poller/poller": true, "ratio/gc": false}},
		{name: "a scenario leaves loadgen out", only: "gc",
			want: map[string]bool{"loadgen/service": false, "ratio/gc": true}},
		{name: "poller section", only: "poller",
			want: map[string]bool{"poller/poller": true, "ratio/gc": false, "overhead/gc": false}},
		{name: "a scenario leaves poller out", only: "gc",
			want: map[string]bool{"poller/poller": false, "ratio/gc": true}},
		{name: "section only", only: "overhead",
			want: map[string]bool{"ratio/gc": false, "overhead/gc": true, "overhead/scheduler": true}},
		{name: "scenario only", only: "gc",
			want: map[string]bool{"ratio/gc": true, "overhead/gc": true, "ratio/alloc": false}},
		{name: "both, spaced", only: "ratio, alloc,scheduler",
			want: map[string]bool{"ratio/alloc": true, "ratio/scheduler": true, "ratio/gc": false, "overhead/alloc": false}},
		{name: "unknown", only: "ratio,nope", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := parseSelection(tt.only)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			got := map[string]bool{}
			for k := range tt.want {
				section, scenario, _ := strings.Cut(k, "/")
				got[k] = sel.has(section, scenario)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("selection mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{name: "one", in: []float64{3}, want: 3},
		{name: "odd", in: []float64{5, 1, 3}, want: 3},
		{name: "even", in: []float64{4, 1, 3, 2}, want: 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.in); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median of nothing: got %v, want NaN", got)
	}
}

func TestPairAlternatesOrder(t *testing.T) {
	for round, want := range []string{"ab", "ba", "ab"} {
		var order string
		a := func(context.Context) (float64, error) { order += "a"; return 1, nil }
		b := func(context.Context) (float64, error) { order += "b"; return 2, nil }
		va, vb, err := pair(context.Background(), round, a, b)
		if err != nil || va != 1 || vb != 2 || order != want {
			t.Errorf("round %d: got %v, %v, %v in order %q, want 1, 2, nil in order %q", round, va, vb, err, order, want)
		}
	}
}

func TestWorkloadArgs(t *testing.T) {
	o := options{benchtime: 5e9, warmup: 1e9}
	gc := targets[2]
	got := strings.Join(workloadArgs(gc, o, nil, "", 5*time.Second), " ")
	want := "run gc --output=json --result-file= --cpu-profile=false --duration=5s --warmup=1s --set churnRate=0 --listen= --pyroscope="
	if got != want {
		t.Errorf("telemetry off: got %q, want %q", got, want)
	}
	tel := &telemetrySettings(5*time.Second, false)[0]
	s, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	tel.sink = s
	got = strings.Join(workloadArgs(gc, o, tel, "127.0.0.1:9100", tel.window), " ")
	for _, w := range []string{"--duration=15s", "--listen=127.0.0.1:9100", "--pyroscope-upload-rate=15s"} {
		if !strings.Contains(got, w) {
			t.Errorf("telemetry usual: got %q, want it to hold %q", got, w)
		}
	}
	got = strings.Join(workloadArgs(loadgenTarget("127.0.0.1:4000", 2000), o, nil, "", 5*time.Second), " ")
	want = "run service --output=json --result-file= --cpu-profile=false --duration=5s --warmup=1s --set rate=2000 --set work=0s --set allocBytes=0 " +
		"--role=loadgen --target=127.0.0.1:4000 --listen= --pyroscope="
	if got != want {
		t.Errorf("loadgen: got %q, want %q", got, want)
	}
}

func TestServerLifeCoversItsLoadgenRun(t *testing.T) {
	o := options{benchtime: 5 * time.Second, warmup: time.Second}
	if got, least := serverLife(o), o.warmup+o.benchtime+10*time.Second; got < least {
		t.Errorf("got %s, want at least %s for a run and its drain", got, least)
	}
	args := strings.Join(serverArgs(time.Minute, "/tmp/ready"), " ")
	for _, want := range []string{"--role=server", "--duration=1m0s", "--set work=0s", "--set allocBytes=0", "--listen= ", "--ready-file=/tmp/ready"} {
		if !strings.Contains(args, want) {
			t.Errorf("server args: got %q, want it to contain %q", args, want)
		}
	}
}

func TestLoadgenKeptUp(t *testing.T) {
	tests := []struct {
		name string
		f    loadgenFigures
		want bool
	}{
		{name: "on schedule", f: loadgenFigures{rateFrac: 0.999, lagP99: 0.001}, want: true},
		{name: "edge", f: loadgenFigures{rateFrac: keepUpRateFrac, lagP99: keepUpLag.Seconds()}, want: true},
		{name: "rate not held", f: loadgenFigures{rateFrac: 0.9, lagP99: 0.001}, want: false},
		{name: "sends late", f: loadgenFigures{rateFrac: 1, lagP99: 0.05}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.keptUp(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
