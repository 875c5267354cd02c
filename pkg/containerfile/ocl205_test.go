package containerfile

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
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

// The cases OCL205 exists for: a kernel swapped with rpm-ostree override
// remove … --install …, a kernel named through ENV or ARG, and what is not
// a kernel (kernel-devel-$(…)).
func TestOCL205Forms(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && ostree container commit\n"
	}
	runRuleTable(t, rules.OCL205.ID, []ruleCase{
		{"override remove --install", f("rpm-ostree override remove kernel kernel-core kernel-modules kernel-modules-core kernel-modules-extra --install kernel-rt-core --install kernel-rt-modules"), []int{2}},
		{"ENV holds a list of RPM URLs", "FROM configs AS final\nENV KERNEL_RPM=\"https://example.com/k/kernel-4.18.0-1.el8.x86_64.rpm \\\n    https://example.com/k/kernel-core-4.18.0-1.el8.x86_64.rpm https://example.com/k/kernel-headers-4.18.0-1.el8.x86_64.rpm\"\nRUN rpm-ostree override replace ${KERNEL_RPM} && ostree container commit\n", []int{4}},
		{"override remove --install=", f("rpm-ostree override remove kernel kernel-core --install=kernel-rt-core"), []int{2}},
		{"ENV names the kernel", "FROM configs AS final\nENV KERNEL=kernel-rt-core\nRUN dnf install -y $KERNEL && dnf clean all && ostree container commit\n", []int{3}},
		{"ARG default names the version", "FROM configs AS final\nARG KVER=5.14.0-427.13.1.el9_4\nRUN dnf install -y kernel-core-${KVER} && dnf clean all && ostree container commit\n", []int{3}},
		{"kernel-devel-$(cat …)", f("dnf install -y kernel-devel-$(cat /usr/lib/modules/*/version) && dnf clean all"), nil},
		{"kernel-devel-$(uname -r)", f("dnf install -y kernel-devel-$(uname -r) && dnf clean all"), nil},
		{"braces: devel and headers", f("dnf install -y kernel-{devel,headers}-$(rpm -q --qf '%{VERSION}' kernel) && dnf clean all"), nil},
		{"unknown variable", f("dnf install -y $PKGS && dnf clean all"), nil},
		{"override remove alone", f("rpm-ostree override remove kernel-debug"), nil},
		{"builder stage", "FROM registry.example.com/ubi9 AS builder\nRUN dnf install -y kernel-core\nFROM configs AS final\nRUN ostree container commit\n", nil},
	})
}

// The advice fits the case and the version: kernelType where it reaches a
// layered pool, never for a specific kernel build (a hotfix), and not on
// 4.19, which does not apply kernelType to layered pools.
func TestOCL205Advice(t *testing.T) {
	msg := func(src, version string) string {
		t.Helper()
		opts := Options{}
		if version != "" {
			p := ocpversion.MustLookup(version)
			opts.Profile = &p
		}
		fs, err := LintContent("Containerfile", src, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Rule == rules.OCL205.ID {
				return f.Message
			}
		}
		t.Fatalf("no OCL205 in %s", dump(fs))
		return ""
	}
	rt := "FROM configs AS final\nRUN dnf install -y kernel-rt-core && dnf clean all && ostree container commit\n"
	hotfix := "FROM configs AS final\nRUN rpm-ostree override replace https://example.com/kernel-core-5.14.0-427.13.1.el9_4.x86_64.rpm && ostree container commit\n"
	if m := msg(rt, "4.20"); !strings.Contains(m, "kernelType: realtime") {
		t.Errorf("4.20 realtime: %s", m)
	}
	if m := msg(rt, "4.19"); strings.Contains(m, "set kernelType") || !strings.Contains(m, "does not apply kernelType") {
		t.Errorf("4.19 realtime: %s", m)
	}
	for _, v := range []string{"", "4.19", "4.22"} {
		if m := msg(hotfix, v); strings.Contains(m, "set kernelType") || !strings.Contains(m, "cannot come from kernelType") {
			t.Errorf("hotfix (%q): %s", v, m)
		}
	}
}
