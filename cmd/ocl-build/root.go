package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

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
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level of library output: debug, info, warn, error")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print only the essential result")
	names := make([]string, 0, len(commandFactories))
	for n := range commandFactories {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		root.AddCommand(commandFactories[n](g))
	}
	return root
}

// run executes the CLI and maps errors to exit statuses; it never panics out.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ocl-build: internal error: %v\n", r)
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
		fmt.Fprintf(stderr, "ocl-build: %s\n", strings.TrimSpace(err.Error()))
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

func init() {
	registerCommand("version", func(g *globalOptions) *cobra.Command {
		return &cobra.Command{
			Use:     "version",
			Short:   "Print the ocl-build version and commit",
			Example: "  ocl-build version",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				v, c := versionString()
				if g.quiet {
					fmt.Fprintln(cmd.OutOrStdout(), v)
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "ocl-build %s (commit %s)\n", v, c)
				return nil
			},
		}
	})
}
