package main

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/mco"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// inputOptions are the flags that say what the cluster would build; render,
// build and preflight share them. The base image flags are kept as plain
// strings here: resolving --release needs the network and credentials,
// which is the build's business.
type inputOptions struct {
	containerfile   string
	mosc            string
	pool            string
	machineConfigs  []string
	trustBundle     string
	baseImage       string
	extensionsImage string
	release         string
	osImageURL      string
}

func addInputFlags(cmd *cobra.Command, o *inputOptions) {
	f := cmd.Flags()
	f.StringVar(&o.containerfile, "containerfile", "", "the user's Containerfile content (the MachineOSConfig's containerFile); - reads stdin")
	f.StringVar(&o.mosc, "mosc", "", "a MachineOSConfig YAML; its NoArch containerFile entry is used (MachineConfigs and MachineConfigPools in the same file count too)")
	f.StringVar(&o.pool, "pool", "", "MachineConfigPool name (default: the MachineOSConfig's pool, else \"worker\")")
	f.StringSliceVar(&o.machineConfigs, "machineconfigs", nil, "MachineConfig/MachineConfigPool YAML files or directories (repeatable), e.g. the output of 'oc get mc,mcp -o yaml'")
	f.StringVar(&o.trustBundle, "additional-trust-bundle", "", "PEM file (or the openshift-config/user-ca-bundle ConfigMap YAML) copied into the image as the cluster does")
	f.StringVar(&o.baseImage, "base-image", "", "RHCOS base image (the ConfigMap's baseOSContainerImage)")
	f.StringVar(&o.extensionsImage, "extensions-image", "", "RHCOS extensions image (the ConfigMap's baseOSExtensionsContainerImage)")
	f.StringVar(&o.release, "release", "", "OpenShift release payload whose rhel-coreos and rhel-coreos-extensions images are the base")
	f.StringVar(&o.osImageURL, "osimageurl", "", "the openshift-machine-config-operator/machine-config-osimageurl ConfigMap as YAML")
}

// baseOptions say where the base image comes from.
func (o *inputOptions) baseOptions() baseimage.Options {
	return baseimage.Options{BaseImage: o.baseImage, ExtensionsImage: o.extensionsImage, Release: o.release, OSImageURLFile: o.osImageURL}
}

// loadedInputs is what the input flags resolve to without the network.
type loadedInputs struct {
	// Render is complete except BaseImage/ExtensionsImage when they come
	// from --release (see baseFrom).
	Render mco.RenderOptions
	// MOSC is the MachineOSConfig given with --mosc, else nil.
	MOSC *mcfgv1.MachineOSConfig
	// OSImages is set from --osimageurl.
	OSImages *mco.OSImageURLConfig
	Warnings []string
}

