package mco

import (
	"fmt"

	"github.com/coreos/ign-converter/translate/v23tov30"
	ign2 "github.com/coreos/ignition/config/v2_2"
	ign2types "github.com/coreos/ignition/config/v2_2/types"
	ign2to23 "github.com/coreos/ignition/config/v2_3"
	translate31 "github.com/coreos/ignition/v2/config/v3_1/translate"
	translate32 "github.com/coreos/ignition/v2/config/v3_2/translate"
	translate33 "github.com/coreos/ignition/v2/config/v3_3/translate"
	translate34 "github.com/coreos/ignition/v2/config/v3_4/translate"
	translate35 "github.com/coreos/ignition/v2/config/v3_5/translate"
	ign3types "github.com/coreos/ignition/v2/config/v3_5/types"
)

// convertIgnition2 converts an Ignition spec 2.x config to 3.5 the way the
// render controller does (ParseAndConvertConfig in
// pkg/controller/common/helpers.go, release-4.19 through main): parse as
// 2.2, drop duplicate files and units (the last one wins; a duplicate unit's
// new drop-ins are added to the kept one), fold every user's SSH keys into
// the last user, which must be core, then 2.2 → 2.3 → 3.0 with
// github.com/coreos/ign-converter (root filesystem only) and up to 3.5 with
// Ignition's own translators.
func convertIgnition2(raw []byte) (ign3types.Config, error) {
	cfg, rpt, err := ign2.Parse(raw)
	if err != nil || rpt.IsFatal() {
		if err == nil {
			err = fmt.Errorf("%s", firstFatal(rpt.String()))
		}
		return ign3types.Config{}, fmt.Errorf("invalid Ignition spec 2 config: %v", err)
	}
	cfg, err = dedupeIgnition2(cfg)
	if err != nil {
		return ign3types.Config{}, err
	}
	v30, err := v23tov30.Translate(ign2to23.Translate(cfg), map[string]string{"root": "/"})
	if err != nil {
		return ign3types.Config{}, fmt.Errorf("convert Ignition spec 2 config to spec 3: %w", err)
	}
	return translate35.Translate(translate34.Translate(translate33.Translate(translate32.Translate(translate31.Translate(v30))))), nil
}

// dedupeIgnition2 removes what spec 3 forbids and spec 2 allowed: several
// entries for one file path or unit name. It walks from the last entry back,
// so the result lists the kept entries last-first, as the operator's does
// (the order reaches the rendered config and so its name).
func dedupeIgnition2(c ign2types.Config) (ign2types.Config, error) {
	var files []ign2types.File
	seenFile := map[string]bool{}
	for i := len(c.Storage.Files) - 1; i >= 0; i-- {
		f := c.Storage.Files[i]
		if seenFile[f.Path] {
			continue
		}
		seenFile[f.Path] = true
		files = append(files, f)
	}
	var units []ign2types.Unit
	kept := map[string]int{} // unit name → index in units
	for i := len(c.Systemd.Units) - 1; i >= 0; i-- {
		u := c.Systemd.Units[i]
		j, dup := kept[u.Name]
		if !dup {
			kept[u.Name] = len(units)
			units = append(units, u)
			continue
		}
		for _, d := range u.Dropins {
			has := false
			for _, e := range units[j].Dropins {
				if e.Name == d.Name {
					has = true
					break
				}
			}
			if !has {
				units[j].Dropins = append(units[j].Dropins, d)
			}
		}
	}
	if n := len(c.Passwd.Users); n > 0 {
		user := c.Passwd.Users[n-1]
		for i := n - 1; i >= 0; i-- {
			if c.Passwd.Users[i].Name != "core" {
				//lint:ignore ST1005 Ignition is a name; the message follows a "MachineConfig X: spec.config:" prefix
				return c, fmt.Errorf("Ignition spec 2 config: passwd.users has %q; only the core user is supported", c.Passwd.Users[i].Name)
			}
			if i < n-1 {
				user.SSHAuthorizedKeys = append(user.SSHAuthorizedKeys, c.Passwd.Users[i].SSHAuthorizedKeys...)
			}
		}
		seen := map[ign2types.SSHAuthorizedKey]bool{}
		keys := []ign2types.SSHAuthorizedKey{}
		for _, k := range user.SSHAuthorizedKeys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		user.SSHAuthorizedKeys = keys
		c.Passwd.Users = []ign2types.PasswdUser{user}
	}
	c.Storage.Files, c.Systemd.Units = files, units
	return c, nil
}
