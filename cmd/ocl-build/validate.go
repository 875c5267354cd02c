package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func init() { registerCommand("validate", newValidateCmd) }

func newValidateCmd(g *globalOptions) *cobra.Command {
	var ff findingsFlags
	var baseImage string
	var minValidity time.Duration
	var noLint bool
	var vf versionFlag
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

Output and exit status are those of lint: 0 clean (below --fail-level), 1 findings,
2 unreadable input (malformed YAML, a duplicate key, a pull Secret that cannot be
read, nothing to validate).`,
		Example: `  # What manifests wrote, secrets included
  ocl-build validate layering.yaml

  # Hand-written objects, SARIF for code scanning, warnings fail the job
  ocl-build validate machineosconfig.yaml machineconfigpool.yaml secrets.yaml \
    -o sarif --fail-level warning > validate.sarif`,
		Args: cobra.MinimumNArgs(1),
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
			profile, err := vf.profile(cmd, g)
			if err != nil {
				return inputError(err)
			}
			// One reader for every file, directory and "-"; kinds validate
			// does not check are left out with an info line.
			all, err := kubedoc.ReadAll(cmd.InOrStdin(), files...)
			if err != nil {
				return inputError(err)
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
	vf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&baseImage, "base-image", manifests.DefaultBaseImage, "RHCOS base image the build pulls (its registry must be in baseImagePullSecret)")
	f.DurationVar(&minValidity, "min-validity", pullsecret.DefaultMinValidity, "warn when a service-account token expires sooner than this")
	f.BoolVar(&noLint, "no-lint", false, "do not lint the embedded Containerfiles")
	return cmd
}
