package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/cluster"
)

func init() { registerCommand("snapshot", newSnapshotCmd) }

func newSnapshotCmd(g *globalOptions) *cobra.Command {
	var cf clusterFlags
	var pool, mosc, out string
	cmd := &cobra.Command{
		Use:   "snapshot --pool P --dir DIR",
		Short: "Write what the cluster builds a pool from as files, for offline and CI runs",
		Long: `snapshot reads from the cluster everything the Machine Config Operator reads to
build the pool's image, and writes it to DIR as files that render, build,
preflight and validate take as they are, so CI can run preflight from a GitOps
repository with no cluster access:

  machineosconfig.yaml            the pool's MachineOSConfig         --mosc
  machineconfigs/                 the pool and its MachineConfigs    --machineconfigs
  machine-config-osimageurl.yaml  the base and extensions images     --osimageurl
  user-ca-bundle.crt              openshift-config/user-ca-bundle    --additional-trust-bundle
  pull-secret.json, push-secret.json (0600)                          --authfile, --push-authfile
  yum.repos.d/, rpm-gpg/, entitlement/ (the mounted ConfigMap and Secrets)
  registries.conf                 from ImageDigest/TagMirrorSets     --registries-conf
  cert-dir/                       image.config additionalTrustedCA   --cert-dir
  proxy.env, clusterversion.yaml, rendered-machineconfig.yaml, secrets.yaml
  README                          what came from where and when, and the preflight command line

Only reads are made. Credential files are mode 0600 and never printed. DIR must
be new, empty, or an earlier snapshot (replaced as a whole). A missing
permission is an error naming the verb and resource; an unreachable API server
is retried 3 times, then exit 2.`,
		Example: `  # Snapshot the seed article's pool, then preflight offline from it
  ocl-build snapshot --kubeconfig ~/.kube/config --pool worker-automount --dir snap/
  cd snap && ocl-build preflight --mosc machineosconfig.yaml --machineconfigs machineconfigs \
    --osimageurl machine-config-osimageurl.yaml --authfile pull-secret.json --yum-repos-dir yum.repos.d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return inputError(fmt.Errorf("give the output directory with --dir DIR"))
			}
			if pool == "" && mosc == "" {
				return inputError(fmt.Errorf("give the pool with --pool NAME (or the MachineOSConfig with --mosc NAME)"))
			}
			stderr := cmd.ErrOrStderr()
			c, err := cf.connect(stderr, g.quiet)
			if err != nil {
				return inputError(err)
			}
			s, err := c.Read(cmd.Context(), cluster.Target{Pool: pool, MOSC: mosc})
			if err != nil {
				return inputError(err)
			}
			l, err := s.Write(out)
			if err != nil {
				return inputError(err)
			}
			if !g.quiet {
				for _, n := range s.Notes {
					fmt.Fprintf(stderr, "note: %s\n", n)
				}
				for _, src := range s.Sources {
					debugf(g, stderr, "%s from %s", src.Item, src.From)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote snapshot of pool %s from %s to %s (%d inputs; see %s/README)\n", s.PoolName, c.Server, l.Dir, len(s.Sources), l.Dir)
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), l.Dir)
			return nil
		},
	}
	cf.register(cmd, "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f := cmd.Flags()
	f.StringVar(&pool, "pool", "", "MachineConfigPool to snapshot")
	f.StringVar(&mosc, "mosc", "", "MachineOSConfig name on the cluster (its pool is snapshot)")
	f.StringVarP(&out, "dir", "d", "", "directory to write (new, empty, or an earlier snapshot)")
	return cmd
}
