// Package resultfile writes a run's summary so that a reader never sees a
// torn file, even when the kernel kills the writer mid-run.
package resultfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Check fails, naming the fix, when path cannot be a result file: its
// directory must exist and be writable, and the path must not exist or be
// a regular file — never a symbolic link (it would be replaced, or
// followed), a device, a directory or a pipe. The workload checks before
// it runs, so a bad path costs nothing.
func Check(path string) error {
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("its directory %s: %w; create it or give another path", dir, err)
	case !di.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; give the path of a regular file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is a %s, not a regular file; give the path of a regular file", path, kind(fi.Mode()))
	}
	if fs := pseudoFS(dir); fs != "" {
		return fmt.Errorf("cannot write a result in %s: it is on the kernel's %s filesystem; give a path on a disk", dir, fs)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".check*")
	if err == nil {
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	// Kubernetes' /dev/termination-log sits in a directory a non-root
	// container cannot write; it is written in place, so the file itself
	// must be writable.
	if fi != nil {
		f, ferr := os.OpenFile(path, os.O_WRONLY|syscall.O_NOFOLLOW, 0)
		if ferr == nil {
			f.Close()
			return nil
		}
	}
	return fmt.Errorf("cannot write in %s: %w", dir, err)
}

// pseudoFS names the kernel filesystem dir is on when it is one whose
// files are the kernel's interfaces (writing a summary into a cgroup's
// cpu.max or a /proc file as root is never meant), else "".
func pseudoFS(dir string) string {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return ""
	}
	switch st.Type {
	case unix.PROC_SUPER_MAGIC:
		return "proc"
	case unix.SYSFS_MAGIC:
		return "sysfs"
	case unix.CGROUP_SUPER_MAGIC, unix.CGROUP2_SUPER_MAGIC:
		return "cgroup"
	case unix.DEBUGFS_MAGIC, unix.TRACEFS_MAGIC, unix.SECURITYFS_MAGIC, unix.BPF_FS_MAGIC:
		return "debug"
	}
	return ""
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("write result file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("write result file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("write result file %s: a %s, not a regular file", path, kind(fi.Mode()))
	}
	if fi.Size() > int64(len(b)) {
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
