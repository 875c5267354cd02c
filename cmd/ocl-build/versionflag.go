package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// versionFlag is --openshift-version on the commands that check manifests
// (lint, validate): it picks the CRDs and rules of that version. Without
// it they check against the newest version ocl-build knows, silently: the
// embedded CRDs as openshift/api ships them.
type versionFlag struct{ value string }

func (v *versionFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&v.value, "openshift-version", "", fmt.Sprintf("OpenShift version X.Y whose CRDs and rules apply (known: %s; default the newest)", ocpversion.KnownString()))
}

// profile resolves the flag; its warnings (a version newer than known) go
// to stderr unless --quiet.
func (v *versionFlag) profile(cmd *cobra.Command, g *globalOptions) (ocpversion.Profile, error) {
	if v.value == "" {
		return ocpversion.MustLookup(ocpversion.Newest().String()), nil
	}
	d, err := ocpversion.Resolve(ocpversion.Candidate{Value: v.value, Source: ocpversion.SourceFlag})
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
