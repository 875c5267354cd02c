package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func init() { registerCommand("validate", newValidateCmd) }

// embeddedLinter lints the Containerfiles embedded in MachineOSConfigs with
// the default options; lint.go sets it.
var embeddedLinter manifests.LintFunc

func newValidateCmd(g *globalOptions) *cobra.Command {
	var ff findingsFlags
	var baseImage string
	var minValidity time.Duration
	var noLint bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate MachineOSConfig, MachineConfigPool, MachineConfig and Secret manifests offline",
		Long: `validate checks every document of the given YAML/JSON files as the API server
would on create (oc apply --dry-run=server), offline: the OpenAPI schema and the
x-kubernetes-validations CEL rules of the CRDs shipped in github.com/openshift/api
(OCL301). Then the documents are checked together (OCL302-OCL307): a NoArch
containerFile entry, the push and base-image pull secrets cover their registries,
service-account tokens are not about to expire, no :latest push tag, the pool is
present and selects MachineConfigs of its own role. The Containerfiles embedded in
MachineOSConfigs are linted as by lint, with lines of the YAML file.

Output and exit status are those of lint: 0 clean (below --fail-level), 1 findings,
2 unreadable input (malformed YAML, an unknown kind, a Secret that is not a pull
secret).`,
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
			var docs []*manifests.Document
			for _, f := range files {
				d, err := manifests.ReadFile(f)
				if err != nil {
					return inputError(err)
				}
				debugf(g, cmd.ErrOrStderr(), "read %s: %d documents", f, len(d))
				docs = append(docs, d...)
			}
			opts := manifests.CheckOptions{BaseImage: baseImage, MinValidity: minValidity}
			if !noLint && embeddedLinter != nil {
				enabled := cfg.Enabled()
				opts.Lint = func(file, content string) ([]findings.Finding, error) {
					if len(enabled) == 0 {
						return embeddedLinter(file, content)
					}
					return containerfile.LintContent(file, content, containerfile.Options{Enable: enabled, Target: rules.OnCluster})
				}
			}
			fs, err := manifests.Check(docs, opts)
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
	f := cmd.Flags()
	f.StringVar(&baseImage, "base-image", manifests.DefaultBaseImage, "RHCOS base image the build pulls (its registry must be in baseImagePullSecret)")
	f.DurationVar(&minValidity, "min-validity", pullsecret.DefaultMinValidity, "warn when a service-account token expires sooner than this")
	f.BoolVar(&noLint, "no-lint", false, "do not lint the embedded Containerfiles")
	return cmd
}
