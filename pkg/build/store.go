package build

import (
	"fmt"
	"path/filepath"

	"github.com/containers/storage"
)

// Storage drivers ocl-build supports: vfs is what the cluster's build pod
// uses, overlay is the faster local default.
const (
	DriverOverlay = "overlay"
	DriverVFS     = "vfs"
)

// StoreOptions locate a containers/storage store. Empty fields take podman's
// defaults for the current user (as root: /var/lib/containers/storage and
// /run/containers/storage), so an image we build shows up in `podman images`.
type StoreOptions struct {
	Root    string
	RunRoot string
	Driver  string
}

// Resolved fills the empty fields with the defaults containers/storage would
// use (storage.conf honoured), and makes paths absolute.
func (o StoreOptions) Resolved() (StoreOptions, error) {
	def, err := storage.DefaultStoreOptions()
	if err != nil {
		return o, fmt.Errorf("reading default storage options: %w", err)
	}
	if o.Root == "" {
		o.Root = def.GraphRoot
	}
	if o.RunRoot == "" {
		o.RunRoot = def.RunRoot
	}
	if o.Driver == "" {
		o.Driver = DriverOverlay
	}
	switch o.Driver {
	case DriverOverlay, DriverVFS:
	default:
		return o, fmt.Errorf("storage driver %q: want %q or %q", o.Driver, DriverOverlay, DriverVFS)
	}
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return o, err
	}
	if o.RunRoot, err = filepath.Abs(o.RunRoot); err != nil {
		return o, err
	}
	return o, nil
}

// OpenStore opens (creating if needed) the store. The caller must call
// store.Shutdown(false) when done.
func OpenStore(o StoreOptions) (storage.Store, error) {
	o, err := o.Resolved()
	if err != nil {
		return nil, err
	}
	def, err := storage.DefaultStoreOptions()
	if err != nil {
		return nil, err
	}
	so := def
	so.GraphRoot = o.Root
	so.RunRoot = o.RunRoot
	so.GraphDriverName = o.Driver
	if o.Driver != def.GraphDriverName {
		// Options such as overlay.mountopt do not apply to another driver.
		so.GraphDriverOptions = nil
	}
	s, err := storage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("opening %s storage at %s (runroot %s): %w", o.Driver, o.Root, o.RunRoot, err)
	}
	return s, nil
}

// Reference names an image of this store in containers/image syntax, e.g.
// containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]ID,
// so rpmdiff, push and skopeo address exactly the store the build used.
func (o StoreOptions) Reference(imageID string) string {
	return fmt.Sprintf("containers-storage:[%s@%s+%s]%s", o.Driver, o.Root, o.RunRoot, imageID)
}
