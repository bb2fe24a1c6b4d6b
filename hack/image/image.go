package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Spec is what goes into an image.
type Spec struct {
	// Binary is the path of the static binary on this machine.
	Binary string
	// Path is where the binary lands in the image, e.g. /workload.
	Path string
	// Entrypoint is the image's entrypoint; empty means [Path].
	Entrypoint []string
	// User is "UID:GID", both numeric, so that Kubernetes can check
	// runAsNonRoot without reading /etc/passwd.
	User string
	// Env holds KEY=VALUE pairs.
	Env []string
	// Arch is the GOARCH the binary was built for.
	Arch string
}

// epoch is the timestamp of every file and of the image: a fixed one keeps
// the digest a function of the binary alone.
var epoch = time.Unix(0, 0).UTC()

// Build returns the image described by s.
func Build(s Spec) (v1.Image, error) {
	uid, gid, err := parseUser(s.User)
	if err != nil {
		return nil, err
	}
	if !path.IsAbs(s.Path) || path.Clean(s.Path) != s.Path || s.Path == "/" {
		return nil, fmt.Errorf("-path %q: must be a clean absolute file path such as /workload", s.Path)
	}
	for _, e := range s.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return nil, fmt.Errorf("-env %q: must be KEY=VALUE", e)
		}
	}
	if s.Arch == "" {
		return nil, fmt.Errorf("-arch is empty: give a GOARCH such as amd64")
	}
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return nil, fmt.Errorf("-binary: %w", err)
	}
	layerTar, err := rootfs(s.Path, bin, uid, gid)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("layer of %s: %w", s.Binary, err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	entrypoint := s.Entrypoint
	if len(entrypoint) == 0 {
		entrypoint = []string{s.Path}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config of empty image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = s.Arch
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Entrypoint = entrypoint
	cf.Config.Cmd = nil
	cf.Config.User = s.User
	cf.Config.WorkingDir = "/"
	cf.Config.Env = append([]string{"PATH=/"}, s.Env...)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	return img, nil
}

// parseUser checks "UID:GID" and returns both numbers.
func parseUser(u string) (uid, gid int, err error) {
	us, gs, ok := strings.Cut(u, ":")
	uid, uerr := strconv.Atoi(us)
	gid, gerr := strconv.Atoi(gs)
	if !ok || uerr != nil || gerr != nil || uid < 0 || gid < 0 {
		return 0, 0, fmt.Errorf("-user %q: must be numeric UID:GID such as 65532:65532", u)
	}
	return uid, gid, nil
}

// entry is one file or directory of the layer.
type entry struct {
	name string
	mode int64
	body []byte
	dir  bool
}

// rootfs is the layer's tar: the binary (owned by root, executable by
// all, so the non-root user cannot change it) and passwd and group files
// naming the user, for tools that look it up.
func rootfs(binPath string, bin []byte, uid, gid int) ([]byte, error) {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/:/sbin/nologin\n", uid, gid)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", gid)
	entries := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
	}
	var parents []entry
	for dir := path.Dir(binPath); dir != "/"; dir = path.Dir(dir) {
		if dir != "/etc" {
			parents = append([]entry{{name: dir[1:] + "/", mode: 0o755, dir: true}}, parents...)
		}
	}
	entries = append(entries, parents...)
	entries = append(entries, entry{name: binPath[1:], mode: 0o755, body: bin})

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: epoch, Format: tar.FormatPAX, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, fmt.Errorf("tar body %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}
