package catalog

import "testing"

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{0.0123, "s", "12.3ms"},
		{0.00005, "s", "50µs"},
		{0.9997, "s", "1s"},
		{2.5, "s", "2.5s"},
		{0, "s", "0s"},
		{12, "ms", "12ms"},
		{1288490188, "B", "1.2GiB"},
		{512, "B", "512B"},
		{1023.9 * 1024, "B", "1MiB"},
		{268435456, "B/s", "256MiB/s"},
		{45612, "1/s", "45.6k"},
		{1998.4, "1/s", "2k"},
		{0.825, "ratio", "0.825"},
		{0.0012, "ratio", "0.0012"},
		{-1, "ratio", "-1"},
		{3, "count", "3"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("FormatValue(%g, %q): got %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}
