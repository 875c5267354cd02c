package mco

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	ignerrors "github.com/coreos/ignition/v2/config/shared/errors"
	"github.com/coreos/ignition/v2/config/util"
	ign3 "github.com/coreos/ignition/v2/config/v3_5"
	ign3types "github.com/coreos/ignition/v2/config/v3_5/types"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
)

// Kernel types the 4.19 operator accepts in spec.kernelType.
const (
	KernelTypeDefault   = "default"
	KernelTypeRealtime  = "realtime"
	KernelType64kPages  = "64k-pages"
	roleLabel           = "machineconfiguration.openshift.io/role"
	workerRole          = "worker"
	masterRole          = "master"
	supportedIgnVersion = "3.0, 3.1, 3.2, 3.3, 3.4, 3.5"
)

// knownExtensions is every extension name some supported OpenShift version
// accepts (pkg/controller/common/helpers.go SupportedExtensions, per branch,
// in pkg/ocpversion). Loading checks against it; Render checks the
// version's own list.
func knownExtensions() map[string][]string {
	all := map[string][]string{}
	for _, v := range ocpversion.Known() {
		p, _, _ := ocpversion.Lookup(v)
		for n, pk := range p.Extensions {
			if _, ok := all[n]; !ok {
				all[n] = pk
			}
		}
	}
	return all
}

// SupportedExtensions lists the extension names a MachineConfig may ask for
// in OpenShift version p.
func SupportedExtensions(p ocpversion.Profile) []string { return p.ExtensionNames() }

// ExtensionPackages resolves extension names to packages, in order, the way
// the build controller of version p fills the extensions step
// (GetPackagesForSupportedExtensions). An extension the version does not
// know is an error naming the version.
func ExtensionPackages(p ocpversion.Profile, exts []string) ([]string, error) {
	var bad []string
	pkgs := []string{}
	for _, e := range exts {
		pk, ok := p.ExtensionPackages(e)
		if !ok {
			bad = append(bad, e)
			continue
		}
		pkgs = append(pkgs, pk...)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("unsupported extensions %q in OpenShift %s (supported: %s)", bad, p.Version, strings.Join(p.ExtensionNames(), ", "))
	}
	return pkgs, nil
}

// ValidateMachineConfig checks what the render controller checks before a
// merge: kernelType, the Ignition config (spec 3.0 to 3.5), file modes without
// special bits, and the extension allow-list. Errors name the MachineConfig.
func ValidateMachineConfig(mc *mcfgv1.MachineConfig) error {
	s := mc.Spec
	switch s.KernelType {
	case "", KernelTypeDefault, KernelTypeRealtime, KernelType64kPages:
	default:
		return fmt.Errorf("MachineConfig %q: spec.kernelType %q is invalid (want %s, %s or %s)", mc.Name, s.KernelType, KernelTypeDefault, KernelTypeRealtime, KernelType64kPages)
	}
	if s.Config.Raw == nil {
		// The operator skips the extension check too when there is no
		// Ignition config; the merge still resolves extensions later.
		return nil
	}
	cfg, err := ParseIgnition(s.Config.Raw)
	if err != nil {
		return fmt.Errorf("MachineConfig %q: spec.config: %w", mc.Name, err)
	}
	for _, f := range cfg.Storage.Files {
		if f.Mode != nil && os.FileMode(*f.Mode) > os.ModePerm {
			return fmt.Errorf("MachineConfig %q: spec.config: storage.files %s: mode %#o has special bits (setuid, setgid or sticky); at most %#o", mc.Name, f.Path, *f.Mode, os.ModePerm)
		}
	}
	if len(s.Extensions) > 0 {
		known := knownExtensions()
		var bad []string
		for _, e := range s.Extensions {
			if _, ok := known[e]; !ok {
				bad = append(bad, e)
			}
		}
		if len(bad) > 0 {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("MachineConfig %q: spec.extensions: unsupported extensions %q (supported by some OpenShift version: %s)", mc.Name, bad, strings.Join(names, ", "))
		}
	}
	return nil
}

// ParseIgnition parses an Ignition config of spec 3.0 to 3.5 into 3.5 types,
// as the operator's parser does, and reports the first fatal problem with its
// JSON path. Like the operator, a config without ignition.version (even
// `{}`) is refused; a MachineConfig with only kernel arguments omits
// spec.config altogether. Spec 2.x configs (2.0 to 2.2) are converted to 3.5
// as the operator converts them (convertIgnition2).
func ParseIgnition(raw []byte) (ign3types.Config, error) {
	v, _, err := util.GetConfigVersion(raw)
	if err != nil {
		if errors.Is(err, ignerrors.ErrInvalidVersion) {
			return ign3types.Config{}, fmt.Errorf("ignition.version is missing or not a version; supported spec versions: %s", supportedIgnVersion)
		}
		return ign3types.Config{}, fmt.Errorf("not a valid Ignition config: %v", err)
	}
	if v.Major == 2 {
		if v.Minor > 2 {
			//lint:ignore ST1005 Ignition is a name; the message follows a "MachineConfig X: spec.config:" prefix
			return ign3types.Config{}, fmt.Errorf("Ignition spec %s is unknown; supported spec versions: 2.2, %s", v, supportedIgnVersion)
		}
		return convertIgnition2(raw)
	}
	cfg, rpt, err := ign3.ParseCompatibleVersion(raw)
	if err != nil {
		if errors.Is(err, ignerrors.ErrUnknownVersion) {
			//lint:ignore ST1005 Ignition is a name; the message follows a "MachineConfig X: spec.config:" prefix
			return ign3types.Config{}, fmt.Errorf("Ignition spec %s is unknown; supported spec versions: %s", v, supportedIgnVersion)
		}
		if msg := firstFatal(rpt.String()); msg != "" {
			return ign3types.Config{}, fmt.Errorf("invalid Ignition %s config: %s", v, msg)
		}
		return ign3types.Config{}, fmt.Errorf("invalid Ignition %s config: %v", v, err)
	}
	return cfg, nil
}

// firstFatal picks the first error line of an Ignition report.
func firstFatal(rpt string) string {
	for _, l := range strings.Split(rpt, "\n") {
		if strings.HasPrefix(l, "error") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(rpt)
}
