package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL201NoCommit(t *testing.T) {
	runRuleTable(t, rules.OCL201.ID, []ruleCase{
		{"good", good, nil},
		{"missing", "FROM configs AS final\nRUN dnf install -y x && dnf clean all\n", []int{2}},
		{"cleanup after the commit", "FROM configs AS final\nRUN dnf install -y x && ostree container commit && dnf clean all && rm -rf /var/cache/dnf\n", nil},
		{"install after the commit", "FROM configs AS final\nRUN ostree container commit && dnf install -y x && dnf clean all\n", []int{2}},
		{"cleanup RUN after the commit RUN", "FROM configs AS final\nRUN dnf install -y x && ostree container commit\nRUN rm -rf /var/cache/dnf\n", nil},
		{"no FROM", "RUN rpm-ostree install tree\n", []int{1}},
		{"bootc lint", "FROM configs AS final\nRUN dnf install -y x && dnf clean all && bootc container lint\n", nil},
		{"only in an earlier RUN", "FROM configs AS final\nRUN ostree container commit\nRUN echo x > /etc/x\n", []int{3}},
		{"copy only", "FROM configs AS final\nCOPY --from=img /x /usr/bin/x\n", nil},
		{"copy after the commit", "FROM configs AS final\nRUN dnf install -y x && dnf clean all && ostree container commit\nCOPY --from=img /x /usr/bin/x\n", nil},
		{"no changes", "FROM configs AS final\nLABEL a=b\n", nil},
		{"heredoc ends in commit", "FROM configs AS final\nRUN <<EOF\nset -e\ndnf install -y x\ndnf clean all\nostree container commit\nEOF\n", nil},
		{"sh -c ends in commit", "FROM configs AS final\nRUN sh -c 'dnf install -y x && dnf clean all && ostree container commit'\n", nil},
		{"exec form", "FROM configs AS final\nRUN [\"ostree\", \"container\", \"commit\"]\n", nil},
		{"earlier stage does not count", "FROM configs AS base\nRUN echo x\nFROM base AS final\nRUN echo y > /etc/y && ostree container commit\n", nil},
		{"semicolon chain", "FROM configs AS final\nRUN dnf install -y x; dnf clean all; ostree container commit\n", nil},
	})
}

// bootc discourages ostree container commit: the rule is not checked.
func TestOCL201NotForBootc(t *testing.T) {
	runRuleTableFor(t, rules.OCL201.ID, rules.Bootc, []ruleCase{
		{"no commit", "FROM quay.io/fedora/fedora-bootc:41\nRUN dnf install -y x && dnf clean all\n", nil},
	})
	runRuleTable(t, rules.OCL201.ID, []ruleCase{
		{"auto: bootc base", "FROM quay.io/fedora/fedora-bootc:41\nRUN dnf install -y x && dnf clean all\n", nil},
		{"auto: RHCOS base", "FROM quay.io/openshift-release-dev/ocp-v4.0-art-dev:latest\nRUN dnf install -y x && dnf clean all\n", []int{2}},
	})
}
