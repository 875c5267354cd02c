package containerfile

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL102NotFromConfigs(t *testing.T) {
	runRuleTable(t, rules.OCL102.ID, []ruleCase{
		{"good", good, nil},
		{"via earlier stage", "FROM configs AS base\nRUN echo a\nFROM base AS final\nRUN ostree container commit\n", nil},
		{"builder first", "FROM registry.example.com/ubi9 AS builder\nRUN make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\nRUN ostree container commit\n", nil},
		{"plain image base", "FROM registry.access.redhat.com/ubi9/ubi AS final\nRUN ostree container commit\n", []int{1}},
		{"RHCOS base is out-of-cluster, not judged", "FROM quay.io/fedora/fedora-coreos:stable AS final\nRUN ostree container commit\n", nil},
		{"ARG base with no value is not judged", "ARG BASE\nFROM ${BASE}\nRUN rpm-ostree install tree && ostree container commit\n", nil},
		{"builder last", "FROM configs AS final\nRUN ostree container commit\nFROM registry.example.com/ubi9 AS builder\nRUN make\n", []int{3}},
		{"chain to image", "FROM registry.example.com/ubi9 AS base\nFROM base AS final\nRUN ostree container commit\n", []int{2}},
		{"meta ARG default", "ARG BASE=configs\nFROM ${BASE} AS final\nRUN ostree container commit\n", nil},
		{"meta ARG fallback", "ARG BASE\nFROM ${BASE:-configs} AS final\nRUN ostree container commit\n", nil},
		{"meta ARG to an image", "ARG BASE=quay.io/x/y\nFROM $BASE AS final\nRUN echo hi > /etc/hi\n", []int{2}},
		{"meta ARG to an image, ostree: out-of-cluster", "ARG BASE=quay.io/x/y\nFROM $BASE AS final\nRUN ostree container commit\n", nil},
		{"stage name in other case", "FROM configs AS Base\nFROM base AS final\nRUN ostree container commit\n", nil},
	})
}

// On the on-cluster target every base but configs is wrong, RHCOS
// included, and the message names the base as written when an ARG named
// it (never `descends from ""`).
func TestOCL102OnCluster(t *testing.T) {
	runRuleTableFor(t, rules.OCL102.ID, rules.OnCluster, []ruleCase{
		{"good", good, nil},
		{"RHCOS base", "FROM quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000\nRUN ostree container commit\n", []int{1}},
		{"ARG base with no value", "ARG BASE\nFROM ${BASE}\nRUN ostree container commit\n", nil},
	})
	fs, _ := LintContent("Containerfile", "ARG BASE\nFROM ${BASE} AS b\nFROM b\nRUN true\n", Options{Target: rules.OnCluster})
	for _, f := range fs {
		if strings.Contains(f.Message, `""`) {
			t.Errorf("empty name in %q", f.Message)
		}
	}
	fs, _ = LintContent("Containerfile", "ARG BASE=\nFROM ${BASE}\nRUN true\n", Options{Target: rules.OnCluster})
	for _, f := range fs {
		if f.Rule == rules.OCL102.ID && !strings.Contains(f.Message, "${BASE}") {
			t.Errorf("OCL102 should name ${BASE}: %q", f.Message)
		}
	}
}
