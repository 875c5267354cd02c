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

// supportedExtensions is the RHCOS extension allow-list of 4.19: extension
// name to the packages `rpm-ostree install` gets for it.
var supportedExtensions = map[string][]string{
	"two-node-ha":          {"pacemaker", "pcs", "fence-agents-all"},
	"wasm":                 {"crun-wasm"},
	"ipsec":                {"NetworkManager-libreswan", "libreswan"},
	"usbguard":             {"usbguard"},
	"kerberos":             {"krb5-workstation", "libkadm5"},
	"kernel-devel":         {"kernel-devel", "kernel-headers"},
	"sandboxed-containers": {"kata-containers"},
	"sysstat":              {"sysstat"},
}

// SupportedExtensions lists the extension names a MachineConfig may ask for.
func SupportedExtensions() []string {
	out := make([]string, 0, len(supportedExtensions))
	for k := range supportedExtensions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ExtensionPackages resolves extension names to packages, in order, the way
// the build controller fills the extensions RUN line.
func ExtensionPackages(exts []string) ([]string, error) {
	var bad []string
	pkgs := []string{}
	for _, e := range exts {
		p, ok := supportedExtensions[e]
		if !ok {
			bad = append(bad, e)
			continue
		}
		pkgs = append(pkgs, p...)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("unsupported extensions %q (supported: %s)", bad, strings.Join(SupportedExtensions(), ", "))
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
		if _, err := ExtensionPackages(s.Extensions); err != nil {
			return fmt.Errorf("MachineConfig %q: spec.extensions: %w", mc.Name, err)
		}
	}
	return nil
}

// ParseIgnition parses an Ignition config of spec 3.0 to 3.5 into 3.5 types,
// as the operator's parser does, and reports the first fatal problem with its
// JSON path. Like the operator, a config without ignition.version (even
// `{}`) is refused; a MachineConfig with only kernel arguments omits
// spec.config altogether. Spec 2.x configs are refused: converting them needs
// the operator's ign-converter, which ocl-build does not carry.
func ParseIgnition(raw []byte) (ign3types.Config, error) {
	v, _, err := util.GetConfigVersion(raw)
	if err != nil {
		if errors.Is(err, ignerrors.ErrInvalidVersion) {
			return ign3types.Config{}, fmt.Errorf("ignition.version is missing or not a version; supported spec versions: %s", supportedIgnVersion)
		}
		return ign3types.Config{}, fmt.Errorf("not a valid Ignition config: %v", err)
	}
	if v.Major == 2 {
		return ign3types.Config{}, fmt.Errorf("Ignition spec %s is not supported by ocl-build; convert it to spec 3 (supported: %s)", v, supportedIgnVersion)
	}
	cfg, rpt, err := ign3.ParseCompatibleVersion(raw)
	if err != nil {
		if errors.Is(err, ignerrors.ErrUnknownVersion) {
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
