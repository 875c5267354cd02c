package build

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"

	"github.com/containers/storage"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"
)

// containerMark is how Build names its containers: buildah puts the
// ContainerSuffix after the image's name (and may add -NN on a clash).
// The suffix carries the owner (PID and start time) of the build.
var containerMark = regexp.MustCompile(`-(` + ownedtemp.Prefix + `p[0-9]+s[0-9]+-[0-9a-f]{12})(?:-[0-9]+)?$`)

// buildSuffix is a new build's container-name suffix.
func buildSuffix() string { return ownedtemp.Prefix + ownedtemp.Unique() }

// Reclaimed is what a prune removed: the leftovers of ocl-build processes
// that are no longer running (killed, say, with SIGKILL in the middle of a
// build).
type Reclaimed struct {
	Containers []ReclaimedContainer
	// TempDirs are the removed temporary directories: build contexts,
	// entitlement copies, pull staging, spools.
	TempDirs []string
}

// ReclaimedContainer is one removed build container.
type ReclaimedContainer struct {
	ID, Name string
	// Unmounted: its root file system was still mounted.
	Unmounted bool
}

// Empty reports whether nothing was reclaimed.
func (r *Reclaimed) Empty() bool { return r == nil || len(r.Containers)+len(r.TempDirs) == 0 }

// Prune removes what killed ocl-build processes left: build containers in
// the store (unmounted first) whose names carry the mark of a process no
// longer running, and such processes' temporary directories under
// ownedtemp.Parents. Containers of running builds, of podman, of buildah, and
// anything without our mark are never touched.
func Prune(so StoreOptions) (*Reclaimed, error) {
	store, err := OpenStore(so)
	if err != nil {
		return nil, err
	}
	r, err := reclaimStale(store)
	if _, serr := store.Shutdown(false); serr != nil && err == nil && !errors.Is(serr, storage.ErrLayerUsedByContainer) {
		err = fmt.Errorf("closing storage: %w", serr)
	}
	return r, err
}

// reclaimStale is Prune on an open store; Build runs it first.
func reclaimStale(store storage.Store) (*Reclaimed, error) {
	r := &Reclaimed{}
	var errs []error
	ctrs, err := store.Containers()
	if err != nil {
		return r, fmt.Errorf("listing containers: %w", err)
	}
	for _, c := range ctrs {
		name, stale := staleBuildContainer(c.Names)
		if !stale {
			continue
		}
		rc := ReclaimedContainer{ID: c.ID, Name: name}
		if n, err := store.Mounted(c.ID); err == nil && n > 0 {
			rc.Unmounted = true
		}
		if _, err := store.Unmount(c.ID, true); err != nil && !errors.Is(err, storage.ErrLayerUnknown) {
			errs = append(errs, fmt.Errorf("unmounting build container %s (%s): %w", name, c.ID, err))
			continue
		}
		if err := store.DeleteContainer(c.ID); err != nil {
			if errors.Is(err, storage.ErrContainerUnknown) {
				continue // another run reclaimed it first
			}
			errs = append(errs, fmt.Errorf("removing build container %s (%s): %w", name, c.ID, err))
			continue
		}
		r.Containers = append(r.Containers, rc)
	}
	dirs, err := ownedtemp.Stale(ownedtemp.Parents()...)
	if err != nil {
		errs = append(errs, fmt.Errorf("listing temporary directories: %w", err))
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", d, err))
			continue
		}
		r.TempDirs = append(r.TempDirs, d)
	}
	sort.Strings(r.TempDirs)
	return r, errors.Join(errs...)
}

// staleBuildContainer reports whether a container with these names is one
// of ours whose build is no longer running, and the name that says so.
func staleBuildContainer(names []string) (string, bool) {
	for _, n := range names {
		m := containerMark.FindStringSubmatch(n)
		if m != nil && !ownedtemp.Alive(m[1]) {
			return n, true
		}
	}
	return "", false
}
