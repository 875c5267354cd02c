package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL205KernelReplace(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, rules.OCL205.ID, []ruleCase{
		{"good", good, nil},
		{"kernel-rt", f("dnf install -y kernel-rt-core"), []int{2}},
		{"override replace", f("rpm-ostree override replace /tmp/kernel-5.14.0-1.el9.x86_64.rpm"), []int{2}},
		{"rpm -Uvh", f("rpm -Uvh /tmp/kernel-core-5.14.rpm"), []int{2}},
		{"kernel-devel is an extension", f("dnf install -y kernel-devel"), nil},
		{"kernel-tools", f("dnf install -y kernel-tools"), nil},
		{"kernelshark", f("dnf install -y kernelshark"), nil},
		{"remove kernel is not install", f("dnf remove -y kernel-debug"), nil},
	})
}
