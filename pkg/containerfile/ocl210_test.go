package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL210NotFinal(t *testing.T) {
	runRuleTable(t, rules.OCL210.ID, []ruleCase{
		{"good", good, nil},
		{"no alias", "FROM configs\nRUN ostree container commit\n", []int{1}},
		{"other alias", "FROM configs AS last\nRUN ostree container commit\n", []int{1}},
		{"upper case FINAL", "FROM configs AS FINAL\nRUN ostree container commit\n", nil},
		{"base then final", "FROM configs AS base\nFROM base AS final\nRUN ostree container commit\n", nil},
	})
}
