package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// The man pages are generated from the commands themselves (`make docs`),
// so they say exactly what --help says.
func init() {
	registerCommand("__gendocs", func(g *globalOptions) *cobra.Command {
		return &cobra.Command{
			Use:    "__gendocs DIR",
			Short:  "Write the man pages (section 1) into DIR",
			Hidden: true,
			Args:   cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := os.MkdirAll(args[0], 0o755); err != nil {
					return inputError(err)
				}
				v, _ := versionString()
				hdr := &doc.GenManHeader{Title: "OCL-BUILD", Section: "1", Source: "ocl-build " + v, Manual: "ocl-build manual"}
				root := cmd.Root()
				root.DisableAutoGenTag = true
				if err := doc.GenManTree(root, hdr, args[0]); err != nil {
					return err
				}
				if !g.quiet {
					fmt.Fprintf(cmd.ErrOrStderr(), "wrote man pages to %s\n", args[0])
				}
				return nil
			},
		}
	})
}
