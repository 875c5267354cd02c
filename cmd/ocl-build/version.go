package main

import (
	"fmt"
	"io"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/spf13/cobra"
)

// --openshift-version is one flag with one definition on every command that
// has it: the same name, value syntax (checked when the flag is parsed, so
// a bad value is a usage error before any work) and list of known
// versions. Its help says what the version decides on that command
// (purpose) and what an empty value means there (whenEmpty).
func addOpenShiftVersionFlag(cmd *cobra.Command, v *string, purpose, whenEmpty string) {
	cmd.Flags().Var(versionValue{v}, "openshift-version", purpose+" (default: "+whenEmpty+"; known: "+ocpversion.KnownString()+")")
}

// The help of the commands that detect the version (build, render,
// preflight), in the order versionCandidates and ocpversion.Resolve
// consult the sources.
const (
	detectedVersionPurpose = "OpenShift version X.Y whose Machine Config Operator to mirror"
	detectedVersionDefault = "the cluster's with --kubeconfig, else the ConfigMap's releaseVersion, else the release payload's version, else the newest known, with a warning"
)

// versionValue is --openshift-version's value: empty, or X.Y[.Z].
type versionValue struct{ s *string }

func (v versionValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v versionValue) Set(s string) error {
	if s != "" {
		if _, err := ocpversion.Parse(s); err != nil {
			return err
		}
	}
	*v.s = s
	return nil
}

func (versionValue) Type() string { return "X.Y" }

// flagProfile is the profile of the commands that check files against one
// version (lint, validate): the flag's, else the newest known, silently
// (the embedded CRDs as openshift/api ships them). Warnings about the
// flag's version (newer than known) go to stderr unless --quiet.
func flagProfile(cmd *cobra.Command, g *globalOptions, version string) (ocpversion.Profile, error) {
	if version == "" {
		return ocpversion.MustLookup(ocpversion.Newest().String()), nil
	}
	d, err := ocpversion.Resolve(ocpversion.Candidate{Value: version, Source: ocpversion.SourceFlag})
	if err != nil {
		return ocpversion.Profile{}, err
	}
	if !g.quiet {
		for _, w := range d.Warnings {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
		}
	}
	return d.Profile, nil
}

// versionCandidates are the sources before the base images are known, in
// the order ocpversion.Resolve consults them: the flag, then the cluster's
// ClusterVersion when the inputs were read with --kubeconfig.
func (in *inputOptions) versionCandidates() []ocpversion.Candidate {
	return []ocpversion.Candidate{
		{Value: in.openshiftVersion, Source: ocpversion.SourceFlag},
		{Value: in.clusterVersion, Source: ocpversion.SourceCluster},
	}
}

// applyVersion picks the OpenShift version from the candidates and the base
// image source, puts its profile and the pool's OS image stream images into
// the render options, and says on w (unless quiet) which version is used and
// why, with any warning.
func applyVersion(w io.Writer, quiet bool, cands []ocpversion.Candidate, base *baseimage.Resolved, ro *mco.RenderOptions) (ocpversion.Detected, error) {
	d, err := base.ApplyVersion(cands, ro)
	if err != nil {
		return d, err
	}
	if !quiet {
		fmt.Fprintf(w, "%s\n", d.Describe())
		for _, m := range d.Warnings {
			fmt.Fprintf(w, "warning: %s\n", m)
		}
	}
	return d, nil
}

// earlyProfile sets the render profile from the sources known without the
// network (the flag, the ConfigMap's releaseVersion), when one states a
// version; the pipeline resolves again once the base image is known.
func earlyProfile(in *inputOptions, li *loadedInputs) error {
	cands := append(in.versionCandidates(), in.localBase(li).VersionCandidates()...)
	for _, c := range cands {
		if c.Value != "" {
			d, err := ocpversion.Resolve(cands...)
			if err != nil {
				return err
			}
			li.Render.Profile = d.Profile
			return nil
		}
	}
	return nil
}
