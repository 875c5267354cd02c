package main

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// flagCompletions complete flag values by flag name, on every command that
// has the flag, so a command file only declares its flags. -o/--output
// completes where it is declared (its formats differ per command).
var flagCompletions = map[string]cobra.CompletionFunc{
	"storage-driver": cobra.FixedCompletions([]string{build.DriverOverlay, build.DriverVFS}, cobra.ShellCompDirectiveNoFileComp),
	"pull":           cobra.FixedCompletions([]string{build.PullMissing, build.PullAlways, build.PullNever, build.PullNewer}, cobra.ShellCompDirectiveNoFileComp),
	"fail-level":     cobra.FixedCompletions([]string{"error", "warning", "info", "none"}, cobra.ShellCompDirectiveNoFileComp),
	"enable":         completeRuleIDs,
	"disable":        completeRuleIDs,
	"ignore":         completeRuleIDs,
	"openshift-version": func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range ocpversion.Known() {
			out = append(out, v.String())
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	},
	"pool": completePools,
}

// registerCompletions walks the command tree once, after every command is
// built.
func registerCompletions(c *cobra.Command) {
	for name, f := range flagCompletions {
		if c.Flags().Lookup(name) == nil {
			continue
		}
		if _, ok := c.GetFlagCompletionFunc(name); ok {
			continue
		}
		_ = c.RegisterFlagCompletionFunc(name, f)
	}
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

func completeRuleIDs(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, r := range rules.All() {
		if r.Retired == "" {
			out = append(out, cobra.CompletionWithDesc(r.ID, r.Title))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completePools offers the pools named in the files already on the command
// line (--mosc, --machineconfigs), as the user would read them there.
func completePools(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var paths []string
	for _, name := range []string{"mosc", "machineconfigs"} {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		for _, p := range strings.Split(strings.Trim(f.Value.String(), "[]"), ",") {
			if p = strings.TrimSpace(p); p != "" && p != "-" {
				paths = append(paths, p)
			}
		}
	}
	set := map[string]bool{}
	for _, p := range paths {
		m, err := mco.LoadManifests([]string{p})
		if err != nil {
			continue
		}
		for _, mcp := range m.MachineConfigPools {
			set[mcp.Name] = true
		}
		for _, mosc := range m.MachineOSConfigs {
			set[mosc.Spec.MachineConfigPool.Name] = true
		}
	}
	out := []cobra.Completion{}
	for n := range set {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}
