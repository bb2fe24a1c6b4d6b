// Package resultfile writes a run's summary so that a reader never sees a
// torn file, even when the kernel kills the writer mid-run.
package resultfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath is where Kubernetes reads a container's termination message.
const DefaultPath = "/dev/termination-log"

// Write replaces the contents of path with b.
//
// It first tries a temporary file and a rename, which is atomic. That fails
// for Kubernetes' /dev/termination-log: it is a bind mount (rename onto it
// gives EBUSY) in a directory a non-root container cannot write. Then it
// overwrites the file in place with one write call, padded with spaces to
// the old length: a 4 KiB write to a regular file completes before a
// SIGKILL takes effect, and trailing spaces leave valid JSON.
func Write(path string, b []byte) error {
	if err := writeRename(path, b); err == nil {
		return nil
	}
	return writeInPlace(path, b)
}

func writeRename(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr == nil && cerr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil || cerr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s via rename: %w", path, firstErr(werr, cerr))
	}
	return nil
}

func writeInPlace(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write result file %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(len(b)) {
		b = append(b, bytes.Repeat([]byte{' '}, int(fi.Size())-len(b))...)
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("write result file %s: %w", path, err)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
