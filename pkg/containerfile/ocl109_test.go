package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL109InstallNothing(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL109.ID, []ruleCase{
		{"good", good, nil},
		{"rpm-ostree install alone", f("rpm-ostree install"), []int{2}},
		{"rpm-ostree install with options only", f("rpm-ostree install -y --idempotent"), []int{2}},
		{"dnf install -y alone", f("dnf install -y"), []int{2}},
		{"a list variable", f("rpm-ostree install $PKGS"), nil},
		{"lost continuation", "FROM configs AS final\nRUN rpm-ostree install \\\n# tree\n && ostree container commit\n", []int{2}},
		{"rpm-ostree install tree", f("rpm-ostree install tree"), nil},
		{"builder stage fails the build too", "FROM registry.example.com/ubi9 AS builder\nRUN dnf install -y\nFROM configs AS final\n", []int{2}},
		{"dnf makecache", f("dnf makecache"), nil},
	})
}
