package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL202NoClean(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL202.ID, []ruleCase{
		{"good", good, nil},
		{"no clean", f("dnf install -y x"), []int{2}},
		{"clean in the next RUN", "FROM configs AS final\nRUN dnf install -y x\nRUN dnf clean all && ostree container commit\n", []int{2}},
		{"rm cache", f("dnf install -y x && rm -rf /var/cache/dnf"), nil},
		{"rm cache glob", f("yum install -y x && rm -rf /var/cache/yum/*"), nil},
		{"cache mount", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x && ostree container commit\n", nil},
		{"clean metadata only", f("dnf install -y x && dnf clean metadata"), []int{2}},
		{"microdnf", f("microdnf install x && microdnf clean all"), nil},
		{"no install", f("echo hi"), nil},
		{"inside sh -c", f("sh -c 'dnf -y install x'"), []int{2}},
	})
}

// A clean placed before the install does not clean what the install
// downloads (a regression of the order-blind version); builder stages are
// not judged, their cache never ships.
func TestOCL202OrderAndStages(t *testing.T) {
	runRuleTable(t, rules.OCL202.ID, []ruleCase{
		{"clean before the install", "FROM configs AS final\nRUN dnf clean all && dnf install -y x && ostree container commit\n", []int{2}},
		{"clean between two installs", "FROM configs AS final\nRUN dnf install -y x && dnf clean all && dnf install -y y && ostree container commit\n", []int{2}},
		{"rm of the cache before", "FROM configs AS final\nRUN rm -rf /var/cache/dnf && dnf install -y x && ostree container commit\n", []int{2}},
		{"builder stage", "FROM registry.example.com/ubi9 AS builder\nRUN dnf install -y gcc && make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\n", nil},
		{"ancestor stage ships", "FROM configs AS base\nRUN dnf install -y x\nFROM base AS final\nRUN ostree container commit\n", []int{2}},
		{"no FROM", "RUN dnf install -y x && ostree container commit\n", []int{1}},
	})
}
