package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/ocl-build/ocl-build/internal/redact"
	"github.com/ocl-build/ocl-build/pkg/oclerr"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every command (README "Exit codes"); errors
// carry theirs (pkg/oclerr) and run maps them in one place.
const (
	exitOK       = oclerr.ExitOK
	exitFindings = oclerr.ExitFindings
	exitInput    = oclerr.ExitInput
)

// findingsExit ends a command with status 1 without printing more.
func findingsExit() error { return oclerr.Findings() }

// inputError ends a command with status 2 and the given message.
func inputError(err error) error { return oclerr.Input(err) }

// globalOptions are the persistent flags every command sees.
type globalOptions struct {
	logLevel string
	quiet    bool
}

// commandFactories is filled by each command file's init, so adding a command
// touches only its own file.
var commandFactories = map[string]func(*globalOptions) *cobra.Command{}

func registerCommand(name string, f func(*globalOptions) *cobra.Command) {
	commandFactories[name] = f
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "ocl-build",
		Short: "Lint, pre-build, diff and push On-Cluster Layering images for OpenShift",
		Long: `ocl-build moves the work of OpenShift On-Cluster Layering (MachineOSConfig v1,
OpenShift 4.19+) to the admin's machine and to CI: lint the Containerfile, build it
as the Machine Config Operator would, diff its RPM database against the RHCOS base,
push it, and write the MachineOSConfig that goes with it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if name := pluginDisplayName(progName()); name != "" {
		// Run as a kubectl/oc plugin: help and examples say "oc ocl-build".
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: name}
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "show the libraries' own log lines (buildah, containers/*) at this level: debug, info, warn, error (default: none)")
	_ = root.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions(logLevels, cobra.ShellCompDirectiveNoFileComp))
	// Every command refuses a bad --log-level and silences library logs
	// unless asked, before it does anything.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return inputError(setLibraryLogging(g.logLevel, cmd.ErrOrStderr()))
	}
	v, c := versionString()
	root.Version = v + " (commit " + c + ")"
	root.SetVersionTemplate("ocl-build {{.Version}}\n")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print only the essential result")
	names := make([]string, 0, len(commandFactories))
	for n := range commandFactories {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		root.AddCommand(commandFactories[n](g))
	}
	registerCompletions(root)
	if name, ok := root.Annotations[cobra.CommandDisplayNameAnnotation]; ok {
		renameExamples(root, name)
	}
	return root
}

// progName is the name this binary was run as.
var progName = func() string { return filepath.Base(os.Args[0]) }

// pluginDisplayName is "oc ocl-build" when the binary runs as the oc or
// kubectl plugin (a link named oc-ocl_build or kubectl-ocl_build on PATH:
// plugin names turn "-" into "_"), else "".
func pluginDisplayName(prog string) string {
	for _, host := range []string{"kubectl", "oc"} {
		if prog == host+"-ocl_build" {
			return host + " ocl-build"
		}
	}
	return ""
}

// exampleCommand is "ocl-build " where an example line runs it.
var exampleCommand = regexp.MustCompile(`(?m)(^\s*|\|\s*|\$\(\s*)ocl-build `)

// renameExamples makes every example say how the binary was run.
func renameExamples(c *cobra.Command, name string) {
	c.Example = exampleCommand.ReplaceAllString(c.Example, "${1}"+name+" ")
	for _, sub := range c.Commands() {
		renameExamples(sub, name)
	}
}

// run executes the CLI and maps errors to exit statuses; it never panics out.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ocl-build: internal error: %s\n", redact.String(fmt.Sprint(r)))
			code = exitInput
		}
	}()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	// The one place an error becomes an exit status. cobra's own flag and
	// argument errors carry none: usage errors, 2.
	if !oclerr.Silent(err) {
		// Every error line, whichever library wrote it, loses URL
		// userinfo and proxy credentials.
		fmt.Fprintf(stderr, "ocl-build: %s\n", redact.String(strings.TrimSpace(err.Error())))
	}
	return oclerr.ExitCode(err)
}

// version and commit are set with -ldflags by the Makefile; the module
// version from the build info is the fallback for `go install`.
var (
	version = ""
	commit  = ""
)

func versionString() (string, string) {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}

// versionInfo is `version -o json|yaml`: ocl-build's version and those of
// the libraries that decide its behaviour, from the binary's build info.
type versionInfo struct {
	Version   string            `json:"version"`
	Commit    string            `json:"commit"`
	GoVersion string            `json:"goVersion"`
	Platform  string            `json:"platform"`
	Libraries map[string]string `json:"libraries"`
}

// versionLibraries are the modules `version` reports, by short name.
var versionLibraries = map[string]string{
	"github.com/containers/buildah":  "buildah",
	"github.com/containers/image/v5": "containers/image",
	"github.com/containers/storage":  "containers/storage",
	"github.com/containers/common":   "containers/common",
	"github.com/openshift/api":       "openshift/api",
	"k8s.io/apiextensions-apiserver": "k8s.io/apiextensions-apiserver",
	"github.com/spf13/cobra":         "cobra",
	"github.com/coreos/ignition/v2":  "ignition",
}

func currentVersionInfo() versionInfo {
	v, c := versionString()
	vi := versionInfo{Version: v, Commit: c, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Libraries: map[string]string{}}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			if name, ok := versionLibraries[d.Path]; ok {
				vi.Libraries[name] = d.Version
			}
		}
	}
	return vi
}

var versionFormats = []string{"text", "json", "yaml"}

func init() {
	registerCommand("version", func(g *globalOptions) *cobra.Command {
		var format string
		cmd := &cobra.Command{
			Use:   "version",
			Short: "Print the ocl-build version, and with -o json|yaml the library versions",
			Example: `  ocl-build version
  ocl-build version -o json | jq -r .libraries.buildah`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := checkOutput(format, versionFormats, ""); err != nil {
					return inputError(err)
				}
				vi := currentVersionInfo()
				w := cmd.OutOrStdout()
				switch {
				case format != "text":
					return writeStructured(w, format, vi)
				case g.quiet:
					fmt.Fprintln(w, vi.Version)
					return nil
				}
				fmt.Fprintf(w, "ocl-build %s (commit %s)\n", vi.Version, vi.Commit)
				fmt.Fprintf(w, "  %s %s\n", vi.GoVersion, vi.Platform)
				names := make([]string, 0, len(vi.Libraries))
				for n := range vi.Libraries {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					fmt.Fprintf(w, "  %s %s\n", n, vi.Libraries[n])
				}
				return nil
			},
		}
		addOutputFlag(cmd, &format, "text", versionFormats, "")
		return cmd
	})
}
