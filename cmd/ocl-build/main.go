package main

import (
	"os"

	"github.com/containers/storage/pkg/reexec"
)

func main() {
	// buildah's chroot isolation re-executes this binary; reexec.Init runs
	// the child's entry point and reports true in that case.
	if reexec.Init() {
		return
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
