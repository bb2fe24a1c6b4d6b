package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) > 1 && os.Args[1] == "push" {
		if err := push(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "image push:", err)
			os.Exit(2)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	var s Spec
	var ref, out, entrypoint string
	var env listFlag
	fs.StringVar(&s.Binary, "binary", "", "static binary to package (required)")
	fs.StringVar(&ref, "name", "", "image name and tag, e.g. runtime-lab/workload:dev (required)")
	fs.StringVar(&out, "o", "", "tarball to write (required)")
	fs.StringVar(&s.Path, "path", "", "where the binary lands in the image (default /<binary's file name>)")
	fs.StringVar(&entrypoint, "entrypoint", "", "entrypoint, space-separated (default the binary's path)")
	fs.StringVar(&s.User, "user", "65532:65532", "numeric UID:GID the image runs as")
	fs.StringVar(&s.Arch, "arch", runtime.GOARCH, "GOARCH the binary was built for")
	fs.Var(&env, "env", "KEY=VALUE added to the image's environment (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for flagName, v := range map[string]string{"binary": s.Binary, "name": ref, "o": out} {
		if v == "" {
			return fmt.Errorf("-%s is required (see -h)", flagName)
		}
	}
	if s.Path == "" {
		s.Path = "/" + filepath.Base(s.Binary)
	}
	s.Entrypoint = strings.Fields(entrypoint)
	s.Env = env
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("-name %q: %w", ref, err)
	}
	img, err := Build(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if err := tarball.WriteToFile(out, tag, img); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("digest of %s: %w", ref, err)
	}
	fmt.Printf("%s %s %s\n", out, ref, digest)
	return nil
}
