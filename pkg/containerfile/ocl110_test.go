package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL110OstreeCommit(t *testing.T) {
	runRuleTable(t, rules.OCL110.ID, []ruleCase{
		{"good", good, nil},
		{"ostree commit", "FROM configs AS final\nRUN rpm-ostree install tree && ostree commit\n", []int{2}},
		{"ostree commit with a branch but no repo", "FROM configs AS final\nRUN ostree commit -b main /usr\n", []int{2}},
		{"a repository of its own", "FROM registry.example.com/ubi9 AS builder\nRUN ostree --repo=/srv/repo init && ostree commit --repo=/srv/repo -b main /out\n", nil},
		{"ostree container commit", "FROM configs AS final\nRUN rpm-ostree install tree && ostree container commit\n", nil},
		{"inside sh -c", "FROM configs AS final\nRUN sh -c 'rpm-ostree install tree && ostree commit'\n", []int{2}},
	})
}