// load reads every input file; its errors are input errors (exit 2).
func (o *inputOptions) load(stdin io.Reader) (*loadedInputs, error) {
	switch {
	case o.containerfile != "" && o.mosc != "":
		return nil, errors.New("give --containerfile or --mosc, not both")
	case o.containerfile == "" && o.mosc == "":
		return nil, errors.New("give the user content with --containerfile FILE or --mosc FILE")
	}
	n := 0
	for _, s := range []string{o.baseImage, o.release, o.osImageURL} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("choose the base image with one of --base-image, --release or --osimageurl")
	}
	if o.extensionsImage != "" && o.baseImage == "" {
		return nil, errors.New("--extensions-image goes with --base-image")
	}

	in := &loadedInputs{}
	ro := &in.Render
	var candidates []string
	candidates = append(candidates, o.machineConfigs...)

	if o.containerfile != "" {
		var data []byte
		var err error
		if o.containerfile == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(o.containerfile)
		}
		if err != nil {
			return nil, fmt.Errorf("--containerfile: %w", err)
		}
		ro.Containerfile = string(data)
		ro.PoolName = o.pool
		if ro.PoolName == "" {
			ro.PoolName = mco.DefaultPoolName
		}
	} else {
		m, err := mco.LoadManifests([]string{o.mosc})
		if err != nil {
			return nil, fmt.Errorf("--mosc: %w", err)
		}
		mosc, err := pickMOSC(o.mosc, m.MachineOSConfigs, o.pool)
		if err != nil {
			return nil, err
		}
		in.MOSC = mosc
		ro.MachineOSConfig = mosc
		ro.MOSCName = mosc.Name
		ro.PoolName = mosc.Spec.MachineConfigPool.Name
		if o.pool != "" && o.pool != ro.PoolName {
			return nil, fmt.Errorf("--pool %s, but MachineOSConfig %s in %s is for pool %q", o.pool, mosc.Name, o.mosc, ro.PoolName)
		}
		if ro.PoolName == "" {
			return nil, fmt.Errorf("%s: MachineOSConfig %s: spec.machineConfigPool.name is empty", o.mosc, mosc.Name)
		}
		content, ok := mco.UserContainerfile(mosc)
		if !ok {
			var archs []string
			for _, cf := range mosc.Spec.Containerfile {
				archs = append(archs, string(cf.ContainerfileArch))
			}
			_, msg := rules.CheckNoArch(archs)
			in.Warnings = append(in.Warnings, fmt.Sprintf("MachineOSConfig %s: %s (%s)", mosc.Name, msg, rules.OCL302.ID))
		}
		for _, cf := range mosc.Spec.Containerfile {
			if cf.ContainerfileArch != mcfgv1.NoArch {
				in.Warnings = append(in.Warnings, fmt.Sprintf("MachineOSConfig %s: the %s containerFile entry is ignored (the operator builds only NoArch)", mosc.Name, cf.ContainerfileArch))
			}
		}
		ro.Containerfile = content
		// MachineConfigs and pools next to the MOSC are inputs too.
		if len(m.MachineConfigs)+len(m.MachineConfigPools) > 0 {
			candidates = append([]string{o.mosc}, candidates...)
		}
	}

	if len(candidates) > 0 {
		m, err := mco.LoadManifests(candidates)
		if err != nil {
			return nil, err
		}
		ro.MachineConfigs = m.MachineConfigs
		ro.MachineConfigPools = m.MachineConfigPools
	}

	if o.trustBundle != "" {
		b, err := readTrustBundle(o.trustBundle)
		if err != nil {
			return nil, err
		}
		ro.AdditionalTrustBundle = b
	}

	switch {
	case o.baseImage != "":
		ro.BaseImage, ro.ExtensionsImage = o.baseImage, o.extensionsImage
	case o.osImageURL != "":
		c, err := mco.LoadOSImageURLConfig(o.osImageURL)
		if err != nil {
			return nil, err
		}
		in.OSImages = &c
		ro.BaseImage, ro.ExtensionsImage = c.BaseOSContainerImage, c.BaseOSExtensionsContainerImage
		ro.OSImageURL, ro.ReleaseVersion = c.OSImageURL, c.ReleaseVersion
	}
	return in, nil
}

// pickMOSC selects the MachineOSConfig in a file: the only one, or the one
// for --pool.
func pickMOSC(file string, all []*mcfgv1.MachineOSConfig, pool string) (*mcfgv1.MachineOSConfig, error) {
	switch {
	case len(all) == 0:
		return nil, fmt.Errorf("--mosc %s: no MachineOSConfig (apiVersion machineconfiguration.openshift.io/v1) in the file", file)
	case len(all) == 1:
		return all[0], nil
	}
	var names []string
	for _, m := range all {
		if pool != "" && m.Spec.MachineConfigPool.Name == pool {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return nil, fmt.Errorf("--mosc %s holds %d MachineOSConfigs (%s); choose one with --pool", file, len(all), strings.Join(names, ", "))
}

// readTrustBundle accepts a PEM bundle, or the user-ca-bundle ConfigMap
// whose data["ca-bundle.crt"] the cluster uses.
func readTrustBundle(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--additional-trust-bundle: %w", err)
	}
	if !strings.Contains(string(data), "-----BEGIN") {
		var cm struct {
			Kind string            `json:"kind"`
			Data map[string]string `json:"data"`
		}
		if yaml.Unmarshal(data, &cm) == nil && cm.Kind == "ConfigMap" {
			b, ok := cm.Data["ca-bundle.crt"]
			if !ok {
				return nil, fmt.Errorf("--additional-trust-bundle %s: ConfigMap has no data[\"ca-bundle.crt\"]", path)
			}
			data = []byte(b)
		}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return []byte{}, nil
	}
	rest, certs := data, 0
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("--additional-trust-bundle %s: holds a %q PEM block; only certificates belong in a trust bundle", path, blk.Type)
		}
		certs++
	}
	if certs == 0 {
		return nil, fmt.Errorf("--additional-trust-bundle %s: no PEM certificate found", path)
	}
	return data, nil
}
