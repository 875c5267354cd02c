package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL207FinalNonRoot(t *testing.T) {
	runRuleTable(t, rules.OCL207.ID, []ruleCase{
		{"good", good, nil},
		{"ends as 1000", good + "USER 1000\n", []int{3}},
		{"back to root", "FROM configs AS final\nUSER 1000\nUSER root\n", nil},
		{"inherited", "FROM configs AS base\nUSER core\nFROM base AS final\nRUN ostree container commit\n", []int{2}},
		{"other stage", "FROM registry.example.com/ubi9 AS builder\nUSER 1000\n" + good, nil},
	})
}
