package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL217RhsmHost(t *testing.T) {
	runRuleTable(t, rules.OCL217.ID, []ruleCase{
		{"good", good, nil},
		{"removed, kept out", "FROM configs AS final\nRUN rm -rf /etc/rhsm-host && rpm-ostree install buildah && ostree container commit\n", []int{2}},
		{"removed and restored (the operator's entitled test)", "FROM configs AS final\nRUN rm -rf /etc/rhsm-host && \\\n  rpm-ostree install buildah && \\\n  ln -s /run/secrets/rhsm /etc/rhsm-host && \\\n  ostree container commit\n", nil},
		{"restored in a later RUN", "FROM configs AS final\nRUN rm -f /etc/rhsm-host && rpm-ostree install buildah && ostree container commit\nRUN ln -sf /run/secrets/rhsm /etc/rhsm-host\n", nil},
		{"moved away", "FROM configs AS final\nRUN mv /etc/rhsm-host /etc/rhsm-host.bak && dnf install -y x && dnf clean all && ostree container commit\n", []int{2}},
		{"builder stage", "FROM registry.example.com/ubi9 AS builder\nRUN rm -rf /etc/rhsm-host && dnf install -y gcc\nFROM configs AS final\n", nil},
	})
}
