package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/cluster"
)

func init() { registerCommand("apply", newApplyCmd) }

func newApplyCmd(g *globalOptions) *cobra.Command {
	var cf clusterFlags
	var dryRun string
	var force bool
	cmd := &cobra.Command{
		Use:   "apply FILE|DIR...",
		Short: "Server-side apply what manifests or preflight wrote, showing the diff first",
		Long: `apply sends the Secrets, MachineConfigs, MachineConfigPool and MachineOSConfig
that manifests and preflight write (--manifests-dir) to the cluster with
server-side apply (field manager "ocl-build"), in that order, and prints for each
object a diff of the live object against the result (Secret values redacted) and
whether it was created, configured or unchanged.

--dry-run=server sends the same requests with dryRun: the API server validates and
defaults them (CRD schema, CEL rules, admission) and stores nothing: review that
diff, then apply. Objects carrying the operator's own annotations
(machineconfiguration.openshift.io/rebuild, current-machine-os-build) are
refused: only the operator sets them. A Secret without a namespace goes to
openshift-machine-config-operator.`,
		Example: `  ocl-build preflight ... --manifests-dir out/ --with-pool --with-secrets
  ocl-build apply --dry-run=server out/
  ocl-build apply out/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := cluster.ApplyOptions{Force: force}
			switch dryRun {
			case "", "none":
			case "server":
				opts.DryRun = true
			default:
				return inputError(fmt.Errorf("--dry-run %q: want server or none (a client-side dry run cannot check the CRDs: use ocl-build validate)", dryRun))
			}
			objs, err := cluster.ReadApplicable(args)
			if err != nil {
				return inputError(err)
			}
			if len(objs) == 0 {
				return inputError(fmt.Errorf("no objects in %v", args))
			}
			c, err := cf.connect(cmd.ErrOrStderr(), g.quiet)
			if err != nil {
				return inputError(err)
			}
			res, err := c.Apply(cmd.Context(), objs, opts)
			out := cmd.OutOrStdout()
			suffix := ""
			if opts.DryRun {
				suffix = " (server dry run)"
			}
			for _, r := range res {
				if !g.quiet && r.Diff != "" {
					fmt.Fprint(out, r.Diff)
				}
				name := r.Name
				if r.Namespace != "" {
					name = r.Namespace + "/" + r.Name
				}
				fmt.Fprintf(out, "%s %s %s%s\n", r.Kind, name, r.Action, suffix)
			}
			if err != nil {
				return inputError(err)
			}
			return nil
		},
	}
	cf.register(cmd, "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	cmd.Flags().StringVar(&dryRun, "dry-run", "none", "server: validate and show the diff on the API server, store nothing")
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "server"
	cmd.Flags().BoolVar(&force, "force-conflicts", false, "take over fields another field manager owns")
	return cmd
}
