package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL100Parse(t *testing.T) {
	runRuleTable(t, rules.OCL100.ID, []ruleCase{
		{"good", good, nil},
		{"unknown instruction", "FROM configs AS final\nFOO bar\n", []int{2}},
		{"unterminated heredoc", "FROM configs AS final\nRUN <<EOF\necho hi\n", []int{2}},
		{"bad shell", "FROM configs AS final\nRUN if true; then echo x\n", []int{2}},
		{"unknown flag", "FROM configs AS final\nCOPY --nosuch=x --from=a /a /b\n", []int{2}},
		{"shell with comment line in continuation", "FROM configs AS final\nRUN dnf install -y \\\n# autofs\n    sssd && dnf clean all && ostree container commit\n", nil},
		{"malformed pragma", "FROM configs AS final\n# ocl-build ignore=202\n" + good[22:], []int{2}},
	})
}
