package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestPush pushes two platforms' image tarballs to a real (in-process)
// OCI registry and pulls back one multi-platform image: an index whose
// manifests are the tarballs' images, each under its platform.
func TestPush(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	tarballs := map[string]string{} // arch -> path
	for _, arch := range []string{"amd64", "arm64"} {
		bin := filepath.Join(dir, "tool-"+arch)
		if err := os.WriteFile(bin, []byte("\x7fELF for "+arch), 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "tool-"+arch+".tar")
		if err := run([]string{"-binary", bin, "-name", "runtime-lab/tool:dev", "-path", "/tool", "-arch", arch, "-o", out}); err != nil {
			t.Fatal(err)
		}
		tarballs[arch] = out
	}
	to := host + "/runtime-lab/tool:v0.1.0"
	var out bytes.Buffer
	if err := push([]string{"-insecure", "-to", to, tarballs["amd64"], tarballs["arm64"]}, &out); err != nil {
		t.Fatalf("push: %v", err)
	}
	if !strings.Contains(out.String(), "(linux/amd64, linux/arm64)") {
		t.Errorf("push printed %q, want the reference, digest and platforms", out.String())
	}

	ref, err := name.ParseReference(to, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref)
	if err != nil {
		t.Fatalf("pull the index back: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("the index has %d manifests, want 2", len(im.Manifests))
	}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" {
			t.Fatalf("manifest %s: platform %v, want linux/<arch>", d.Digest, d.Platform)
		}
		local, err := tarball.ImageFromPath(tarballs[d.Platform.Architecture], nil)
		if err != nil {
			t.Fatalf("platform %s: no tarball pushed for it: %v", d.Platform, err)
		}
		want, _ := local.Digest()
		if d.Digest != want {
			t.Errorf("%s: the registry has %s, the tarball is %s", d.Platform, d.Digest, want)
		}
		// What a node pulling for its platform gets runs as the tarball's.
		img, err := remote.Image(ref, remote.WithPlatform(*d.Platform))
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != d.Platform.Architecture || cf.Config.User != "65532:65532" {
			t.Errorf("%s: config architecture %s user %q", d.Platform, cf.Architecture, cf.Config.User)
		}
	}

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no -to", []string{tarballs["amd64"]}, "want -to"},
		{"no tarball", []string{"-to", to}, "want -to"},
		{"bad reference", []string{"-to", "Not A Ref", tarballs["amd64"]}, `-to "Not A Ref"`},
		{"no tag", []string{"-to", host + "/runtime-lab/tool", tarballs["amd64"]}, "REGISTRY/REPOSITORY:TAG"},
		{"a platform twice", []string{"-insecure", "-to", to, tarballs["amd64"], tarballs["amd64"]}, "give one tarball per platform"},
		{"not a tarball", []string{"-insecure", "-to", to, filepath.Join(dir, "tool-amd64")}, "not an image tarball"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := push(tt.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}
