package sealedreexec

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// SealedExeName is the memfd name children look for among their parent's
// open files (OCL_SEALED_EXE_NAME in sealedreexec.c).
const SealedExeName = "ocl-build-sealed-exe"

// ExeLinkPrefix is how /proc/PID/exe reads for a process running from the
// copy.
const ExeLinkPrefix = "/memfd:" + SealedExeName

// Copy makes a sealed in-memory copy of the running executable. While the
// caller keeps it open, children that containers/storage's unshare package
// starts execute it instead of each copying the executable themselves.
// Close it when the build is done.
func Copy() (*os.File, error) {
	fd, err := unix.MemfdCreate(SealedExeName, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("sealed copy of the executable: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:"+SealedExeName)
	if err := fill(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealed copy of the executable: %w", err)
	}
	return f, nil
}

func fill(f *os.File) error {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(f, src); err != nil {
		return err
	}
	_, err = unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	return err
}
