package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

func init() {
	registerCommand("lint", newLintCmd)
}

// stdinName names standard input in findings and errors.
const stdinName = "<stdin>"

func newLintCmd(g *globalOptions) *cobra.Command {
	var ff findingsFlags
	var list bool
	var enable []string
	var target string
	var version string
	cmd := &cobra.Command{
		Use:   "lint [FILE|-]...",
		Short: "Lint a Containerfile, or the Containerfiles inside MachineOSConfig YAML",
		Long: `lint checks a Containerfile against what the OpenShift build does with it
(OCL1xx: the contract) and against what makes a good OS image (OCL2xx). FILE is
a Containerfile, - for standard input, or a YAML file (several documents allowed)
with MachineOSConfig objects: every spec.containerFile[].content is linted,
findings point at the YAML file's own lines, each MachineOSConfig is checked
against the CRD schema and CEL rules of --openshift-version (OCL301: what the API
server would refuse; default the newest version's CRDs), and one without a NoArch
entry is OCL302.

Each rule applies to some targets (lint --list shows which):
  on-cluster      a MachineOSConfig's content, built after the operator's configs stage
  out-of-cluster  a layered image FROM the release's RHCOS (or FCOS/OKD) image, built
                  elsewhere and rolled out as a MachineConfig osImageURL
  bootc           an image FROM a *-bootc base
--target auto (the default, or target: in the config file) reads it from the file:
MachineOSConfig YAML, FROM configs and content without FROM are on-cluster; a final
stage from an RHCOS/FCOS/OKD or ocp-v4.0-art-dev image is out-of-cluster; from a
*-bootc image, bootc. Rules about what ships look only at the final stage and the
stages it descends from. The rule pages are docs/rules/OCLnnn.md.

Suppress findings with comments in the Containerfile:
  # ocl-build ignore=OCL202,OCL212       (the next instruction)
  # ocl-build global ignore=OCL210       (the whole file)
or with .ocl-build.yaml in the working directory (or --config):
  ignored: [OCL212]
  override: {OCL210: warning, OCL214: info}   # severity; "none" drops a rule
  failure-threshold: warning

OCL214 (package without a version) is opt-in: enable it with --enable OCL214 or an
override. Exit status: 0 nothing at or above --fail-level, 1 findings at or above
it, 2 unreadable input or bad flags.`,
		Example: `  # The Containerfile of a MachineOSConfig, as text
  ocl-build lint Containerfile

  # Every MachineOSConfig of a YAML file; warnings fail the job
  ocl-build lint --fail-level warning machineosconfig.yaml

  # From standard input, SARIF for code scanning
  cat Containerfile | ocl-build lint -o sarif - > lint.sarif

  # A layered image built out of the cluster, FROM the release's RHCOS image
  ocl-build lint --target out-of-cluster Containerfile.layered

  # The rule catalogue, with each rule's targets
  ocl-build lint --list`,
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := findingsWriter(ff.format)
			if err != nil {
				return inputError(err)
			}
			cfg, threshold, err := ff.policy(cmd)
			if err != nil {
				return err
			}
			catalogue := cfg.ApplyRules(ruleCatalogue())
			if list {
				return writeCatalogue(cmd.OutOrStdout(), ff.format, catalogue, enable)
			}
			tgt, err := lintTarget(cmd, target, cfg)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return inputError(errors.New("lint needs a FILE, or - for standard input (see ocl-build lint --help)"))
			}
			for _, id := range enable {
				if _, ok := findRule(catalogue, id); !ok {
					return inputError(fmt.Errorf("--enable %s: no such rule (see ocl-build lint --list)", id))
				}
			}
			profile, err := flagProfile(cmd, g, version)
			if err != nil {
				return inputError(err)
			}
			opts := containerfile.Options{Enable: append(cfg.Enabled(), enable...), Target: tgt, Profile: &profile}
			var all []findings.Finding
			var bad []error
			stdinUsed := false
			for _, a := range args {
				name, data, err := readLintInput(cmd.InOrStdin(), a, &stdinUsed)
				if err == nil {
					var fs []findings.Finding
					fs, err = containerfile.LintFile(name, data, opts)
					all = append(all, fs...)
				}
				if err != nil {
					bad = append(bad, err)
				}
			}
			all = cfg.Apply(all)
			if g.quiet {
				all = atOrAbove(all, threshold)
			}
			if err := write(cmd.OutOrStdout(), all, catalogue...); err != nil {
				return err
			}
			for _, err := range bad {
				fmt.Fprintf(cmd.ErrOrStderr(), "ocl-build: %s\n", oneLineErr(err))
			}
			if len(bad) > 0 {
				return oclerr.Reported(exitInput)
			}
			if findings.AtOrAbove(all, threshold) {
				return findingsExit()
			}
			return nil
		},
	}
	ff.register(cmd, "config file")
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "print the rule catalogue and exit")
	f.StringSliceVar(&enable, "enable", nil, "turn on opt-in rules, e.g. --enable OCL214")
	f.StringVar(&target, "target", rules.Auto, "where the image is built: on-cluster, out-of-cluster, bootc, or auto (read it from the file)")
	addOpenShiftVersionFlag(cmd, &version, "OpenShift version X.Y whose CRDs and rules apply", "the newest known")
	return cmd
}

