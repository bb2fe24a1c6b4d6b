package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// push pushes image tarballs, one per platform, to a registry as one
// multi-platform image (an OCI index), with go-containerregistry and the
// credentials docker login or a credential helper left in
// ~/.docker/config.json ($DOCKER_CONFIG) — no Docker engine.
//
//	image push -to REGISTRY/runtime-lab/workload:v0.1.0 workload_amd64.tar workload_arm64.tar
func push(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("image push", flag.ContinueOnError)
	var to string
	var insecure bool
	fs.StringVar(&to, "to", "", "REGISTRY/REPOSITORY:TAG to push to (required)")
	fs.BoolVar(&insecure, "insecure", false, "plain HTTP registry (a local one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if to == "" || fs.NArg() == 0 {
		return fmt.Errorf("want -to REGISTRY/REPOSITORY:TAG and one image tarball per platform (see -h)")
	}
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.NewTag(to, append(opts, name.StrictValidation)...)
	if err != nil {
		return fmt.Errorf("-to %q: want REGISTRY/REPOSITORY:TAG, e.g. ghcr.io/me/runtime-lab/workload:v0.1.0: %w", to, err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	seen := map[string]string{}
	for _, path := range fs.Args() {
		img, err := tarball.ImageFromPath(path, nil)
		if err != nil {
			return fmt.Errorf("%s: not an image tarball: %w", path, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
		if p.OS == "" || p.Architecture == "" {
			return fmt.Errorf("%s: the image config names no OS and architecture", path)
		}
		if other, dup := seen[p.String()]; dup {
			return fmt.Errorf("%s and %s are both %s: give one tarball per platform", other, path, p.String())
		}
		seen[p.String()] = path
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	if err := remote.WriteIndex(ref, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	platforms := make([]string, 0, len(seen))
	for p := range seen {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	fmt.Fprintf(stdout, "%s@%s (%s)\n", ref, digest, strings.Join(platforms, ", "))
	return nil
}
