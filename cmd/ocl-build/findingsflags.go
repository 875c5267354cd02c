package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// findingsFormats are the -o values of the commands that report findings.
var findingsFormats = []string{"text", "json", "yaml", "sarif"}

// findingsFlags are the output and policy flags of the commands that report
// findings (lint, validate): -o/--output, --fail-level and --config.
type findingsFlags struct {
	format, failLevel, configPath string
}

// register adds the flags; configUsage says what the config file is to
// this command.
func (f *findingsFlags) register(cmd *cobra.Command, configUsage string) {
	fl := cmd.Flags()
	addOutputFlag(cmd, &f.format, "text", findingsFormats, "format")
	fl.StringVar(&f.failLevel, "fail-level", "error", "exit 1 at this severity or above: error, warning, info, none (default error, or the config's failure-threshold)")
	fl.StringVar(&f.configPath, "config", "", configUsage+" (default ./"+findings.ConfigFileName+" when present)")
}

// policy loads the lint policy and returns it with the threshold in
// effect: --fail-level when given, else the config's failure-threshold,
// else error. Its errors are input errors, ready to return from RunE.
func (f *findingsFlags) policy(cmd *cobra.Command) (findings.Config, findings.Severity, error) {
	cfg, err := loadLintConfig(f.configPath)
	if err != nil {
		return cfg, 0, inputError(err)
	}
	threshold := findings.SeverityError
	if cfg.FailureThreshold != nil {
		threshold = *cfg.FailureThreshold
	}
	if cmd.Flags().Changed("fail-level") {
		if threshold, err = findings.ParseSeverity(f.failLevel); err != nil {
			return cfg, 0, inputError(fmt.Errorf("--fail-level: %w", err))
		}
	}
	return cfg, threshold, nil
}

// loadLintConfig reads the lint policy (ignored rules, severity overrides,
// failure-threshold): path, else ./.ocl-build.yaml when present, else none.
func loadLintConfig(path string) (findings.Config, error) {
	if path == "" {
		path = findings.FindConfig(".")
	}
	if path == "" {
		return findings.Config{}, nil
	}
	return findings.LoadConfig(path)
}

type findingsWriterFunc func(io.Writer, []findings.Finding, ...findings.Rule) error

// findingsWriter prints findings as text, json or sarif; the SARIF log
// names this ocl-build's version as its producer.
func findingsWriter(format string) (findingsWriterFunc, error) {
	switch format {
	case "text":
		return findings.WriteText, nil
	case "json":
		return findings.WriteJSON, nil
	case "yaml":
		return func(w io.Writer, fs []findings.Finding, rules ...findings.Rule) error {
			return jsonToYAML(w, func(w io.Writer) error { return findings.WriteJSON(w, fs, rules...) })
		}, nil
	case "sarif":
		return func(w io.Writer, fs []findings.Finding, rules ...findings.Rule) error {
			v, _ := versionString()
			return findings.WriteSARIFTool(w, findings.Tool{Name: "ocl-build", Version: v,
				InformationURI: findings.DefaultTool.InformationURI}, fs, rules...)
		}, nil
	}
	return nil, checkOutput(format, findingsFormats, "")
}

// atOrAbove keeps the findings at or above s (all of them for none): what
// --quiet prints.
func atOrAbove(fs []findings.Finding, s findings.Severity) []findings.Finding {
	var out []findings.Finding
	for _, f := range fs {
		if s == findings.SeverityNone || f.Severity >= s {
			out = append(out, f)
		}
	}
	return out
}
