package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL108PMAsNonRoot(t *testing.T) {
	runRuleTable(t, rules.OCL108.ID, []ruleCase{
		{"good", good, nil},
		{"after USER 1000", "FROM configs AS final\nUSER 1000\nRUN dnf install -y x\n", []int{3}},
		{"back to root", "FROM configs AS final\nUSER 1000\nUSER root\nRUN dnf install -y x\n", nil},
		{"root:root", "FROM configs AS final\nUSER 0:0\nRUN dnf install -y x\n", nil},
		{"rpm -ivh", "FROM configs AS final\nUSER core\nRUN rpm -ivh /tmp/x.rpm\n", []int{3}},
		{"query is fine", "FROM configs AS final\nUSER core\nRUN rpm -qa && dnf list installed\n", nil},
		{"inherited from parent stage", "FROM configs AS base\nUSER 1000\nFROM base AS final\nRUN rpm-ostree install x\n", []int{4}},
		{"sudo", "FROM configs AS final\nUSER core\nRUN sudo dnf install -y x\n", nil},
	})
}