// lintTarget is --target, else the config's target, else auto ("").
func lintTarget(cmd *cobra.Command, flag string, cfg findings.Config) (rules.Target, error) {
	if !cmd.Flags().Changed("target") && cfg.Target != "" {
		t, err := rules.ParseTarget(cfg.Target)
		if err != nil {
			return "", inputError(fmt.Errorf("config %s: line %d: target: %w", cfg.Path, cfg.TargetLine, err))
		}
		return t, nil
	}
	t, err := rules.ParseTarget(flag)
	if err != nil {
		return "", inputError(fmt.Errorf("--target: %w", err))
	}
	return t, nil
}

// ruleCatalogue is every rule of pkg/rules as the output formats show it.
func ruleCatalogue() []findings.Rule {
	var out []findings.Rule
	for _, r := range rules.All() {
		out = append(out, r.Catalogue(nil))
	}
	return out
}

// readLintInput reads a file, or standard input for "-", within the linter's
// size limit; errors are one line naming the file.
func readLintInput(stdin io.Reader, arg string, stdinUsed *bool) (string, []byte, error) {
	if arg == "-" {
		if *stdinUsed {
			return stdinName, nil, fmt.Errorf("%s: standard input given twice", stdinName)
		}
		*stdinUsed = true
		data, err := io.ReadAll(io.LimitReader(stdin, containerfile.MaxInputSize+1))
		if err != nil {
			return stdinName, nil, fmt.Errorf("%s: %v", stdinName, err)
		}
		if len(data) > containerfile.MaxInputSize {
			return stdinName, nil, fmt.Errorf("%s: input is too large (over %d bytes)", stdinName, containerfile.MaxInputSize)
		}
		return stdinName, data, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return arg, nil, fmt.Errorf("%s: %v", arg, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return arg, nil, fmt.Errorf("%s: %v", arg, err)
	}
	if st.IsDir() {
		return arg, nil, fmt.Errorf("%s: is a directory", arg)
	}
	if st.Mode().IsRegular() && st.Size() > containerfile.MaxInputSize {
		return arg, nil, fmt.Errorf("%s: file is too large (%d bytes; the limit is %d)", arg, st.Size(), containerfile.MaxInputSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, containerfile.MaxInputSize+1))
	if err != nil {
		return arg, nil, fmt.Errorf("%s: %v", arg, err)
	}
	if len(data) > containerfile.MaxInputSize {
		return arg, nil, fmt.Errorf("%s: file is too large (over %d bytes)", arg, containerfile.MaxInputSize)
	}
	return arg, data, nil
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func findRule(rules []findings.Rule, id string) (findings.Rule, bool) {
	for _, r := range rules {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return findings.Rule{}, false
}

// writeCatalogue prints the rules: a table for text, the full metadata for
// json, and an empty SARIF run that carries the rules for sarif.
func writeCatalogue(w io.Writer, format string, rules []findings.Rule, enable []string) error {
	for i := range rules {
		for _, e := range enable {
			if strings.EqualFold(e, rules[i].ID) {
				rules[i].OptIn = false
			}
		}
	}
	switch format {
	case "json":
		type rule struct {
			ID       string   `json:"id"`
			Severity string   `json:"severity"`
			OptIn    bool     `json:"optIn,omitempty"`
			Retired  bool     `json:"retired,omitempty"`
			Targets  []string `json:"targets"`
			Short    string   `json:"short"`
			Help     string   `json:"help"`
			Page     string   `json:"page"`
		}
		out := struct {
			Rules []rule `json:"rules"`
		}{}
		for _, r := range rules {
			out.Rules = append(out.Rules, rule{r.ID, r.Severity.String(), r.OptIn, r.Retired, r.Targets, r.Short, r.Help, r.HelpURI})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "sarif":
		write, _ := findingsWriter("sarif")
		return write(w, nil, rules...)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rules {
		sev := r.Severity.String()
		switch {
		case r.Retired:
			sev = "retired"
		case r.OptIn:
			sev += " (opt-in)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, sev, strings.Join(r.Targets, ","), r.Short)
	}
	return tw.Flush()
}
