package mco

import (
	"path"
	"sort"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
)

// unitDirs are where a MachineConfig's storage.files can provide a unit file.
var unitDirs = []string{"/etc/systemd/system", "/usr/lib/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system"}

// EnabledUnitsWithoutContents lists the systemd units the config enables
// (enabled: true) without giving their unit file: no contents, and no
// storage.files entry at a unit directory for that name (or its template,
// for foo@bar.service). Drop-ins do not count as the unit file, so a unit
// with only drop-ins is listed. On 4.19 such units must exist in the base
// image (OCPBUGS-56648): the daemon enables them before booting the layered
// image. Names are sorted; a config that does not parse yields nil.
func EnabledUnitsWithoutContents(mc *mcfgv1.MachineConfig) []string {
	if mc == nil || mc.Spec.Config.Raw == nil {
		return nil
	}
	cfg, err := ParseIgnition(mc.Spec.Config.Raw)
	if err != nil {
		return nil
	}
	provided := map[string]bool{}
	for _, f := range cfg.Storage.Files {
		dir, base := path.Split(f.Path)
		for _, d := range unitDirs {
			if strings.TrimSuffix(dir, "/") == d {
				provided[base] = true
			}
		}
	}
	var out []string
	for _, u := range cfg.Systemd.Units {
		if u.Enabled == nil || !*u.Enabled {
			continue
		}
		if u.Contents != nil && strings.TrimSpace(*u.Contents) != "" {
			continue
		}
		if provided[u.Name] || provided[templateOf(u.Name)] {
			continue
		}
		out = append(out, u.Name)
	}
	sort.Strings(out)
	return out
}

// templateOf maps an instance name foo@bar.service to foo@.service.
func templateOf(unit string) string {
	at := strings.Index(unit, "@")
	dot := strings.LastIndex(unit, ".")
	if at < 0 || dot < at {
		return unit
	}
	return unit[:at+1] + unit[dot:]
}
