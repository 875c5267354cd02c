package main

import (
	"fmt"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/configdiff"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

func init() { registerCommand("diff-config", newDiffConfigCmd) }

func newDiffConfigCmd(g *globalOptions) *cobra.Command {
	var pool, version, format string
	var allVersions bool
	cmd := &cobra.Command{
		Use:   "diff-config OLD NEW",
		Short: "Predict whether a MachineConfig change rebuilds the layered image, applies live or reboots",
		Long: `diff-config renders a pool's MachineConfigs twice, from OLD and from NEW (each a
YAML file or a directory of them, as "oc get mc -o yaml" writes them), and says
what the cluster does with the change on a pool that runs an On-Cluster Layering
image, under the rules of the OpenShift version:

  4.19    every change of the rendered config rebuilds the image; the nodes
          reboot into it.
  4.20+   only osImageURL, kernelType, extensions and kernelArguments rebuild
          (RequiresRebuild); files, units and SSH keys are applied by the
          daemon: live where a default node disruption policy covers them
          (registries.conf, policy.json, the kubelet pull secret, SSH keys…),
          else with a reboot.

Changes the daemon cannot apply (FIPS, Ignition disks/filesystems/directories/
links, users other than core) are reported as refused. A cluster's own
MachineConfiguration spec.nodeDisruptionPolicy can turn more changes live.
Exit 0 whatever the outcome; 2 when an input cannot be read.`,
		Example: `  ocl-build diff-config ./mcs-now ./mcs-next --pool worker-automount --openshift-version 4.20
  ocl-build diff-config before.yaml after.yaml --all-versions
  ocl-build diff-config ./a ./b -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(format, structuredFormats, ""); err != nil {
				return inputError(err)
			}
			var profiles []ocpversion.Profile
			var notes []string
			if allVersions {
				for _, v := range ocpversion.Known() {
					profiles = append(profiles, ocpversion.MustLookup(v.String()))
				}
			} else {
				d, err := ocpversion.Resolve(ocpversion.Candidate{Value: version, Source: ocpversion.SourceFlag})
				if err != nil {
					return inputError(err)
				}
				profiles = append(profiles, d.Profile)
				notes = append(d.Warnings, d.Describe())
			}
			old, err := renderSet(args[0], pool)
			if err != nil {
				return inputError(err)
			}
			next, err := renderSet(args[1], pool)
			if err != nil {
				return inputError(err)
			}
			var preds []*configdiff.Prediction
			for _, p := range profiles {
				pr, err := configdiff.Predict(old, next, p)
				if err != nil {
					return inputError(err)
				}
				preds = append(preds, pr)
			}
			out := cmd.OutOrStdout()
			if format != "text" {
				return writeStructured(out, format, struct {
					Pool        string                   `json:"pool"`
					Predictions []*configdiff.Prediction `json:"predictions"`
				}{poolOrDefault(pool), preds})
			}
			if !g.quiet {
				for _, n := range notes {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s\n", n)
				}
			}
			for _, pr := range preds {
				if g.quiet {
					fmt.Fprintf(out, "%s: %s\n", pr.Version, pr.Summary())
					continue
				}
				fmt.Fprintf(out, "OpenShift %s (machine-config-operator %s), pool %s:\n", pr.Version, pr.MCOBranch, poolOrDefault(pool))
				for _, c := range pr.Changes {
					fmt.Fprintf(out, "  %s\n", c.Describe())
				}
				fmt.Fprintf(out, "  => %s\n", pr.Summary())
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&pool, "pool", mco.DefaultPoolName, "the MachineConfigPool whose configs are compared (its MachineConfigPool object, when in the inputs, gives the selector)")
	addOpenShiftVersionFlag(cmd, &version, "OpenShift version X.Y whose rules apply", "the newest known, with a warning")
	fl.BoolVar(&allVersions, "all-versions", false, "predict for every OpenShift version ocl-build knows")
	addOutputFlag(cmd, &format, "text", structuredFormats, "format")
	return cmd
}

func poolOrDefault(p string) string {
	if p == "" {
		return mco.DefaultPoolName
	}
	return p
}

// renderSet loads the MachineConfigs (and pools) at path and renders pool.
func renderSet(path, pool string) (*mcfgv1.MachineConfig, error) {
	m, err := mco.LoadManifests([]string{path})
	if err != nil {
		return nil, err
	}
	if len(m.MachineConfigs) == 0 {
		return nil, fmt.Errorf("%s: no MachineConfig found", path)
	}
	r, err := configdiff.RenderPool(pool, m.MachineConfigPools, m.MachineConfigs)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimSpace(err.Error()))
	}
	return r, nil
}
