package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL203OSUpgrade(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, rules.OCL203.ID, []ruleCase{
		{"good", good, nil},
		{"dnf update", f("dnf -y update"), []int{2}},
		{"dnf upgrade", f("dnf upgrade -y"), []int{2}},
		{"distro-sync", f("dnf -y distro-sync"), []int{2}},
		{"yum update", f("yum update -y"), []int{2}},
		{"rpm-ostree upgrade", f("rpm-ostree upgrade"), []int{2}},
		{"named package", f("dnf -y upgrade openssl"), nil},
		{"upgrade-minimal --security", f("dnf -y upgrade-minimal --security"), []int{2}},
		{"check-update", f("dnf check-update || true"), nil},
	})
}
