package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL212MergeRuns(t *testing.T) {
	runRuleTable(t, rules.OCL212.ID, []ruleCase{
		{"good", good, nil},
		{"two runs", "FROM configs AS final\nRUN dnf install -y x && dnf clean all\nRUN ostree container commit\n", []int{2}},
		{"three runs one finding", "FROM configs AS final\nRUN a\nRUN b\nRUN ostree container commit\n", []int{2}},
		{"separated", "FROM configs AS final\nRUN a\nCOPY --from=img /x /usr/x\nRUN ostree container commit\n", nil},
		{"different mounts", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\nRUN ostree container commit\n", nil},
		{"across stages", "FROM configs AS base\nRUN a\nFROM base AS final\nRUN ostree container commit\n", nil},
		{"comment between", "FROM configs AS final\nRUN a\n# then\nRUN ostree container commit\n", []int{2}},
	})
}
