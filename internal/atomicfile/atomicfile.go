package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Every file goes into the caller's directory the same way: created under a
// fresh random name with O_EXCL (os.CreateTemp), written through that file
// descriptor, then renamed over path. No name is ever removed and created
// again, and rename replaces a symlink planted at path instead of following
// it, so another user who can write to the directory cannot redirect the
// write.

// WriteFile writes data to path via a temp file in the same directory,
// fsync and rename. perm applies to the new file from its creation on, so a
// credential never exists on disk with looser permissions.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// MoveInto moves the finished file src (in a private directory of the
// caller's) to path with mode perm: a rename when both are on one file
// system, else a copy into an O_EXCL temp file beside path, renamed into
// place. src is gone afterwards either way.
func MoveInto(src, path string, perm os.FileMode) (err error) {
	if err := os.Chmod(src, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = os.Rename(src, path)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = io.Copy(tmp, in); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	os.Remove(src)
	return nil
}

// MkdirNoFollow makes the directory path (mode perm) if it is missing and
// refuses anything else in its place: a symlink planted there would send
// the files written into it elsewhere.
func MkdirNoFollow(path string, perm os.FileMode) error {
	err := os.Mkdir(path, perm)
	if err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory (%v); refusing to write through it", path, fi.Mode().Type())
	}
	return nil
}
