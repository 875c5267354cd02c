package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

func init() { registerCommand("render", newRenderCmd) }

func newRenderCmd(g *globalOptions) *cobra.Command {
	var in inputOptions
	var cf clusterFlags
	var contextDir, show string
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Print the Containerfile the cluster builds (and write its build context)",
		Long: `render shows exactly what the Machine Config Operator of the cluster's
OpenShift version (--openshift-version, else detected) hands to its builder:
the pool's MachineConfigs merged into the rendered MachineConfig, the on-cluster
Containerfile (extract and configs stages, extensions, tmpfiles, CA bundle, the
three LABELs, then the MachineOSConfig's NoArch content verbatim) and, with
--context, the build context directory (Containerfile,
machineconfig/machineconfig.json.gz, openshift-config-user-ca-bundle.crt).

MachineConfigs are picked with the pool's machineConfigSelector when its
MachineConfigPool is among the inputs; otherwise pool "master" takes role=master
and any other pool P takes role in (worker, P). With no MachineConfigs the
rendered config is empty (Ignition 3.5.0). The Containerfile goes to stdout,
notes and warnings to stderr.`,
		Example: `  # What the cluster builds for the seed article's pool
  ocl-build render --mosc mosc.yaml --machineconfigs ./machineconfigs \
    --osimageurl machine-config-osimageurl.yaml

  # A bare Containerfile for the worker pool, context written for a build
  ocl-build render --containerfile Containerfile --base-image quay.io/...@sha256:... \
    --context ./ctx

  # The rendered MachineConfig instead of the Containerfile
  ocl-build render --mosc mosc.yaml --machineconfigs mcs/ --base-image REF --show machineconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if show != "containerfile" && show != "machineconfig" {
				return inputError(fmt.Errorf("--show %q: want containerfile or machineconfig", show))
			}
			if _, cleanup, err := clusterInputs(cmd.Context(), cmd, g, &cf, &in, nil, nil); err != nil {
				return inputError(err)
			} else {
				defer cleanup()
			}
			li, err := in.load(cmd.InOrStdin())
			if err != nil {
				return inputError(err)
			}
			if in.release != "" {
				return inputError(errors.New("render does not pull the release payload; give --base-image (and --extensions-image) or --osimageurl, or let `ocl-build build --release` resolve it"))
			}
			if li.Render.BaseImage == "" {
				return inputError(errors.New("no base image: give --base-image REF or --osimageurl FILE (the machine-config-osimageurl ConfigMap)"))
			}
			stderr := cmd.ErrOrStderr()
			if _, err := applyVersion(stderr, g.quiet, in.versionCandidates(), in.localBase(li), &li.Render); err != nil {
				return inputError(err)
			}
			r, err := mco.Render(li.Render)
			if err != nil {
				return inputError(err)
			}
			if !g.quiet {
				for _, w := range append(li.Warnings, r.Warnings...) {
					fmt.Fprintf(stderr, "warning: %s\n", w)
				}
				src := "no MachineConfigs"
				if len(r.Sources) > 0 {
					src = fmt.Sprintf("%d MachineConfigs: %s", len(r.Sources), strings.Join(r.Sources, ", "))
				}
				fmt.Fprintf(stderr, "rendered %s from %s\n", r.MachineConfig.Name, src)
				if r.ImageTag != "" {
					fmt.Fprintf(stderr, "image tag on the cluster: %s (if the inputs equal the cluster's)\n", r.ImageTag)
				}
			}
			if contextDir != "" {
				if err := mco.WriteContext(contextDir, r); err != nil {
					return inputError(err)
				}
				if !g.quiet {
					fmt.Fprintf(stderr, "wrote build context to %s\n", contextDir)
				}
			}
			out := cmd.OutOrStdout()
			if show == "machineconfig" {
				mc := r.MachineConfig.DeepCopy()
				mc.APIVersion, mc.Kind = "machineconfiguration.openshift.io/v1", "MachineConfig"
				b, err := yaml.Marshal(mc)
				if err != nil {
					return err
				}
				_, err = out.Write(b)
				return err
			}
			_, err = fmt.Fprint(out, r.Containerfile)
			return err
		},
	}
	addInputFlags(cmd, &in)
	cf.registerInputs(cmd)
	cmd.Flags().StringVar(&contextDir, "context", "", "also write the build context to this directory (new or holding only a previous context)")
	cmd.Flags().StringVar(&show, "show", "containerfile", "what to print: containerfile or machineconfig")
	return cmd
}
