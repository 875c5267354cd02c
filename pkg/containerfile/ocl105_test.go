package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL105ReservedStage(t *testing.T) {
	runRuleTable(t, rules.OCL105.ID, []ruleCase{
		{"good", good, nil},
		{"configs", "FROM registry.example.com/ubi9 AS configs\nFROM configs AS final\nRUN ostree container commit\n", []int{1}},
		{"extract upper case", "FROM registry.example.com/ubi9 AS Extract\nFROM configs AS final\nRUN ostree container commit\n", []int{1}},
		{"extractor is fine", "FROM registry.example.com/ubi9 AS extractor\nFROM configs AS final\nRUN ostree container commit\n", nil},
	})
}
