package mco

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vincent-petithory/dataurl"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
)

// The files of the rendered MachineConfig that the build pod mounts over its
// own /etc/containers (every branch from release-4.19 to main,
// pkg/controller/build/buildrequest/buildrequest.go: etcPolicyToConfigMap,
// etcRegistriesToConfigMap, the etc-policy and etc-registries volumes).
// A config without one leaves the build image's own file in place (the
// ConfigMap volume is optional).
const (
	RegistriesConfPath = "/etc/containers/registries.conf"
	PolicyJSONPath     = "/etc/containers/policy.json"
)

// RegistryFiles are the cluster's registries.conf and policy.json as the
// rendered MachineConfig carries them; nil when it does not.
type RegistryFiles struct {
	RegistriesConf, Policy []byte
}

// Empty reports whether the config carries neither file.
func (r RegistryFiles) Empty() bool { return r.RegistriesConf == nil && r.Policy == nil }

// RegistryFilesOf reads registries.conf and policy.json from mc's Ignition
// storage.files (data URLs, optionally gzip-compressed, as the operator's
// own renderer writes them).
func RegistryFilesOf(mc *mcfgv1.MachineConfig) (RegistryFiles, error) {
	var out RegistryFiles
	if mc == nil || len(mc.Spec.Config.Raw) == 0 {
		return out, nil
	}
	cfg, err := ParseIgnition(mc.Spec.Config.Raw)
	if err != nil {
		return out, fmt.Errorf("MachineConfig %s: %w", mc.Name, err)
	}
	for _, f := range cfg.Storage.Files {
		var dst *[]byte
		switch f.Path {
		case RegistriesConfPath:
			dst = &out.RegistriesConf
		case PolicyJSONPath:
			dst = &out.Policy
		default:
			continue
		}
		if f.Contents.Source == nil {
			return out, fmt.Errorf("MachineConfig %s: storage.files %s has no contents.source", mc.Name, f.Path)
		}
		comp := ""
		if f.Contents.Compression != nil {
			comp = *f.Contents.Compression
		}
		data, err := decodeSource(*f.Contents.Source, comp)
		if err != nil {
			return out, fmt.Errorf("MachineConfig %s: storage.files %s: %w", mc.Name, f.Path, err)
		}
		*dst = data
	}
	return out, nil
}

// decodeSource decodes an Ignition data URL, then gunzips it if asked.
func decodeSource(src, compression string) ([]byte, error) {
	u, err := dataurl.DecodeString(src)
	if err != nil {
		return nil, fmt.Errorf("contents.source is not a data URL the build can read (the operator decodes only data URLs here): %w", err)
	}
	data := u.Data
	switch compression {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, 16<<20)); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown compression %q", compression)
	}
	return data, nil
}

// Write puts the files into dir (private, 0600) and returns their paths,
// "" for each file the config does not carry.
func (r RegistryFiles) Write(dir string) (registriesConf, policy string, err error) {
	write := func(name string, data []byte) (string, error) {
		if data == nil {
			return "", nil
		}
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, data, 0o600)
	}
	if registriesConf, err = write("registries.conf", r.RegistriesConf); err != nil {
		return "", "", err
	}
	if policy, err = write("policy.json", r.Policy); err != nil {
		return "", "", err
	}
	return registriesConf, policy, nil
}

// PoolRegistryFiles renders the pool's MachineConfigs (selection and merge
// only: the files do not depend on the base image) and returns the
// registries.conf and policy.json its build pod would mount.
func PoolRegistryFiles(opts RenderOptions) (RegistryFiles, error) {
	pool := opts.PoolName
	if pool == "" {
		pool = DefaultPoolName
	}
	sel, err := SelectMachineConfigs(pool, FindPool(pool, opts.MachineConfigPools), opts.MachineConfigs)
	if err != nil {
		return RegistryFiles{}, err
	}
	merged, err := MergeMachineConfigs(sel, "", "")
	if err != nil {
		return RegistryFiles{}, fmt.Errorf("render pool %s: %w", pool, err)
	}
	merged.Name = "rendered-" + pool
	return RegistryFilesOf(merged)
}
