package main

import (
	"archive/tar"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestBuildRoundTrip packages a real static binary, writes the tarball as
// the dev cluster does, reads it back and checks the config and the
// layer's files.
func TestBuildRoundTrip(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "pause")
	build := exec.Command("go", "build", "-o", bin, "./pause")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./pause: %v\n%s", err, out)
	}
	want, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", "pause.tar")
	if err := run([]string{"-binary", bin, "-name", "runtime-lab/pause:dev", "-user", "65535:65535",
		"-path", "/bin/pause", "-env", "A=b", "-arch", "arm64", "-o", out}); err != nil {
		t.Fatalf("run: %v", err)
	}

	tag, err := name.NewTag("runtime-lab/pause:dev")
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("read back %s: %v", out, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cf.Config.User, "65535:65535"; got != want {
		t.Errorf("user: got %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"/bin/pause"}, cf.Config.Entrypoint); diff != "" {
		t.Errorf("entrypoint (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"PATH=/", "A=b"}, cf.Config.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if cf.OS != "linux" || cf.Architecture != "arm64" {
		t.Errorf("platform: got %s/%s, want linux/arm64", cf.OS, cf.Architecture)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("layers: got %d, want 1", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]*tar.Header{}
	bodies := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read layer: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], bodies[h.Name] = h, string(b)
	}
	if diff := cmp.Diff([]string{"bin/", "bin/pause", "etc/", "etc/group", "etc/passwd"}, slices.Sorted(maps.Keys(files))); diff != "" {
		t.Errorf("layer files (-want +got):\n%s", diff)
	}
	if h := files["bin/pause"]; h == nil || h.Mode != 0o755 || h.Uid != 0 {
		t.Errorf("bin/pause header: got %+v, want mode 0755 owned by root", h)
	} else if bodies["bin/pause"] != string(want) {
		t.Errorf("bin/pause: got %d bytes, want the %d bytes of the built binary", len(bodies["bin/pause"]), len(want))
	}
	if got := bodies["etc/passwd"]; !strings.Contains(got, "nonroot:x:65535:65535:") {
		t.Errorf("etc/passwd: got %q, want a nonroot entry for 65535:65535", got)
	}
}

// TestBuildDeterministic: the digest depends on the binary alone.
func TestBuildDeterministic(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := Spec{Binary: bin, Path: "/tool", User: "65532:65532", Arch: "amd64"}
	a, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("digest: got %s then %s, want the same twice", da, db)
	}
}

func TestBuildRejects(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(bin, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	ok := Spec{Binary: bin, Path: "/tool", User: "65532:65532", Arch: "amd64"}
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{name: "user not numeric", edit: func(s *Spec) { s.User = "nonroot" }, want: "-user"},
		{name: "user without group", edit: func(s *Spec) { s.User = "65532" }, want: "-user"},
		{name: "relative path", edit: func(s *Spec) { s.Path = "tool" }, want: "-path"},
		{name: "root path", edit: func(s *Spec) { s.Path = "/" }, want: "-path"},
		{name: "bad env", edit: func(s *Spec) { s.Env = []string{"NOEQUALS"} }, want: "-env"},
		{name: "missing binary", edit: func(s *Spec) { s.Binary += ".missing" }, want: "-binary"},
		{name: "no arch", edit: func(s *Spec) { s.Arch = "" }, want: "-arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			_, err := Build(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestRunRequiresFlags(t *testing.T) {
	err := run([]string{"-binary", "x", "-o", "y"})
	if err == nil || !strings.Contains(err.Error(), "-name") {
		t.Errorf("got %v, want an error naming -name", err)
	}
}
