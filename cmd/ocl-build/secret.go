package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

func init() { registerCommand("secret", newSecretCmd) }

func newSecretCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Merge and check registry pull secrets for the MachineOSConfig",
		Long: `secret works on the registry credentials a MachineOSConfig names: the
baseImagePullSecret (used INSTEAD of the global pull secret, not merged with it)
and the renderedImagePushSecret. Inputs may be a .dockerconfigjson, a legacy
.dockercfg, or a Kubernetes Secret (YAML or JSON, e.g. from oc get secret -o yaml).
Credential values are never printed.`,
	}
	cmd.AddCommand(newSecretMergeCmd(g), newSecretCheckCmd(g))
	return cmd
}

func debugf(g *globalOptions, w io.Writer, format string, args ...any) {
	if g.logLevel == "debug" && !g.quiet {
		fmt.Fprintf(w, "debug: "+format+"\n", args...)
	}
}

func newSecretMergeCmd(g *globalOptions) *cobra.Command {
	var out, outFile, name, namespace string
	cmd := &cobra.Command{
		Use:   "merge FILE... --output-file OUT",
		Short: "Merge pull secrets exactly as jq -s '.[0] * .[1]' does",
		Long: `merge combines credential files left to right with the semantics of
jq -s '.[0] * .[1] * ...' on their {"auths": ...} form: a later file wins per
registry (and per field inside one registry's entry), every other key is kept.
OUT is written atomically with mode 0600, never to stdout. With --secret NAME
it is a kubernetes.io/dockerconfigjson Secret manifest instead of the bare
JSON (-o yaml, the default for a manifest, or -o json).`,
		Example: `  # The seed article's pull-and-push secret, without jq
  oc extract secret/pull-secret -n openshift-config --to=- > pull-secret.json
  ocl-build secret merge pull-secret.json push-secret.yaml --output-file pull-and-push-secret.json

  # Straight to a Secret manifest for oc apply
  ocl-build secret merge pull-secret.json push-secret.json \
    --secret pull-and-push-secret --output-file pull-and-push-secret.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if out != "" && out != "json" && out != "yaml" {
				// -o used to name the file: say where it went.
				return inputError(fmt.Errorf("-o/--output %q: -o is the output format now (json, or yaml with --secret); write the merged credentials with --output-file FILE (mode 0600; stdout is refused)", out))
			}
			if out == "yaml" && name == "" {
				return inputError(errors.New("-o yaml needs --secret NAME: the bare docker config is JSON"))
			}
			if outFile == "" || outFile == "-" {
				return inputError(errors.New("--output-file OUT is required: merged credentials are written to a file (mode 0600), never to stdout"))
			}
			if cmd.Flags().Changed("namespace") && name == "" {
				return inputError(errors.New("--namespace needs --secret NAME"))
			}
			if errs := k8svalidation.IsDNS1123Label(namespace); len(errs) > 0 {
				return inputError(fmt.Errorf("--namespace %q: %s", namespace, strings.Join(errs, "; ")))
			}
			var cfgs []*pullsecret.Config
			for _, f := range files {
				c, err := pullsecret.ReadFile(f)
				if err != nil {
					return inputError(err)
				}
				debugf(g, cmd.ErrOrStderr(), "read %s: %s, registries %s", f, c.Format, strings.Join(c.Registries(), ", "))
				cfgs = append(cfgs, c)
			}
			merged := pullsecret.Merge(cfgs...)
			data := merged.JSON()
			what := "docker config"
			if name != "" {
				if errs := validateSecretName(name); errs != "" {
					return inputError(fmt.Errorf("--secret %q: %s", name, errs))
				}
				y, err := merged.SecretManifest(name, namespace)
				if err != nil {
					return inputError(err)
				}
				if out == "json" {
					if y, err = yaml.YAMLToJSON(y); err != nil {
						return err
					}
					y = append(y, '\n')
				}
				data, what = y, fmt.Sprintf("Secret %s/%s", namespace, name)
			}
			if err := atomicfile.WriteFile(outFile, data, 0o600); err != nil {
				return inputError(err)
			}
			if !g.quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s to %s (mode 0600): %d registries: %s\n", what, outFile, len(merged.Registries()), strings.Join(merged.Registries(), ", "))
				// jq keeps every key, so does merge; say which versions'
				// build controllers would refuse what was kept.
				for _, v := range merged.Verdicts() {
					if len(v.Refusals) > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "warning: the build controller of OpenShift %s refuses the merged secret (%s); see ocl-build secret check\n", v.Range(), pullsecret.RefusalFields(v.Refusals))
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output format: json (the docker config, or the Secret with --secret) or yaml (the Secret with --secret, its default)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVar(&outFile, "output-file", "", "file to write (required; mode 0600, atomic)")
	cmd.Flags().StringVar(&name, "secret", "", "write a kubernetes.io/dockerconfigjson Secret manifest with this name")
	cmd.Flags().StringVar(&namespace, "namespace", pullsecret.DefaultNamespace, "namespace of the Secret manifest")
	return cmd
}

func newSecretCheckCmd(g *globalOptions) *cobra.Command {
	var registries []string
	var minValidity time.Duration
	var format, failLevel, openshiftVersion string
	cmd := &cobra.Command{
		Use:   "check FILE [--registry HOST]...",
		Short: "Show which registries a pull secret covers and when its tokens expire",
		Long: `check lists every registry in a credential file, whether its auth decodes to
user:password, and for service-account tokens (JWT passwords) the subject and
expiry: a warning when the token is valid for less than --min-validity, an error
when it has expired. Each --registry (a host, host/namespace or image reference)
is matched the way podman and the build Job match credentials. Tokens are never
printed. Exit status 1 when a problem reaches --fail-level.

From 4.20 the build controller decodes the secrets strictly: a key beside
"auths", a registry entry field other than username, password, email and auth
(an identitytoken, say), or a Secret holding both .dockerconfigjson and
.dockercfg stops the build before it starts; 4.19 passes them through. With
--openshift-version X.Y that version's verdict is an error; without it, the
verdict of every known version is listed and a refusal is a warning.`,
		Example: `  # Does the seed's merged secret cover the base image and the internal registry?
  ocl-build secret check pull-and-push-secret.json \
    --registry quay.io/openshift-release-dev/ocp-v4.0-art-dev \
    --registry image-registry.openshift-image-registry.svc:5000

  # Fail CI when the builder token has less than 90 days left
  ocl-build secret check push-secret.yaml --min-validity 2160h --fail-level warning`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			threshold, err := findings.ParseSeverity(failLevel)
			if err != nil {
				return inputError(fmt.Errorf("--fail-level: %w", err))
			}
			if err := checkOutput(format, secretCheckFormats, ""); err != nil {
				return inputError(err)
			}
			if minValidity < 0 {
				return inputError(errors.New("--min-validity must not be negative"))
			}
			var prof *ocpversion.Profile
			if openshiftVersion != "" {
				d, err := ocpversion.Resolve(ocpversion.Candidate{Value: openshiftVersion, Source: ocpversion.SourceFlag})
				if err != nil {
					return inputError(err)
				}
				for _, m := range d.Warnings {
					if !g.quiet {
						fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", m)
					}
				}
				prof = &d.Profile
			}
			c, err := pullsecret.ReadFile(args[0])
			if err != nil {
				return inputError(err)
			}
			debugf(g, cmd.ErrOrStderr(), "read %s: %s, %d registries", args[0], c.Format, len(c.Registries()))
			r := pullsecret.Check(c, registries, time.Now(), minValidity)
			r.Judge(c, prof)
			w := cmd.OutOrStdout()
			switch {
			case format == "json":
				if err := writeCheckJSON(w, r); err != nil {
					return err
				}
			case format == "yaml":
				if err := jsonToYAML(w, func(w io.Writer) error { return writeCheckJSON(w, r) }); err != nil {
					return err
				}
			case !g.quiet || r.Worst() >= threshold:
				writeCheckText(w, r)
			}
			if threshold != findings.SeverityNone && r.Worst() >= threshold {
				return findingsExit()
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&registries, "registry", nil, "registry host, host/namespace or image reference that must be covered (repeatable)")
	cmd.Flags().DurationVar(&minValidity, "min-validity", pullsecret.DefaultMinValidity, "warn when a token expires sooner than this")
	addOutputFlag(cmd, &format, "text", secretCheckFormats, "format")
	cmd.Flags().StringVar(&failLevel, "fail-level", "error", "exit 1 at this severity or above: error, warning, info, none")
	addOpenShiftVersionFlag(cmd, &openshiftVersion, "judge the secret as this OpenShift version's build controller decodes it", "list every known version's verdict")
	return cmd
}

var secretCheckFormats = []string{"text", "json", "yaml"}

func writeCheckText(w io.Writer, r pullsecret.Report) {
	fmt.Fprintf(w, "%s: %d registries\n", r.File, len(r.Entries))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, e := range r.Entries {
		line := fmt.Sprintf("  %s\t%s\t%s", e.Registry, e.Form, nonEmptyOr(e.Username, "-"))
		if e.Token != nil {
			exp := "no expiry"
			if !e.Token.Expires.IsZero() {
				exp = "expires " + e.Token.Expires.Format(time.RFC3339)
			}
			line += fmt.Sprintf("\ttoken for %s, %s", nonEmptyOr(e.Token.Subject, "unknown subject"), exp)
		} else {
			line += "\t"
		}
		if len(e.Problems) > 0 {
			line += fmt.Sprintf("\t%s: %s", e.Severity, strings.Join(e.Problems, "; "))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for _, c := range r.Coverage {
		if c.Covered {
			fmt.Fprintf(w, "covered: %s (by %s)\n", c.Registry, c.Key)
		} else {
			fmt.Fprintf(w, "error: %s is not covered by any credential\n", c.Registry)
		}
	}
	writeVersionVerdict(w, r)
}

// writeVersionVerdict says whether the build controller takes the secret:
// under --openshift-version, else per run of known versions.
func writeVersionVerdict(w io.Writer, r pullsecret.Report) {
	if r.Version != "" {
		if len(r.Refusals) == 0 {
			fmt.Fprintf(w, "OpenShift %s: the build controller takes it\n", r.Version)
		} else {
			fmt.Fprintf(w, "error: OpenShift %s: the build controller refuses it, no build starts:\n", r.Version)
			for _, x := range r.Refusals {
				fmt.Fprintf(w, "  %s\n", x)
			}
		}
		if len(r.LaterRefusals) > 0 {
			fmt.Fprintf(w, "info: OpenShift %s refuses it (%s): fix it before upgrading\n", r.LaterVersion, pullsecret.RefusalFields(r.LaterRefusals))
		}
		return
	}
	if len(r.Verdicts) == 1 && len(r.Verdicts[0].Refusals) == 0 {
		fmt.Fprintf(w, "the build controller of every known OpenShift version (%s) takes it\n", r.Verdicts[0].Range())
		return
	}
	for _, v := range r.Verdicts {
		if len(v.Refusals) == 0 {
			fmt.Fprintf(w, "OpenShift %s: the build controller takes it\n", v.Range())
			continue
		}
		fmt.Fprintf(w, "warning: OpenShift %s: the build controller refuses it, no build starts:\n", v.Range())
		for _, x := range v.Refusals {
			fmt.Fprintf(w, "  %s\n", x)
		}
	}
}

func nonEmptyOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func writeCheckJSON(w io.Writer, r pullsecret.Report) error {
	type token struct {
		Subject string     `json:"subject"`
		Issuer  string     `json:"issuer,omitempty"`
		Expires *time.Time `json:"expires,omitempty"`
	}
	type entry struct {
		Registry string            `json:"registry"`
		Form     string            `json:"form"`
		Username string            `json:"username,omitempty"`
		Token    *token            `json:"token,omitempty"`
		Severity findings.Severity `json:"severity"`
		Problems []string          `json:"problems"`
	}
	type coverage struct {
		Registry string `json:"registry"`
		Key      string `json:"key,omitempty"`
		Covered  bool   `json:"covered"`
	}
	type refusal struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	}
	refusals := func(rs []pullsecret.Refusal) []refusal {
		out := []refusal{}
		for _, x := range rs {
			out = append(out, refusal{x.Field, x.Msg})
		}
		return out
	}
	type verdict struct {
		Versions string    `json:"versions"`
		From     string    `json:"from"`
		To       string    `json:"to"`
		Accepted bool      `json:"accepted"`
		Refusals []refusal `json:"refusals"`
	}
	out := struct {
		File     string     `json:"file"`
		Entries  []entry    `json:"entries"`
		Coverage []coverage `json:"coverage"`
		// Under --openshift-version: that version's verdict; else one
		// verdict per run of known versions.
		OpenShiftVersion string    `json:"openshiftVersion,omitempty"`
		Verdicts         []verdict `json:"verdicts"`
	}{File: r.File, Entries: []entry{}, Coverage: []coverage{}, OpenShiftVersion: r.Version, Verdicts: []verdict{}}
	if r.Version != "" {
		out.Verdicts = append(out.Verdicts, verdict{Versions: r.Version, From: r.Version, To: r.Version, Accepted: len(r.Refusals) == 0, Refusals: refusals(r.Refusals)})
		if len(r.LaterRefusals) > 0 {
			out.Verdicts = append(out.Verdicts, verdict{Versions: r.LaterVersion, From: r.LaterVersion, To: r.LaterVersion, Refusals: refusals(r.LaterRefusals)})
		}
	}
	for _, v := range r.Verdicts {
		out.Verdicts = append(out.Verdicts, verdict{Versions: v.Range(), From: v.From.String(), To: v.To.String(), Accepted: len(v.Refusals) == 0, Refusals: refusals(v.Refusals)})
	}
	for _, e := range r.Entries {
		je := entry{Registry: e.Registry, Form: e.Form, Username: e.Username, Severity: e.Severity, Problems: append([]string{}, e.Problems...)}
		if e.Token != nil {
			je.Token = &token{Subject: e.Token.Subject, Issuer: e.Token.Issuer}
			if !e.Token.Expires.IsZero() {
				t := e.Token.Expires
				je.Token.Expires = &t
			}
		}
		out.Entries = append(out.Entries, je)
	}
	for _, c := range r.Coverage {
		out.Coverage = append(out.Coverage, coverage{Registry: c.Registry, Key: c.Key, Covered: c.Covered})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// validateSecretName applies the API server's rule for Secret names.
func validateSecretName(name string) string {
	return strings.Join(k8svalidation.IsDNS1123Subdomain(name), "; ")
}
