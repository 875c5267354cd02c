package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL215Leftovers(t *testing.T) {
	runRuleTable(t, rules.OCL215.ID, []ruleCase{
		{"good", good, nil},
		{"curl -o kept", "FROM configs AS final\nRUN curl -fsSLo /root/tool.rpm https://example.com/tool.rpm && rpm -i /root/tool.rpm && ostree container commit\n", []int{2}},
		{"curl -o removed", "FROM configs AS final\nRUN curl -fsSLo /root/tool.rpm https://example.com/tool.rpm && rpm -i /root/tool.rpm && rm -f /root/tool.rpm && ostree container commit\n", nil},
		{"into /tmp, then commit", "FROM configs AS final\nRUN curl -fsSLo /tmp/tool.rpm https://example.com/tool.rpm && rpm -i /tmp/tool.rpm && ostree container commit\n", nil},
		{"into /tmp, no commit", "FROM configs AS final\nRUN curl -fsSLo /tmp/tool.rpm https://example.com/tool.rpm && rpm -i /tmp/tool.rpm\n", []int{2}},
		{"curl -O in WORKDIR", "FROM configs AS final\nWORKDIR /opt/dl\nRUN curl -LO https://example.com/pkg/tool-1.0.tar.gz && tar -xzf tool-1.0.tar.gz -C /usr/local && ostree container commit\n", []int{3}},
		{"curl -O after cd, removed by glob", "FROM configs AS final\nRUN cd /root && curl -LO https://example.com/tool-1.0.tar.gz && tar -xzf tool-1.0.tar.gz -C /usr/local && rm -f /root/*.tar.gz && ostree container commit\n", nil},
		{"wget -P", "FROM configs AS final\nRUN wget -q -P /srv https://example.com/a.rpm && rpm -i /srv/a.rpm && ostree container commit\n", []int{2}},
		{"wget -O kept", "FROM configs AS final\nRUN wget -q -O /srv/a.rpm https://example.com/a.rpm && rpm -i /srv/a.rpm && ostree container commit\n", []int{2}},
		{"wget: the last -O wins (stdout)", "FROM configs AS final\nRUN wget -q -O /srv/a.tgz -O - https://example.com/a.tgz | tar -xz -C /usr/local && ostree container commit\n", nil},
		{"wget: the last -O wins (file)", "FROM configs AS final\nRUN wget -q -O - -O /srv/a.rpm https://example.com/a.rpm && rpm -i /srv/a.rpm && ostree container commit\n", []int{2}},
		{"wget to stdout", "FROM configs AS final\nRUN wget -qO- https://example.com/a.tgz | tar -xz -C /usr/local && ostree container commit\n", nil},
		{"curl to stdout", "FROM configs AS final\nRUN curl -fsSL https://example.com/a.tgz | tar -xz -C /usr/local && ostree container commit\n", nil},
		{"COPY of RPMs kept", "FROM configs AS final\nCOPY --from=quay.io/example/rpms:1 /rpms/*.rpm /srv/rpms/\nRUN rpm -i /srv/rpms/*.rpm && ostree container commit\n", []int{2}},
		{"COPY of RPMs removed later", "FROM configs AS final\nCOPY --from=quay.io/example/rpms:1 /rpms/*.rpm /srv/rpms/\nRUN rpm -i /srv/rpms/*.rpm && rm -rf /srv/rpms && ostree container commit\n", nil},
		{"bind mount from a stage", "FROM configs AS final\nRUN --mount=type=bind,from=quay.io/example/rpms:1,source=/rpms,target=/rpms rpm -i /rpms/*.rpm && ostree container commit\n", nil},
		{"dnf download kept", "FROM configs AS final\nRUN dnf download --destdir /srv/rpms autofs && ostree container commit\n", []int{2}},
		{"COPY of a glob into /tmp (no slash), removed", "FROM quay.io/fedora/fedora-coreos:stable\nCOPY --from=converter /tmp/x*.rpm /tmp\nRUN rpm-ostree install /tmp/x*.rpm && rm /tmp/x*.rpm && ostree container commit\n", nil},
		{"COPY of a glob into /tmp, commit wipes it", "FROM quay.io/fedora/fedora-coreos:stable\nCOPY --from=converter /tmp/x*.rpm /tmp\nRUN rpm-ostree install /tmp/x*.rpm && ostree container commit\n", nil},
		{"many downloads in one RUN: one finding", "FROM configs AS final\nRUN curl -O https://example.com/a.rpm && curl -O https://example.com/b.rpm && curl -O https://example.com/c.rpm && ostree container commit\n", []int{2}},
		{"a repo file is OCL216's", "FROM configs AS final\nRUN cd /etc/yum.repos.d && curl -LO https://example.com/x.repo && ostree container commit\n", nil},
		{"builder stage", "FROM registry.example.com/ubi9 AS builder\nRUN curl -fsSLo /src.tgz https://example.com/src.tgz && tar -xzf /src.tgz\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\n", nil},
	})
}
