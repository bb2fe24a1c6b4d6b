package resultfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		inPlace bool
		writes  []string
		want    string // after trimming trailing spaces
	}{
		{name: "rename creates", writes: []string{`{"a":1}`}, want: `{"a":1}`},
		{name: "rename shrinks", writes: []string{`{"a":12345}`, `{"a":1}`}, want: `{"a":1}`},
		{name: "in place grows", inPlace: true, writes: []string{`{"a":1}`, `{"a":12345}`}, want: `{"a":12345}`},
		{name: "in place shrinks with padding", inPlace: true, writes: []string{`{"a":12345}`, `{"a":1}`}, want: `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.json")
			for _, w := range tt.writes {
				write := Write
				if tt.inPlace {
					write = writeInPlace
				}
				if err := write(path, []byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimRight(string(b), " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("got %d files in the directory, want 1 (temporary files left behind)", len(entries))
			}
		})
	}
}

func TestWriteFallsBackWhenDirIsReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; the fallback is covered by TestWrite's in-place cases")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "termination-log")
	if err := os.WriteFile(path, []byte("old content that is long"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if err := Write(path, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if got := strings.TrimRight(string(b), " "); got != "{}" {
		t.Errorf("got %q, want %q", got, "{}")
	}
}
