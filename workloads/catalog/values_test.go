package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testSpec = Spec{
	Name: "test",
	Params: []Param{
		{Name: "n", Kind: Int, Default: "4", Min: "1", Max: "100"},
		{Name: "f", Kind: Float, Default: "0.5", Min: "0", Max: "1"},
		{Name: "on", Kind: Bool, Default: "false"},
		{Name: "d", Kind: Duration, Default: "50us", Min: "1us", Max: "1s"},
		{Name: "b", Kind: Bytes, Default: "64Mi", Min: "1Mi", Max: "1Gi"},
		{Name: "mode", Kind: Enum, Default: "echo", Values: []string{"echo", "idle"}},
	},
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string
		want    map[string]string
		wantErr string // substring; "" means no error
	}{
		{name: "defaults", want: map[string]string{"n": "4", "f": "0.5", "on": "false", "d": "50us", "b": "64Mi", "mode": "echo"}},
		{name: "all set", sets: []string{"n=100", "f=0", "on=true", "d=2ms", "b=1048576", "mode=idle"},
			want: map[string]string{"n": "100", "f": "0", "on": "true", "d": "2ms", "b": "1Mi", "mode": "idle"}},
		{name: "decimal bytes", sets: []string{"b=100M"}, want: map[string]string{"n": "4", "f": "0.5", "on": "false", "d": "50us", "b": "100000000", "mode": "echo"}},
		{name: "unknown", sets: []string{"x=1"}, wantErr: "parameter x: unknown; valid parameters are n, f, on, d, b, mode"},
		{name: "not key=value", sets: []string{"n"}, wantErr: `--set "n": want key=value`},
		{name: "int below min", sets: []string{"n=0"}, wantErr: "parameter n: 0 is out of range; use 1 to 100"},
		{name: "int above max", sets: []string{"n=101"}, wantErr: "parameter n: 101 is out of range; use 1 to 100"},
		{name: "int malformed", sets: []string{"n=four"}, wantErr: `parameter n: "four" is not a valid int (1 to 100)`},
		{name: "float NaN", sets: []string{"f=NaN"}, wantErr: "parameter f: \"NaN\" is not a valid float"},
		{name: "duration malformed", sets: []string{"d=5"}, wantErr: `parameter d: "5" is not a valid duration (1us to 1s)`},
		{name: "duration too long", sets: []string{"d=2s"}, wantErr: "parameter d: 2s is out of range; use 1us to 1s"},
		{name: "bytes too big", sets: []string{"b=2Gi"}, wantErr: "parameter b: 2Gi is out of range; use 1Mi to 1Gi"},
		{name: "bytes fractional", sets: []string{"b=1.5"}, wantErr: "parameter b: \"1.5\" is not a valid bytes"},
		{name: "bool malformed", sets: []string{"on=yes please"}, wantErr: "parameter on: \"yes please\" is not a valid bool (true or false)"},
		{name: "enum not allowed", sets: []string{"mode=burst"}, wantErr: `parameter mode: "burst" is not allowed; use one of echo, idle`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse(&testSpec, tt.sets)
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got error %v, want a *ParseError containing %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %q, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(tt.want, v.Text()); diff != "" {
				t.Errorf("Text() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValuesAccessors(t *testing.T) {
	v, err := Parse(&testSpec, []string{"n=7", "f=0.25", "on=true", "d=3ms", "b=2Mi", "mode=idle"})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Int("n"); got != 7 {
		t.Errorf("Int: got %d, want 7", got)
	}
	if got := v.Float("f"); got != 0.25 {
		t.Errorf("Float: got %v, want 0.25", got)
	}
	if got := v.Bool("on"); !got {
		t.Errorf("Bool: got %v, want true", got)
	}
	if got := v.Duration("d"); got != 3*time.Millisecond {
		t.Errorf("Duration: got %v, want 3ms", got)
	}
	if got := v.Bytes("b"); got != 2<<20 {
		t.Errorf("Bytes: got %d, want %d", got, 2<<20)
	}
	if got := v.Enum("mode"); got != "idle" {
		t.Errorf("Enum: got %q, want idle", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Int on a Float parameter: got no panic, want one")
		}
	}()
	v.Int("f")
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "512", want: 512},
		{in: "1Ki", want: 1024},
		{in: "64Mi", want: 64 << 20},
		{in: "1.5Gi", want: 3 << 29},
		{in: "2Ti", want: 2 << 40},
		{in: "500k", want: 500_000},
		{in: "1G", want: 1_000_000_000},
		{in: "", wantErr: true},
		{in: "Mi", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "1.1", wantErr: true},
		{in: "10Xi", wantErr: true},
		{in: "99999999999Ti", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBytes(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFormatBytesRoundTrips(t *testing.T) {
	for _, n := range []int64{0, 1, 1023, 1024, 1536, 64 << 20, 3 << 29, 1 << 40, 1_000_000} {
		s := FormatBytes(n)
		back, err := ParseBytes(s)
		if err != nil || back != n {
			t.Errorf("FormatBytes(%d) = %q, which parses back to %d (%v), want %d", n, s, back, err, n)
		}
	}
}
