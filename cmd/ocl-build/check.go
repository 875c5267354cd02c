package main

import (
	"errors"
	"fmt"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/configdiff"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/imagecheck"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

func init() { registerCommand("check", newCheckCmd) }

func newCheckCmd(g *globalOptions) *cobra.Command {
	var (
		imgFlags rpmdiffImageFlags
		ff       findingsFlags
		base     string
		mcPaths  []string
		pool     string
		version  string
		cf       clusterFlags
	)
	cmd := &cobra.Command{
		Use:   "check IMAGE",
		Short: "Check a built OS image: bootc container lint's checks and the cluster's own",
		Long: `check reads an image on any transport (docker://, containers-storage:, oci:,
oci-archive:, docker-archive:, or a root filesystem directory) without running
it and reports what would break or misbehave on a node:

  OCL405-OCL418  every lint of "bootc container lint" (var-run, etc-usretc,
                 bootc-kargs, kernel, utf8, api-base-directories, baseimage-root,
                 baseimage-composefs, buildah-injected, var-log, var-tmpfiles,
                 sysusers, nonempty-boot, nonempty-run-tmp)
  OCL419         a kernel without an initramfs, or one not regenerated after a swap
  OCL420         content under /opt or /usr/local (symlinks into /var on a node)
  OCL421         a layer count near the ceiling of 128
  OCL422         packages that conflict with the pool's kernelType or extensions
  OCL423         a kernelType this OpenShift version does not apply to a layered pool
  OCL401/OCL402  units the MachineConfigs enable that the base or built image lacks
                 (with --base and --machineconfigs)

With --base, what the base image shows too is not reported: only this build's
doing. --machineconfigs (files or directories) and --pool give the pool's rendered
MachineConfig; --openshift-version chooses the rules (OCL401 is an error only on
4.19). Exit 1 on a finding at or above --fail-level, 2 when the image cannot be read.

With --kubeconfig (or --kube-context), what is not given as a flag is read from
the cluster as render, build and preflight read it: the pool (--pool) and the
MachineConfigs it selects, ClusterVersion's version, the base-image pull secret
(--authfile), the mirror sets (--registries-conf) and image.config's registry
CAs (--cert-dir).`,
		Example: `  ocl-build check containers-storage:localhost/ocl-build/worker-automount:latest
  ocl-build check docker://registry.example.com/mco/os-image@sha256:… --authfile pull.json \
    --base docker://quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:… \
    --machineconfigs ./mcs --pool worker-automount --openshift-version 4.20 -o sarif
  ocl-build check containers-storage:localhost/ocl-build/worker-automount:latest \
    --kubeconfig ~/.kube/config --pool worker-automount`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := findingsWriter(ff.format)
			if err != nil {
				return inputError(err)
			}
			cfg, threshold, err := ff.policy(cmd)
			if err != nil {
				return err
			}
			clusterVersion := ""
			if cf.wanted() {
				t := cluster.Target{Pool: pool, Skip: onlyItems(cluster.ItemMachineConfigs, cluster.ItemClusterVersion,
					cluster.ItemPullSecret, cluster.ItemMirrors, cluster.ItemRegistryCAs)}
				skipGiven(cmd, &t)
				s, l, cleanup, err := readCluster(cmd.Context(), cmd, g, &cf, t)
				if err != nil {
					return inputError(err)
				}
				defer cleanup()
				if len(mcPaths) == 0 && l.MachineConfigs != "" {
					mcPaths = []string{l.MachineConfigs}
				}
				for _, v := range []struct {
					dst *string
					val string
				}{
					{&imgFlags.reg.authFile, l.AuthFile}, {&imgFlags.reg.registriesConf, l.RegistriesConf}, {&imgFlags.reg.certDir, l.CertDir},
				} {
					if *v.dst == "" {
						*v.dst = v.val
					}
				}
				clusterVersion = s.Version
			}
			d, err := ocpversion.Resolve(ocpversion.Candidate{Value: version, Source: ocpversion.SourceFlag},
				ocpversion.Candidate{Value: clusterVersion, Source: ocpversion.SourceCluster})
			if err != nil {
				return inputError(err)
			}
			if !g.quiet && (version != "" || clusterVersion != "") {
				fmt.Fprintln(cmd.ErrOrStderr(), d.Describe())
			}
			opts, err := imgFlags.setup(cmd, g)
			if err != nil {
				return inputError(err)
			}
			ctx := cmd.Context()
			var mc *mcfgv1.MachineConfig
			if len(mcPaths) > 0 {
				m, err := mco.LoadManifests(mcPaths)
				if err != nil {
					return inputError(err)
				}
				if mc, err = configdiff.RenderPool(pool, m.MachineConfigPools, m.MachineConfigs); err != nil {
					return inputError(err)
				}
				mc.Name = "rendered-" + poolOrDefault(pool)
			}
			built, err := image.Open(ctx, args[0], opts)
			if err != nil {
				return inputError(err)
			}
			defer built.Close()
			in := imagecheck.Input{Built: built, Options: opts, Profile: &d.Profile, Lint: true, MachineConfig: mc, ImageFile: args[0]}
			if base != "" {
				if in.Base, err = image.Open(ctx, base, opts); err != nil {
					return inputError(err)
				}
				defer in.Base.Close()
			}
			if built.Kind == image.KindContainer || built.Kind == image.KindRootfs {
				db, err := rpmdiff.ReadPackages(ctx, args[0], opts)
				switch {
				case err == nil:
					in.Packages = db.Packages
				case errors.Is(err, rpmdiff.ErrNoRPMDB):
					// no rpm database: the package checks are skipped
				default:
					return inputError(err)
				}
			}
			fs, err := imagecheck.Run(ctx, in)
			if err != nil {
				return inputError(err)
			}
			fs = cfg.Apply(fs)
			out := fs
			if g.quiet {
				out = atOrAbove(fs, threshold)
			}
			if err := write(cmd.OutOrStdout(), out, cfg.ApplyRules(ruleCatalogue())...); err != nil {
				return err
			}
			if findings.AtOrAbove(fs, threshold) {
				return findingsExit()
			}
			return nil
		},
	}
	imgFlags.register(cmd)
	ff.register(cmd, "rule policy: ignored rules, severity overrides, failure-threshold")
	fl := cmd.Flags()
	fl.StringVar(&base, "base", "", "the base image (any transport): findings the base shows too are left out, and OCL401 compares against it")
	fl.StringSliceVar(&mcPaths, "machineconfigs", nil, "MachineConfig files or directories (and the MachineConfigPool): the pool's rendered config for OCL401/402, OCL422, OCL423")
	fl.StringVar(&pool, "pool", mco.DefaultPoolName, "the pool whose MachineConfigs apply")
	addOpenShiftVersionFlag(cmd, &version, "OpenShift version X.Y whose rules apply", "the cluster's with --kubeconfig, else the newest known")
	cf.registerInputs(cmd)
	return cmd
}
