package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every command (README "Exit codes").
const (
	exitOK       = 0 // clean, or findings below the failure threshold
	exitFindings = 1 // findings at or above the threshold, or a failed build step
	exitInput    = 2 // input, usage or infrastructure error
)

// exitError carries an exit status through cobra's error return.
// Silent means the command already printed what the user needs.
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// findingsExit ends a command with status 1 without printing more.
func findingsExit() error { return &exitError{code: exitFindings, silent: true} }

// inputError ends a command with status 2 and the given message.
func inputError(err error) error { return &exitError{code: exitInput, err: err} }

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
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.silent && ee.err != nil {
			fmt.Fprintf(stderr, "ocl-build: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own flag and argument errors are usage errors.
	fmt.Fprintf(stderr, "ocl-build: %v\n", err)
	return exitInput
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
