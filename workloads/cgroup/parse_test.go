package cgroup

import (
	"reflect"
	"testing"
)

func TestUnescapeOctal(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "/sys/fs/cgroup", "/sys/fs/cgroup"},
		{"space", `/a\040b`, "/a b"},
		{"tab newline backslash", `\011\012\134`, "\t\n\\"},
		{"escape at end", `/a\040`, "/a "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unescapeOctal(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("unescapeOctal(%q): got %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParsePressure(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Pressure
	}{{
		name: "cpu.pressure before 5.13 has no full line",
		in:   "some avg10=0.50 avg60=0.25 avg300=0.00 total=1234\n",
		want: &Pressure{Some: PressureLine{0.50, 0.25, 0, 1234}},
	}, {
		name: "unknown keys are ignored",
		in:   "some avg10=1.00 avg60=2.00 avg300=3.00 total=4 avg900=5.00\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
		want: &Pressure{Some: PressureLine{1, 2, 3, 4}, Full: PressureLine{TotalMicros: 1}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePressure([]byte(tt.in))
			if err != nil {
				t.Fatalf("parsePressure: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parsePressure: got %+v, want %+v", *got, *tt.want)
			}
		})
	}
}

func TestParseMemTotal(t *testing.T) {
	tests := []struct {
		name, in string
		want     int64
		wantErr  bool
	}{
		{"linux", "MemTotal:       24608292 kB\nMemFree:        23412312 kB\n", 24608292 << 10, false},
		{"missing", "MemFree: 1 kB\n", 0, true},
		{"no unit", "MemTotal: 1024\n", 0, true},
		{"negative", "MemTotal: -5 kB\n", 0, true},
		{"huge", "MemTotal: 99999999999999999999 kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMemTotal([]byte(tt.in))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
