package containerfile

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL216RepoFiles(t *testing.T) {
	runRuleTable(t, rules.OCL216.ID, []ruleCase{
		{"good", good, nil},
		{"epel-release kept", "FROM configs AS final\nRUN dnf install -y epel-release && dnf install -y htop && dnf clean all && ostree container commit\n", []int{2}},
		{"epel-release removed", "FROM configs AS final\nRUN dnf install -y epel-release && dnf install -y htop && dnf remove -y epel-release && dnf clean all && ostree container commit\n", nil},
		{"epel by URL", "FROM configs AS final\nRUN rpm -ivh https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm && ostree container commit\n", []int{2}},
		{"COPY of a repo file", "FROM configs AS final\nCOPY --from=quay.io/example/repos:1 /vendor.repo /etc/yum.repos.d/vendor.repo\nRUN dnf install -y vendor-agent && dnf clean all && ostree container commit\n", []int{2}},
		{"COPY of a repo file, removed", "FROM configs AS final\nCOPY --from=quay.io/example/repos:1 /vendor.repo /etc/yum.repos.d/vendor.repo\nRUN dnf install -y vendor-agent && rm -f /etc/yum.repos.d/vendor.repo && dnf clean all && ostree container commit\n", nil},
		{"a builder stage's repos copied in", "FROM quay.io/centos/centos:stream9 AS centos\nRUN dnf install -y epel-release\nFROM configs AS final\nCOPY --from=centos /etc/yum.repos.d /etc/yum.repos.d\nRUN rpm-ostree install cowsay && ostree container commit\n", []int{4}},
		{"written with a heredoc", "FROM configs AS final\nRUN cat > /etc/yum.repos.d/x.repo <<EOF && dnf install -y x && dnf clean all && ostree container commit\n[x]\nbaseurl=https://example.com/x\nEOF\n", []int{2}},
		{"config-manager --add-repo", "FROM configs AS final\nRUN dnf config-manager --add-repo https://example.com/x.repo && dnf install -y x && dnf clean all && ostree container commit\n", []int{2}},
		{"disabled afterwards", "FROM configs AS final\nRUN dnf config-manager --add-repo https://example.com/x.repo && dnf install -y x && sed -i 's/enabled=1/enabled=0/' /etc/yum.repos.d/x.repo && dnf clean all && ostree container commit\n", nil},
		{"subscription-manager register", "FROM configs AS final\nRUN subscription-manager register --org=1 --activationkey=k && dnf install -y x && dnf clean all && ostree container commit\n", []int{2}},
		{"and unregister", "FROM configs AS final\nRUN subscription-manager register --org=1 --activationkey=k && dnf install -y x && subscription-manager unregister && dnf clean all && ostree container commit\n", nil},
		{"curl -LO in the repos directory", "FROM quay.io/fedora/fedora-coreos:stable\nRUN cd /etc/yum.repos.d/ && curl -LO https://pkgs.example.com/stable/fedora/x.repo && rpm-ostree install x && ostree container commit\n", []int{2}},
		{"builder stage", "FROM quay.io/centos/centos:stream9 AS builder\nRUN dnf install -y epel-release && dnf install -y gcc\nFROM configs AS final\n", nil},
	})
	// On the cluster a RUN writes into the mounted ConfigMap when one exists:
	// the message says so.
	fs, _ := LintContent("Containerfile", "FROM configs AS final\nRUN dnf install -y epel-release && ostree container commit\n", Options{})
	for _, f := range fs {
		if f.Rule == rules.OCL216.ID && !strings.Contains(f.Message, "ConfigMap") {
			t.Errorf("message: %s", f.Message)
		}
	}
}
