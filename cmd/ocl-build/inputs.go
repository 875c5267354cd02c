package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/rules"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"
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
	// openshiftVersion is --openshift-version (empty: detect).
	openshiftVersion string
	// clusterVersion is ClusterVersion's desired version, when the inputs
	// come from a cluster (--kubeconfig).
	clusterVersion string
	// given is --mosc as read and decoded once (readMOSC), by whichever
	// looks first: the cluster reader (for the pool) or load.
	given *moscInput
}

// moscInput is a --mosc file read and decoded: its objects as kubedoc
// read them (lint checks those, with their lines) and its MachineOSConfigs.
type moscInput struct {
	arg, name string
	docs      []*kubedoc.Document
	moscs     []*mcfgv1.MachineOSConfig
}

// readMOSC reads and decodes --mosc once; a later call for the same
// argument returns the same result (standard input can be read only once).
func (o *inputOptions) readMOSC(stdin io.Reader) (*moscInput, error) {
	if o.given != nil && o.given.arg == o.mosc {
		return o.given, nil
	}
	name, data, err := readNamedInput(stdin, o.mosc)
	if err != nil {
		return nil, fmt.Errorf("--mosc: %w", err)
	}
	docs, err := kubedoc.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("--mosc: %w", err)
	}
	m, err := manifests.Load(docs)
	if err != nil {
		return nil, fmt.Errorf("--mosc: %w", err)
	}
	o.given = &moscInput{arg: o.mosc, name: name, docs: docs, moscs: m.MachineOSConfigs}
	return o.given, nil
}

func addInputFlags(cmd *cobra.Command, o *inputOptions) {
	f := cmd.Flags()
	f.StringVar(&o.containerfile, "containerfile", "", "the user's Containerfile content (the MachineOSConfig's containerFile); - reads stdin")
	f.StringVar(&o.mosc, "mosc", "", "a MachineOSConfig YAML; its NoArch containerFile entry is used (MachineConfigs and MachineConfigPools in the same file count too); with --kubeconfig also a MachineOSConfig name on the cluster")
	f.StringVar(&o.pool, "pool", "", "MachineConfigPool name (default: the MachineOSConfig's pool, else \"worker\")")
	f.StringSliceVar(&o.machineConfigs, "machineconfigs", nil, "MachineConfig/MachineConfigPool YAML files or directories (repeatable), e.g. the output of 'oc get mc,mcp -o yaml'")
	f.StringVar(&o.trustBundle, "additional-trust-bundle", "", "PEM file (or the openshift-config/user-ca-bundle ConfigMap YAML) copied into the image as the cluster does")
	f.StringVar(&o.baseImage, "base-image", "", "RHCOS base image (the ConfigMap's baseOSContainerImage)")
	f.StringVar(&o.extensionsImage, "extensions-image", "", "RHCOS extensions image (the ConfigMap's baseOSExtensionsContainerImage)")
	f.StringVar(&o.release, "release", "", "OpenShift release payload whose rhel-coreos and rhel-coreos-extensions images are the base")
	f.StringVar(&o.osImageURL, "osimageurl", "", "the openshift-machine-config-operator/machine-config-osimageurl ConfigMap as YAML")
	addOpenShiftVersionFlag(cmd, &o.openshiftVersion, detectedVersionPurpose, detectedVersionDefault)
}

// localBase is the base image source when no network is used (render): the
// flags or the ConfigMap.
func (o *inputOptions) localBase(li *loadedInputs) *baseimage.Resolved {
	r := &baseimage.Resolved{BaseImage: li.Render.BaseImage, ExtensionsImage: li.Render.ExtensionsImage, Source: "--base-image"}
	if li.OSImages != nil {
		r.Source, r.ReleaseVersion, r.FromConfigMap = "ConfigMap "+o.osImageURL, li.OSImages.ReleaseVersion, true
	}
	return r
}

// baseOptions say where the base image comes from; the ConfigMap of
// --osimageurl was read once by load (li), perhaps from standard input.
func (o *inputOptions) baseOptions(li *loadedInputs) baseimage.Options {
	return baseimage.Options{BaseImage: o.baseImage, ExtensionsImage: o.extensionsImage, Release: o.release, OSImageURLFile: o.osImageURL, OSImageURL: li.OSImages}
}

// loadedInputs is what the input flags resolve to without the network.
type loadedInputs struct {
	// Render is complete except BaseImage/ExtensionsImage when they come
	// from --release (see baseFrom).
	Render mco.RenderOptions
	// MOSC is the MachineOSConfig given with --mosc (CRD defaults applied),
	// else nil.
	MOSC *mcfgv1.MachineOSConfig
	// MOSCFile names the --mosc input and MOSCDocs are its objects, read
	// and parsed once: lint checks them with the YAML's own lines.
	MOSCFile string
	MOSCDocs []*kubedoc.Document
	// OSImages is set from --osimageurl.
	OSImages *mco.OSImageURLConfig
	Warnings []string
}

