package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL208RemoteCode(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL208.ID, []ruleCase{
		{"good", good, nil},
		{"curl | sh", f("curl -fsSL https://x/install.sh | sh"), []int{2}},
		{"wget | bash -s", f("wget -qO- https://x | bash -s -- --yes"), []int{2}},
		{"through tee", f("curl https://x | tee /tmp/i | sudo bash"), []int{2}},
		{"bash -c $(curl)", f(`bash -c "$(curl -fsSL https://x)"`), []int{2}},
		{"process substitution", f("bash <(curl -fsSL https://x)"), []int{2}},
		{"curl to file", f("curl -fsSLo /tmp/x.tgz https://x && tar -C /usr -xzf /tmp/x.tgz"), nil},
		{"curl | tar", f("curl -fsSL https://x | tar -xz -C /usr"), nil},
		{"add url", "FROM configs AS final\nADD https://example.com/x.sh /usr/bin/x\nRUN ostree container commit\n", []int{2}},
		{"add url with checksum", "FROM configs AS final\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.sh /usr/bin/x\nRUN ostree container commit\n", nil},
	})
}
