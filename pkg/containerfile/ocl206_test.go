package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL206NoEffect(t *testing.T) {
	runRuleTable(t, rules.OCL206.ID, []ruleCase{
		{"good", good, nil},
		{"cmd", good + "CMD [\"/bin/bash\"]\n", []int{3}},
		{"entrypoint expose", good + "ENTRYPOINT [\"/x\"]\nEXPOSE 80\n", []int{3, 4}},
		{"volume healthcheck stopsignal", good + "VOLUME /data\nHEALTHCHECK NONE\nSTOPSIGNAL SIGTERM\n", []int{3, 4, 5}},
		{"earlier stage", "FROM registry.example.com/ubi9 AS builder\nCMD [\"x\"]\n" + good, nil},
	})
}
