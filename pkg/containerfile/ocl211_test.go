package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL211Extension(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, rules.OCL211.ID, []ruleCase{
		{"good", good, nil},
		{"usbguard", f("dnf install -y usbguard"), []int{2}},
		{"kerberos pair", f("dnf install -y krb5-workstation libkadm5"), []int{2, 2}},
		{"versioned sysstat", f("dnf install -y sysstat-12.5.4-7.el9"), []int{2}},
		{"rpm-ostree install", f("rpm-ostree install kata-containers"), []int{2}},
		{"usbguard-selinux is not", f("dnf install -y usbguard-selinux"), nil},
		{"removing is fine", f("dnf remove -y sysstat"), nil},
	})
}
