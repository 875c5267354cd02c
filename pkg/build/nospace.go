package build

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/ocl-build/ocl-build/pkg/registry"
)

// isNoSpace reports whether err is a full filesystem. The storage library
// and buildah often flatten the errno into text, so the message counts too.
func isNoSpace(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) ||
		strings.Contains(err.Error(), "no space left on device") ||
		strings.Contains(err.Error(), "disk quota exceeded"))
}

// NoSpaceError is a build that ran out of disk outside the user's RUN (the
// commit of a step's layer, a pull into the store): the machine's problem,
// not the Containerfile's, so it ends with exit 2 and names the disk.
type NoSpaceError struct {
	Step  string   // "[2/2] STEP 3/3", when known
	Dirs  []string // the store's directories
	Usage []string // "DIR: 1.2 MiB free of 40.0 MiB" per directory
	Err   error
}

func (e *NoSpaceError) Error() string {
	var b strings.Builder
	b.WriteString("no space left on device")
	if e.Step != "" {
		b.WriteString(" while committing " + e.Step)
	}
	if len(e.Usage) > 0 {
		b.WriteString(" (container store: " + strings.Join(e.Usage, "; ") + ")")
	}
	b.WriteString(": free space there, or build with --root/--runroot on a larger disk")
	return b.String()
}

func (e *NoSpaceError) Unwrap() error { return e.Err }

// ExitCode: an infrastructure problem, as a registry that cannot be reached.
func (e *NoSpaceError) ExitCode() int { return 2 }

// newNoSpaceError names the store's filesystems and their free space.
func newNoSpaceError(step string, so StoreOptions, err error) *NoSpaceError {
	e := &NoSpaceError{Step: step, Err: err}
	seen := map[string]bool{}
	for _, d := range []string{so.Root, so.RunRoot} {
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		e.Dirs = append(e.Dirs, d)
		free, total, err := registry.FreeSpace(d)
		if err != nil {
			e.Usage = append(e.Usage, d)
			continue
		}
		e.Usage = append(e.Usage, fmt.Sprintf("%s: %s free of %s", d, registry.HumanBytes(free), registry.HumanBytes(total)))
	}
	return e
}
