package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
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

// The table is the version model's: two-node-ha's pcs is an extension in
// every version, crun-wasm only up to 4.21.
func TestOCL211ByVersion(t *testing.T) {
	src := func(pkg string) string {
		return "FROM configs AS final\nRUN dnf install -y " + pkg + " && dnf clean all && ostree container commit\n"
	}
	for _, c := range []struct {
		pkg, version string
		want         bool
	}{
		{"pcs", "", true}, {"pcs", "4.19", true}, {"pacemaker", "5.2", true},
		{"crun-wasm", "4.21", true}, {"crun-wasm", "4.22", false},
		{"openvswitch3.5-ipsec", "4.22", false}, {"openvswitch3.5-ipsec", "4.23", true},
	} {
		opts := Options{}
		if c.version != "" {
			p := ocpversion.MustLookup(c.version)
			opts.Profile = &p
		}
		fs, _ := LintContent("Containerfile", src(c.pkg), opts)
		if got := hasRule(fs, rules.OCL211.ID); got != c.want {
			t.Errorf("%s on %q: fired %v, want %v", c.pkg, c.version, got, c.want)
		}
	}
}
