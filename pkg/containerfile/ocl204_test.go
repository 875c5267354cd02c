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
