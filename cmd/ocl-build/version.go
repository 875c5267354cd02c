package main

import (
	"fmt"
	"io"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/spf13/cobra"
)

const openshiftVersionHelp = "OpenShift version (X.Y) whose Machine Config Operator to mirror; default: the ConfigMap's releaseVersion, else the release payload's version, else the newest known (with a warning)"

func addOpenShiftVersionFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "openshift-version", "", openshiftVersionHelp+" (known: "+ocpversion.KnownString()+")")
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
