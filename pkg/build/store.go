package build

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/containers/storage"
)

// Storage drivers ocl-build supports: vfs is what the cluster's build pod
// uses, overlay is the faster local default.
const (
	DriverOverlay = "overlay"
	DriverVFS     = "vfs"
)

// StoreOptions locate a containers/storage store. Empty fields take what
// podman would use: containers/storage's defaults for the current user, read
// from storage.conf ($CONTAINERS_STORAGE_CONF, else
// /etc/containers/storage.conf; $STORAGE_DRIVER and $STORAGE_OPTS), so an
// image we build shows up in `podman images` run with the same settings.
type StoreOptions struct {
	Root    string
	RunRoot string
	// Driver overrides storage.conf's driver (--storage-driver); overlay
	// when neither names one.
	Driver string
	// Options are driver options as podman's --storage-opt, e.g.
	// "overlay.mount_program=/usr/bin/fuse-overlayfs". They replace all of
	// storage.conf's options; nil keeps storage.conf's (when the driver is
	// the one storage.conf configures them for), an empty non-nil slice
	// means none.
	Options []string
}

// Resolved fills the empty fields with the defaults containers/storage would
// use (storage.conf honoured), and makes paths absolute.
func (o StoreOptions) Resolved() (StoreOptions, error) {
	def, err := storage.DefaultStoreOptions()
	if err != nil {
		return o, fmt.Errorf("reading default storage options (%s): %w", storageConfName(), err)
	}
	if o.Root == "" {
		o.Root = def.GraphRoot
	}
	if o.RunRoot == "" {
		o.RunRoot = def.RunRoot
	}
	from := "--storage-driver"
	if o.Driver == "" {
		o.Driver, from = def.GraphDriverName, storageConfName()
	}
	if o.Driver == "" {
		o.Driver = DriverOverlay
	}
	switch o.Driver {
	case DriverOverlay, DriverVFS:
	default:
		return o, fmt.Errorf("storage driver %q (from %s): ocl-build builds with %q or %q", o.Driver, from, DriverOverlay, DriverVFS)
	}
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return o, err
	}
	if o.RunRoot, err = filepath.Abs(o.RunRoot); err != nil {
		return o, err
	}
	for _, opt := range o.Options {
		if !strings.Contains(opt, "=") {
			return o, fmt.Errorf("storage option %q: want NAME=VALUE (e.g. %s.mount_program=PATH)", opt, o.Driver)
		}
	}
	return o, nil
}

// storageConfName says which storage.conf containers/storage reads, for
// error messages.
func storageConfName() string {
	if p, err := storage.DefaultConfigFile(); err == nil && p != "" {
		return p
	}
	return "storage.conf"
}

// storeOptions is the containers/storage configuration for o: storage.conf's
// defaults with o's choices on top.
func (o StoreOptions) storeOptions() (storage.StoreOptions, error) {
	o, err := o.Resolved()
	if err != nil {
		return storage.StoreOptions{}, err
	}
	def, err := storage.DefaultStoreOptions()
	if err != nil {
		return storage.StoreOptions{}, err
	}
	so := def
	so.GraphRoot = o.Root
	so.RunRoot = o.RunRoot
	so.GraphDriverName = o.Driver
	switch {
	case o.Options != nil:
		so.GraphDriverOptions = append([]string(nil), o.Options...)
	case o.Driver != def.GraphDriverName:
		// Options such as overlay.mountopt do not apply to another driver.
		so.GraphDriverOptions = nil
	}
	return so, nil
}

// OpenStore opens (creating if needed) the store. The caller must call
// store.Shutdown(false) when done.
func OpenStore(o StoreOptions) (storage.Store, error) {
	so, err := o.storeOptions()
	if err != nil {
		return nil, err
	}
	s, err := storage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("opening %s storage at %s (runroot %s): %w", so.GraphDriverName, so.GraphRoot, so.RunRoot, err)
	}
	return s, nil
}

// Reference names an image of this store in containers/image syntax, e.g.
// containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]ID,
// so rpmdiff, push and skopeo address exactly the store the build used.
// Driver options given explicitly follow the run root after a colon.
func (o StoreOptions) Reference(imageID string) string {
	opts := ""
	if len(o.Options) > 0 {
		opts = ":" + strings.Join(o.Options, ",")
	}
	return fmt.Sprintf("containers-storage:[%s@%s+%s%s]%s", o.Driver, o.Root, o.RunRoot, opts, imageID)
}
