package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
)

// One output convention, kubectl's: -o/--output names the FORMAT of what a
// command prints, everywhere; a destination is always an explicit flag
// (--output-file, --report, --digestfile, --iidfile, --manifests-dir) that
// never takes a format word.

// structuredFormats are the -o values of a command whose result is data.
var structuredFormats = []string{"text", "json", "yaml"}

// outputFlagUsage is the help of -o/--output for these formats.
func outputFlagUsage(formats []string) string {
	return "output format: " + strings.Join(formats, ", ")
}

// addOutputFlag registers -o/--output with completion of its values. alias,
// when set, is an older name of the same flag (lint's --format), kept
// working and hidden so existing scripts and CI files do not break.
func addOutputFlag(cmd *cobra.Command, p *string, def string, formats []string, alias string) {
	fl := cmd.Flags()
	fl.StringVarP(p, "output", "o", def, outputFlagUsage(formats))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	if alias != "" {
		fl.StringVar(p, alias, def, outputFlagUsage(formats)+" (old name of -o/--output)")
		_ = fl.MarkHidden(alias)
	}
}

// checkOutput refuses a format not in formats. A value that looks like a
// file (the old meaning of -o on manifests and secret merge) gets the
// destination flag to use instead, when the command has one.
func checkOutput(value string, formats []string, destFlag string) error {
	if slices.Contains(formats, value) {
		return nil
	}
	if destFlag != "" && (value == "-" || strings.ContainsAny(value, "./")) {
		return fmt.Errorf("-o/--output %q: -o is the output format now (%s); to write a file give %s %s",
			value, strings.Join(formats, ", "), destFlag, value)
	}
	return fmt.Errorf("-o/--output %q: want %s", value, strings.Join(formats, ", "))
}

// writeStructured prints v as JSON (indented) or YAML.
func writeStructured(w io.Writer, format string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		if b, err = yaml.JSONToYAML(b); err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// jsonToYAML turns a writer's JSON output into YAML, for the commands whose
// libraries write JSON.
func jsonToYAML(w io.Writer, write func(io.Writer) error) error {
	var b strings.Builder
	if err := write(&b); err != nil {
		return err
	}
	y, err := yaml.JSONToYAML([]byte(b.String()))
	if err != nil {
		return err
	}
	_, err = w.Write(y)
	return err
}

// writeDestination writes data to the --output-file destination: stdout
// for "" and "-" (unless it holds credentials, which never go to a
// terminal or pipe by accident), else the file, atomically, with perm.
func writeDestination(stdout io.Writer, path string, data []byte, perm os.FileMode, credentials bool) error {
	if path == "" || path == "-" {
		if credentials {
			return fmt.Errorf("the output holds credentials: give --output-file FILE (written with mode 0600); they are never written to stdout")
		}
		_, err := stdout.Write(data)
		return err
	}
	return atomicfile.WriteFile(path, data, perm)
}
