package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func init() { registerCommand("validate", newValidateCmd) }

func newValidateCmd(g *globalOptions) *cobra.Command {
	var ff findingsFlags
	var baseImage string
	var minValidity time.Duration
	var noLint bool
	var version string
	var cf clusterFlags
	var pool string
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR|-...",
		Short: "Validate MachineOSConfig, MachineConfigPool, MachineConfig and Secret manifests offline",
		Long: `validate checks every document of the given YAML/JSON files as the API server
would on create (oc apply --dry-run=server), offline: the OpenAPI schema and the
x-kubernetes-validations CEL rules of the CRDs shipped in github.com/openshift/api
(OCL301). Then the documents are checked together (OCL302-OCL307): a NoArch
containerFile entry, the push and base-image pull secrets cover their registries,
service-account tokens are not about to expire, no :latest push tag, the pool is
present and selects MachineConfigs of its own role. The Containerfiles embedded in
MachineOSConfigs are linted as by lint, with lines of the YAML file.

FILE may be a directory (every *.yaml, *.yml, *.json under it) or - for standard
input; Lists and ` + "`oc get -o yaml`" + ` dumps are read item by item, and kinds
validate does not check (a ConfigMap, an Opaque Secret) are skipped with an info
line on stderr. --openshift-version picks the CRDs of that version (4.19 and 4.20
have no name == pool rule).

With --kubeconfig (or --kube-context) and --pool P, the objects are validated
together with what the cluster holds for that pool, read as render, build and
preflight read it: its MachineOSConfig, the pool and the MachineConfigs it
selects, the base-image pull Secret and the push Secret, the osimageurl
ConfigMap's base image (for --base-image) and ClusterVersion's version (for
--openshift-version). FILE arguments are then optional; an object given as a
file replaces the cluster's object of the same kind and name, and a
MachineOSConfig among the files names the pool and the Secrets read (a Secret
among the files is not read from the cluster). Findings in the cluster's
objects name them as cluster:FILE, the file ocl-build snapshot writes.

Output and exit status are those of lint: 0 clean (below --fail-level), 1 findings,
2 unreadable input (malformed YAML, a duplicate key, a pull Secret that cannot be
read, nothing to validate).`,
		Example: `  # What manifests wrote, secrets included
  ocl-build validate layering.yaml

  # Hand-written objects, SARIF for code scanning, warnings fail the job
  ocl-build validate machineosconfig.yaml machineconfigpool.yaml secrets.yaml \
    -o sarif --fail-level warning > validate.sarif

  # A new MachineOSConfig against the cluster's pool, MachineConfigs and secrets
  ocl-build validate --kubeconfig ~/.kube/config machineosconfig.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cf.wanted() {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, files []string) error {
			// The lint policy (.ocl-build.yaml) applies here too: ignored
			// rules, severity overrides, failure-threshold.
			cfg, threshold, err := ff.policy(cmd)
			if err != nil {
				return err
			}
			write, err := findingsWriter(ff.format)
			if err != nil {
				return inputError(err)
			}
			profile, err := flagProfile(cmd, g, version)
			if err != nil {
				return inputError(err)
			}
			// One reader for every file, directory and "-"; kinds validate
			// does not check are left out with an info line.
			all, err := kubedoc.ReadAll(cmd.InOrStdin(), files...)
			if err != nil {
				return inputError(err)
			}
			if cf.wanted() {
				c, cleanup, err := validateFromCluster(cmd, g, &cf, pool, all)
				if err != nil {
					return inputError(err)
				}
				defer cleanup()
				all = append(all, c.docs...)
				files = append(files, "the cluster")
				if !cmd.Flags().Changed("base-image") && c.baseImage != "" {
					baseImage = c.baseImage
				}
				if version == "" && c.version != "" {
					d, err := ocpversion.Resolve(ocpversion.Candidate{Value: c.version, Source: ocpversion.SourceCluster})
					if err != nil {
						return inputError(err)
					}
					if !g.quiet {
						fmt.Fprintln(cmd.ErrOrStderr(), d.Describe())
						for _, w := range d.Warnings {
							fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
						}
					}
					profile = d.Profile
				}
			}
			docs, skipped := manifests.Select(all)
			debugf(g, cmd.ErrOrStderr(), "read %d objects from %d inputs, %d skipped", len(all), len(files), len(skipped))
			if !g.quiet {
				for _, s := range skipped {
					fmt.Fprintf(cmd.ErrOrStderr(), "info: %s\n", s)
				}
			}
			if len(docs) == 0 {
				return inputError(fmt.Errorf("%s: no MachineOSConfig, MachineConfigPool, MachineConfig or pull Secret to validate", strings.Join(files, ", ")))
			}
			opts := manifests.CheckOptions{Profile: &profile, BaseImage: baseImage, MinValidity: minValidity}
			if !noLint {
				// As lint lints the content of a MachineOSConfig: on-cluster,
				// the same version, the same opt-in rules.
				lo := containerfile.Options{Enable: cfg.Enabled(), Target: rules.OnCluster, Profile: &profile}
				opts.Lint = func(file, content string, lineOf func(int) int) ([]findings.Finding, error) {
					o := lo
					o.LineOf = lineOf
					return containerfile.LintContent(file, content, o)
				}
			}
			fs, err := manifests.Check(all, opts) // all: a skipped Secret a MachineOSConfig names is a finding
			if err != nil {
				return inputError(err)
			}
			fs = cfg.Apply(fs)
			if g.quiet {
				fs = atOrAbove(fs, threshold)
			}
			if err := write(cmd.OutOrStdout(), fs, cfg.ApplyRules(ruleCatalogue())...); err != nil {
				return err
			}
			if findings.AtOrAbove(fs, threshold) {
				return findingsExit()
			}
			return nil
		},
	}
	ff.register(cmd, "lint policy file")
	addOpenShiftVersionFlag(cmd, &version, "OpenShift version X.Y whose CRDs and rules apply", "the cluster's with --kubeconfig, else the newest known")
	f := cmd.Flags()
	f.StringVar(&baseImage, "base-image", manifests.DefaultBaseImage, "RHCOS base image the build pulls (its registry must be in baseImagePullSecret)")
	f.DurationVar(&minValidity, "min-validity", pullsecret.DefaultMinValidity, "warn when a service-account token expires sooner than this")
	f.BoolVar(&noLint, "no-lint", false, "do not lint the embedded Containerfiles")
	f.StringVar(&pool, "pool", "", "with --kubeconfig: the pool whose objects the cluster adds (default: the pool of a MachineOSConfig among the files)")
	cf.registerInputs(cmd)
	return cmd
}

// clusterDocs are the cluster's objects validate adds to the files.
type clusterDocs struct {
	docs      []*kubedoc.Document
	baseImage string
	version   string
}

// validateFromCluster reads, with the shared cluster reader, the objects
// validate checks for the pool (the MachineOSConfig, the pool and its
// MachineConfigs, the pull and push Secrets) and the base image and
// version; objects the files already hold (same kind, namespace and name)
// are left out. cleanup removes the temp snapshot.
func validateFromCluster(cmd *cobra.Command, g *globalOptions, cf *clusterFlags, pool string, files []*kubedoc.Document) (*clusterDocs, func(), error) {
	t := cluster.Target{Pool: pool, Skip: onlyItems(cluster.ItemMachineOSConfig, cluster.ItemMachineConfigs, cluster.ItemOSImageURL,
		cluster.ItemClusterVersion, cluster.ItemPullSecret, cluster.ItemPushSecret)}
	have := map[string]bool{}
	id := func(d *kubedoc.Document) string { return d.Kind + "/" + d.Namespace + "/" + d.Name }
	for _, d := range files {
		have[id(d)] = true
		if d.Kind == manifests.KindMachineOSConfig {
			// The file's MachineOSConfig is the one validated; the
			// cluster gives the rest for its pool.
			// Its secrets are the ones read.
			var m mcfgv1.MachineOSConfig
			if err := json.Unmarshal(d.JSON, &m); err == nil && (t.Given == nil || m.Spec.MachineConfigPool.Name == pool) {
				t.Skip[cluster.ItemMachineOSConfig] = true
				t.Given = &m
				if pool == "" {
					t.Pool = m.Spec.MachineConfigPool.Name
				}
			}
		}
	}
	// A Secret among the files is the one validated: the cluster's of the
	// same name is not read (nor needs the right to read it).
	push, pullNS, pull := "", cluster.ConfigNamespace, cluster.GlobalPullSecret
	if m := t.Given; m != nil {
		push = m.Spec.RenderedImagePushSecret.Name
		if m.Spec.BaseImagePullSecret != nil && m.Spec.BaseImagePullSecret.Name != "" {
			pullNS, pull = cluster.MCONamespace, m.Spec.BaseImagePullSecret.Name
		}
	}
	for _, d := range files {
		if d.Kind != "Secret" {
			continue
		}
		if d.Name == push && (d.Namespace == "" || d.Namespace == cluster.MCONamespace) {
			t.Skip[cluster.ItemPushSecret] = true
		}
		if d.Name == pull && (d.Namespace == "" || d.Namespace == pullNS) {
			t.Skip[cluster.ItemPullSecret] = true
		}
	}
	skipGiven(cmd, &t)
	s, l, cleanup, err := readCluster(cmd.Context(), cmd, g, cf, t)
	var perm *cluster.PermissionError
	if errors.As(err, &perm) && perm.Resource == "secrets" {
		// validate has no --authfile: the object itself replaces it.
		perm.Without = "give the Secret as a FILE argument (oc get secret -o yaml)"
	}
	if err != nil {
		return nil, nil, err
	}
	out := &clusterDocs{version: s.Version}
	if s.OSImageURL != nil {
		out.baseImage = s.OSImageURL.Data["baseOSContainerImage"]
	}
	var paths []string
	for _, p := range []string{l.MOSC, l.MachineConfigs, l.Secrets} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	docs, err := kubedoc.ReadAll(nil, paths...)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	for _, d := range docs {
		if have[id(d)] {
			debugf(g, cmd.ErrOrStderr(), "cluster: %s from the files, not the cluster's", d.Describe())
			continue
		}
		// The cluster's objects are checked as a create of them would be:
		// their status is the operator's, not theirs to give.
		if _, ok := d.Object["status"]; ok {
			delete(d.Object, "status")
			if d.JSON, err = json.Marshal(d.Object); err != nil {
				cleanup()
				return nil, nil, err
			}
		}
		// Named as the snapshot names them: the temp copy is gone when
		// the findings are read.
		if rel, err := filepath.Rel(l.Dir, d.File); err == nil {
			d.File = "cluster:" + rel
		}
		out.docs = append(out.docs, d)
	}
	return out, cleanup, nil
}