// load reads every input file once, through the one reader (pkg/kubedoc);
// any one of them may be "-" for standard input. Its errors are input
// errors (exit 2).
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
	dashes := 0
	for _, s := range append([]string{o.containerfile, o.mosc, o.trustBundle, o.osImageURL}, o.machineConfigs...) {
		if s == "-" {
			dashes++
		}
	}
	if dashes > 1 {
		return nil, errors.New("standard input (-) can feed only one input flag")
	}

	in := &loadedInputs{}
	ro := &in.Render
	rd := &kubedoc.Reader{Stdin: stdin}
	var objs []*kubedoc.Document // MachineConfigs and pools, from every file

	if o.containerfile != "" {
		_, data, err := readNamedInput(stdin, o.containerfile)
		if err != nil {
			return nil, fmt.Errorf("--containerfile: %w", err)
		}
		ro.Containerfile = string(data)
		ro.PoolName = o.pool
		if ro.PoolName == "" {
			ro.PoolName = mco.DefaultPoolName
		}
	} else {
		given, err := o.readMOSC(stdin)
		if err != nil {
			return nil, err
		}
		name, docs := given.name, given.docs
		mosc, err := pickMOSC(name, given.moscs, o.pool)
		if err != nil {
			return nil, err
		}
		in.MOSC, in.MOSCFile, in.MOSCDocs = mosc, name, docs
		ro.MachineOSConfig = mosc
		ro.MOSCName = mosc.Name
		ro.PoolName = mosc.Spec.MachineConfigPool.Name
		if o.pool != "" && o.pool != ro.PoolName {
			return nil, fmt.Errorf("--pool %s, but MachineOSConfig %s in %s is for pool %q", o.pool, mosc.Name, name, ro.PoolName)
		}
		if ro.PoolName == "" {
			return nil, fmt.Errorf("%s: MachineOSConfig %s: spec.machineConfigPool.name is empty", name, mosc.Name)
		}
		// The CRD's default made every entry without containerfileArch
		// NoArch (manifests.Load), as the API server would.
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
		for _, d := range docs {
			if d.Kind != manifests.KindMachineOSConfig {
				objs = append(objs, d)
			}
		}
	}

	for _, p := range o.machineConfigs {
		docs, err := rd.Read(p)
		if err != nil {
			return nil, fmt.Errorf("--machineconfigs: %w", err)
		}
		objs = append(objs, docs...)
	}
	if len(objs) > 0 {
		m, err := mco.FromDocuments(objs)
		if err != nil {
			return nil, err
		}
		ro.MachineConfigs = m.MachineConfigs
		ro.MachineConfigPools = m.MachineConfigPools
	}

	if o.trustBundle != "" {
		b, err := readTrustBundle(stdin, o.trustBundle)
		if err != nil {
			return nil, err
		}
		ro.AdditionalTrustBundle = b
	}

	switch {
	case o.baseImage != "":
		ro.BaseImage, ro.ExtensionsImage = o.baseImage, o.extensionsImage
	case o.osImageURL != "":
		docs, err := rd.Read(o.osImageURL)
		if err != nil {
			return nil, fmt.Errorf("--osimageurl: %w", err)
		}
		c, err := mco.OSImageURLFromDocuments(docs)
		if err != nil {
			return nil, err
		}
		in.OSImages = &c
		ro.BaseImage, ro.ExtensionsImage = c.BaseOSContainerImage, c.BaseOSExtensionsContainerImage
		ro.OSImageURL, ro.ReleaseVersion = c.OSImageURL, c.ReleaseVersion
	}
	return in, nil
}

// readNamedInput reads a file, or standard input for "-", naming it as the
// findings and errors will.
func readNamedInput(stdin io.Reader, arg string) (string, []byte, error) {
	if arg == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, kubedoc.MaxFileBytes+1))
		if err == nil && len(data) > kubedoc.MaxFileBytes {
			err = fmt.Errorf("larger than %d bytes", kubedoc.MaxFileBytes)
		}
		return kubedoc.StdinName, data, err
	}
	data, err := os.ReadFile(arg)
	return arg, data, err
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

// readTrustBundle reads --additional-trust-bundle: a PEM file or the
// user-ca-bundle ConfigMap (pkg/cluster ParseTrustBundle).
func readTrustBundle(stdin io.Reader, path string) ([]byte, error) {
	name, data, err := readNamedInput(stdin, path)
	if err != nil {
		return nil, fmt.Errorf("--additional-trust-bundle: %w", err)
	}
	b, err := cluster.ParseTrustBundle(name, data)
	if err != nil {
		return nil, fmt.Errorf("--additional-trust-bundle %w", err)
	}
	return b, nil
}
