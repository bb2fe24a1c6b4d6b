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

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "target"), []byte("keep"), 0o644)
	os.Symlink(filepath.Join(dir, "target"), filepath.Join(dir, "link"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	tests := []struct{ name, path, want string }{
		{"new file", filepath.Join(dir, "result.json"), ""},
		{"existing regular file", filepath.Join(dir, "target"), ""},
		{"symbolic link", filepath.Join(dir, "link"), "is a symbolic link"},
		{"device", "/dev/null", "not a regular file"},
		{"directory", filepath.Join(dir, "sub"), "directory, not a regular file"},
		{"missing directory", filepath.Join(dir, "nodir", "r.json"), "create it or give another path"},
		{"kernel interface", "/proc/self/comm", "the kernel's proc filesystem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.path)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Check(%s) = %v, want %q", tt.path, err, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "target")); string(b) != "keep" {
		t.Errorf("a checked file changed: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("Check left %d entries in the directory, want the 3 it found", len(entries))
	}
}

// TestWriteInPlaceFollowsNoLink: the fallback for /dev/termination-log
// opens without following a link and refuses what is not a regular file.
func TestWriteInPlaceFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if err := writeInPlace(link, []byte(`{"a":1}`)); err == nil {
		t.Error("wrote through a symbolic link")
	}
	if err := writeInPlace("/dev/null", []byte(`{"a":1}`)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("got %v writing a device, want a refusal", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target changed: %q", b)
	}
}
