package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL204WritesVar(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL204.ID, []ruleCase{
		{"good", good, nil},
		{"redirect", f("echo x > /var/lib/foo/conf"), []int{2}},
		{"append", f("echo x >> /var/log/x.log"), []int{2}},
		{"mkdir", f("mkdir -p /var/lib/app"), []int{2}},
		{"cp", f("cp /usr/share/x /var/lib/x"), []int{2}},
		{"removed afterwards", f("mkdir -p /var/cache/build && make -C /var/cache/build && rm -rf /var/cache/build"), nil},
		{"removed by glob", f("echo x > /var/tmp/x && rm -rf /var/tmp/*"), nil},
		{"etc is fine", f("echo x > /etc/foo.conf && mkdir -p /usr/lib/foo"), nil},
		{"relative", f("echo x > var/x"), nil},
		{"tee", f("echo x | tee /var/lib/x"), []int{2}},
		{"copy to var", "FROM configs AS final\nCOPY --from=img /x /var/lib/x\nRUN ostree container commit\n", []int{2}},
		{"curl -o", f("curl -fsSLo /usr/bin/x https://x && curl -o /var/opt/y https://y"), []int{2}},
		{"cleaned path", f("mkdir /var//lib/../lib/z"), []int{2}},
	})
}

// The documented workaround for packages that install into /opt (a link
// into /var/opt on RHCOS): make /var/opt, install, move the content to
// /usr, link it back with tmpfiles.d. Neither the mkdir nor the move is a
// write that stays in /var.
func TestOCL204VarOptWorkaround(t *testing.T) {
	runRuleTable(t, rules.OCL204.ID, []ruleCase{
		{"moved to /usr", "FROM configs AS final\nRUN mkdir -p /var/opt && dnf install -y vendor-agent && \\\n    mv /var/opt/vendor /usr/lib/vendor && dnf clean all && ostree container commit\n", nil},
		{"with a tmpfiles.d link", "FROM configs AS final\nRUN mkdir -p /var/opt && dnf install -y vendor-agent && mv /var/opt/vendor /usr/lib/vendor && \\\n    echo 'L+ /var/opt/vendor - - - - /usr/lib/vendor' > /usr/lib/tmpfiles.d/vendor.conf && ostree container commit\n", nil},
		{"tmpfiles.d alone covers a made directory", "FROM configs AS final\nRUN mkdir -p /var/lib/app && echo 'd /var/lib/app 0755 root root -' > /usr/lib/tmpfiles.d/app.conf && ostree container commit\n", nil},
		{"made and left", "FROM configs AS final\nRUN mkdir -p /var/opt/vendor && cp /usr/share/x /var/opt/vendor/x && ostree container commit\n", []int{2, 2}},
		{"builder stage", "FROM registry.example.com/ubi9 AS builder\nRUN mkdir -p /var/lib/build && make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\n", nil},
	})
}
