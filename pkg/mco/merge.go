package mco

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	ign3 "github.com/coreos/ignition/v2/config/v3_5"
	ign3types "github.com/coreos/ignition/v2/config/v3_5/types"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// MergeOrder returns the configs in the order the 4.19 render controller
// merges them: role=worker configs first, then all others, each group sorted
// by name. A custom pool's own configs therefore override the worker ones
// even when their names sort earlier. The input slice is not modified.
func MergeOrder(configs []*mcfgv1.MachineConfig) []*mcfgv1.MachineConfig {
	var workers, others []*mcfgv1.MachineConfig
	for _, c := range configs {
		if c.Labels[roleLabel] == workerRole {
			workers = append(workers, c)
		} else {
			others = append(others, c)
		}
	}
	byName := func(s []*mcfgv1.MachineConfig) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}
	byName(workers)
	byName(others)
	return append(workers, others...)
}

// MergeMachineConfigs merges MachineConfigs into one rendered spec as the
// 4.19 render controller does:
//   - Ignition configs are parsed (spec 3.0–3.5, converted to 3.5) and merged
//     in MergeOrder with Ignition's own merge: a later config's file, unit or
//     user with the same key replaces fields of the earlier one;
//   - files without an explicit overwrite get overwrite=true;
//   - kernel arguments and extensions are concatenated in order;
//   - fips is true if any config sets it; kernelType is the last non-default
//     one (realtime or 64k-pages), else "default"; kernel-devel needs the
//     default kernel;
//   - osImageURL and baseOSExtensionsContainerImage default to the cluster's
//     base images (here: baseImage, extensionsImage) unless a config sets
//     them, the last one winning.
//
// The result carries only the spec, as the operator's does before it names
// it. With no configs the operator renders nothing (the pool degrades);
// ocl-build returns the minimal rendered config instead: an empty Ignition
// 3.5.0 config, the default kernel and the base images.
func MergeMachineConfigs(configs []*mcfgv1.MachineConfig, baseImage, extensionsImage string) (*mcfgv1.MachineConfig, error) {
	ordered := MergeOrder(configs)
	for _, c := range ordered {
		if c.Labels == nil {
			return nil, fmt.Errorf("MachineConfig %q has no labels (the operator needs the %s label)", c.Name, roleLabel)
		}
		if err := ValidateMachineConfig(c); err != nil {
			return nil, err
		}
	}

	out := ign3types.Config{Ignition: ign3types.Ignition{Version: ign3types.MaxVersion.String()}}
	for i, c := range ordered {
		if c.Spec.Config.Raw == nil {
			continue
		}
		cfg, err := ParseIgnition(c.Spec.Config.Raw)
		if err != nil {
			return nil, fmt.Errorf("MachineConfig %q: spec.config: %w", c.Name, err)
		}
		if i == 0 {
			out = cfg // the first config is the base, as in the operator
			continue
		}
		out = ign3.Merge(out, cfg)
	}
	for i := range out.Storage.Files {
		if out.Storage.Files[i].Overwrite == nil {
			t := true
			out.Storage.Files[i].Overwrite = &t
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode merged Ignition config: %w", err)
	}

	var fips bool
	kernelType := ""
	kargs, exts := []string{}, []string{}
	osImageURL, extImage := baseImage, extensionsImage
	for _, c := range ordered {
		s := c.Spec
		fips = fips || s.FIPS
		if s.KernelType == KernelTypeRealtime || s.KernelType == KernelType64kPages {
			kernelType = s.KernelType
		}
		kargs = append(kargs, s.KernelArguments...)
		exts = append(exts, s.Extensions...)
		if s.OSImageURL != "" {
			osImageURL = s.OSImageURL
		}
		if s.BaseOSExtensionsContainerImage != "" {
			extImage = s.BaseOSExtensionsContainerImage
		}
	}
	if kernelType == "" {
		kernelType = KernelTypeDefault
	}
	if kernelType != KernelTypeDefault && slices.Contains(exts, "kernel-devel") {
		return nil, fmt.Errorf("the kernel-devel extension needs the default kernel, but kernelType is %s", kernelType)
	}
	return &mcfgv1.MachineConfig{
		Spec: mcfgv1.MachineConfigSpec{
			OSImageURL:                     osImageURL,
			BaseOSExtensionsContainerImage: extImage,
			KernelArguments:                kargs,
			Config:                         runtime.RawExtension{Raw: raw},
			FIPS:                           fips,
			KernelType:                     kernelType,
			Extensions:                     exts,
		},
	}, nil
}
