package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/preflight"
	"github.com/ocl-build/ocl-build/pkg/push"
)

func init() { registerCommand("preflight", newPreflightCmd) }

// preflightFlags are preflight's own flags beyond build's.
type preflightFlags struct {
	push, pushSpec                  string
	pushSecret, basePullSecret      string
	manifestsDir, report, format    string
	withPool, withSecrets, fallback bool
	force                           bool
	config                          string
	previous                        []string
	// pushReg is --push-authfile, --push-creds, --push-cert-dir, …: the
	// push registry's group, falling back to the pull group's values.
	pushReg registryFlags
}

func newPreflightCmd(g *globalOptions) *cobra.Command {
	var in inputOptions
	var bf buildFlags
	var pf preflightFlags
	var cf clusterFlags
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Lint, build, diff, check, push and write the manifests: the whole flow in one command",
		Long: `preflight does what the cluster would do with a MachineOSConfig, on this machine,
and stops at the first thing that would go wrong there:

  lint the Containerfile → render the on-cluster Containerfile → build it (as build)
  → rpm diff against the base image → image checks (OCL401–OCL404, e.g. the
  OCPBUGS-56648 guard) → push (--push) → manifests (--manifests-dir)

Into --manifests-dir it writes machineosconfig.yaml (validated against the CRD),
with --with-pool machineconfigpool.yaml, with --with-secrets secrets.yaml (mode
0600), and with --fallback the out-of-cluster layering MachineConfig
99-POOL-osimageurl.yaml whose spec.osImageURL is the pushed image by digest. Each
file is written atomically and only once every step it depends on succeeded and
no error was found (--force writes anyway); a failure leaves earlier files as they
were. Lint errors stop before the build unless --force.

The summary goes to stdout (-o text, json, yaml, or markdown for a pull-request
comment); --report FILE also writes the JSON report (docs/preflight-report.md).
Exit status: 0 fine, 1 error findings or a failing build step, 2 input,
credential or registry problems. With --quiet and nothing wrong, only the pushed
pullspec (or the image ID) is printed.`,
		Example: `  # The README's first command, against the fixture world (make demo)
  ocl-build preflight --containerfile Containerfile.example --pool worker-automount \
    --release "$OCL_FIXTURE_RELEASE_IMAGE" --authfile "$OCL_FIXTURE_MERGED_SECRET" \
    --cert-dir "$OCL_FIXTURE_CERT_DIR" --yum-repos-dir "$OCL_FIXTURE_YUM_REPOS_DIR" \
    --push "$OCL_FIXTURE_PUSH_IMAGE" --manifests-dir out/

  # In CI: separate pull and push credentials, a JSON report, a markdown comment
  ocl-build preflight --mosc mosc.yaml --machineconfigs ./machineconfigs \
    --osimageurl machine-config-osimageurl.yaml --authfile pull-secret.json \
    --push registry.example.com/ocl/worker:pr-42 --push-authfile push-secret.json \
    --manifests-dir manifests/ --with-pool --fallback --report preflight.json -o markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, cleanup, err := clusterInputs(cmd.Context(), cmd, g, &cf, &in, &bf, &pf)
			if err != nil {
				return inputError(err)
			}
			defer cleanup()
			return runPreflight(cmd, g, &in, &bf, &pf)
		},
	}
	addInputFlags(cmd, &in)
	bf.register(cmd, "pull or push")
	cf.registerInputs(cmd)
	fl := cmd.Flags()
	fl.StringVar(&pf.push, "push", "", "push the built image to this registry reference (host[:port]/repo:tag)")
	pf.pushReg.fallback = &bf.reg
	pf.pushReg.register(fl, "push-", registryFlagsHelp{
		authFile: "push credentials (the builder's push secret; default: --authfile)",
		target:   "the push registry", policy: true,
	})
	fl.StringVar(&pf.pushSpec, "push-spec", "", "renderedImagePushSpec of the written MachineOSConfig (default: --push)")
	fl.StringVar(&pf.pushSecret, "push-secret", preflight.DefaultPushSecretName, "renderedImagePushSecret name in the written MachineOSConfig")
	fl.StringVar(&pf.basePullSecret, "base-pull-secret", "", "baseImagePullSecret name in the written MachineOSConfig (default none: the global pull secret)")
	fl.StringVar(&pf.manifestsDir, "manifests-dir", "", "write the MachineOSConfig (and --with-pool/--with-secrets/--fallback files) here")
	fl.BoolVar(&pf.withPool, "with-pool", false, "also write the MachineConfigPool (paused, as the seed article's)")
	fl.BoolVar(&pf.withSecrets, "with-secrets", false, "also write the push (and base pull) Secrets from the credential files, mode 0600")
	fl.BoolVar(&pf.fallback, "fallback", false, "also write the out-of-cluster layering MachineConfig (spec.osImageURL = the pushed digest)")
	fl.StringVar(&pf.report, "report", "", "write the JSON report to this file (atomic)")
	addOutputFlag(cmd, &pf.format, "text", preflightFormats, "format")
	fl.BoolVar(&pf.force, "force", false, "build despite lint errors, write manifests despite error findings")
	fl.StringSliceVar(&pf.previous, "previous-machineconfigs", nil, "the pool's MachineConfigs on the cluster now (files or directories): the report says whether the change rebuilds the image, applies live or reboots (see diff-config)")
	fl.StringVar(&pf.config, "config", "", "lint config (ignored rules, severity overrides, failure-threshold; default ./"+findings.ConfigFileName+" when present)")
	return cmd
}

// preflightFormats are preflight's -o values (--report always writes JSON).
var preflightFormats = []string{"text", "json", "yaml", "markdown"}

func runPreflight(cmd *cobra.Command, g *globalOptions, in *inputOptions, bf *buildFlags, pf *preflightFlags) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := setLibraryLogging(g.logLevel, stderr); err != nil {
		return inputError(err)
	}
	if err := bf.check(); err != nil {
		return inputError(err)
	}
	if pf.format == "md" {
		pf.format = "markdown"
	}
	if err := checkOutput(pf.format, preflightFormats, "--report"); err != nil {
		return inputError(err)
	}
	li, err := in.load(cmd.InOrStdin())
	if err != nil {
		return inputError(err)
	}
	// Every temporary file of the run, buildah's included, in one owned
	// directory that a later run or prune reclaims if this one is killed.
	restoreTmp, err := ownedtemp.PrivateTMPDIR()
	if err != nil {
		return inputError(fmt.Errorf("temporary directory: %w", err))
	}
	defer restoreTmp()
	cfg, err := loadLintConfig(pf.config)
	if err != nil {
		return inputError(err)
	}
	// --mosc was read and parsed once (in.load); lint checks those
	// documents so findings carry the YAML's own lines.
	cfName := in.containerfile
	if cfName == "" || cfName == "-" {
		cfName = "Containerfile"
		if li.MOSCFile != "" {
			cfName = li.MOSCFile
		}
	}
	notes := stderr
	if g.quiet {
		notes = io.Discard
	}
	cleanRegistries, err := bf.useClusterRegistries(li.Render, notes)
	if err != nil {
		return inputError(err)
	}
	defer cleanRegistries()
	if err := pf.pushReg.check(); err != nil {
		return inputError(err)
	}
	// Lint runs before the base image is resolved: give it the version the
	// flag or the ConfigMap states (the payload's is known only later).
	if err := earlyProfile(in, li); err != nil {
		return inputError(err)
	}
	pushReg := pf.pushReg.options(stderr)
	bf.retry.apply(&pushReg)
	o := preflight.Options{
		Render:            li.Render,
		Base:              in.baseOptions(li),
		OpenShiftVersion:  in.versionCandidates(),
		ContainerfileFile: cfName,
		LintDocs:          li.MOSCDocs,
		Config:            cfg,
		MOSC:              li.MOSC,
		Build:             bf.options(bf.keepContext, bf.tag, stderr),
		Push:              push.Options{Dest: pf.push, Registry: pushReg},
		ManifestsDir:      pf.manifestsDir, PushSpec: pf.pushSpec, PushSecretName: pf.pushSecret, BasePullSecretName: pf.basePullSecret,
		WithPool: pf.withPool, WithSecrets: pf.withSecrets, Fallback: pf.fallback, Force: pf.force,
	}
	if len(pf.previous) > 0 {
		m, err := mco.LoadManifests(pf.previous)
		if err != nil {
			return inputError(fmt.Errorf("--previous-machineconfigs: %w", err))
		}
		if len(m.MachineConfigs) == 0 {
			return inputError(fmt.Errorf("--previous-machineconfigs: no MachineConfig in %s", strings.Join(pf.previous, ", ")))
		}
		o.PreviousMachineConfigs = m.MachineConfigs
	}
	if err := o.Validate(); err != nil {
		return inputError(err)
	}
	if !g.quiet {
		o.Progress = stderr
		o.Build.Out, o.Build.Progress = stderr, progressWriter(stderr)
		o.Push.Progress = progressWriter(stderr)
		o.Build.Registry.Notice = func(msg string) { fmt.Fprintln(stderr, msg) }
		for _, w := range li.Warnings {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
	}

	ctx, stop := signalContext(cmd)
	defer stop()

	rep, runErr := preflight.Run(ctx, o)
	if pf.report != "" && rep != nil {
		var b bytes.Buffer
		if err := rep.Write(&b, "json"); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(pf.report, b.Bytes(), 0o644); err != nil {
			return inputError(fmt.Errorf("--report: %w", err))
		}
	}
	switch {
	case rep == nil:
	case g.quiet && pf.format == "text" && runErr == nil && rep.Status == preflight.StatusOK:
		// --quiet and all well: only what a script wants next.
		switch {
		case rep.Push != nil:
			fmt.Fprintln(stdout, rep.Push.PullSpec)
		case rep.Build != nil:
			fmt.Fprintln(stdout, rep.Build.ImageID)
		}
	case pf.format == "yaml":
		if err := jsonToYAML(stdout, func(w io.Writer) error { return rep.Write(w, "json") }); err != nil {
			return err
		}
	default:
		if err := rep.Write(stdout, pf.format); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	if rep.Status == preflight.StatusFindings {
		return findingsExit()
	}
	return nil
}
