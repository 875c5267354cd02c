package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL213Pipefail(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL213.ID, []ruleCase{
		{"good", good, nil},
		{"pipe", f("rpm -qa | sort > /usr/share/pkgs"), []int{2}},
		{"pipefail first", f("set -o pipefail && rpm -qa | sort > /usr/share/pkgs"), nil},
		{"set -euo pipefail", f("set -euo pipefail; rpm -qa | sort"), nil},
		{"pipefail after the pipe", f("rpm -qa | sort && set -o pipefail"), []int{2}},
		{"or is not a pipe", f("test -f /x || true"), nil},
		{"SHELL with pipefail", "FROM configs AS final\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN rpm -qa | sort && ostree container commit\n", nil},
		{"bash -o pipefail -c", f("bash -o pipefail -c 'rpm -qa | sort'"), nil},
		{"pipe on continuation line", "FROM configs AS final\nRUN rpm -qa \\\n  | sort && ostree container commit\n", []int{3}},
		{"pipe inside heredoc", "FROM configs AS final\nRUN <<EOF\nrpm -qa | sort\nostree container commit\nEOF\n", []int{3}},
	})
}

// A pipe whose left side cannot fail has nothing for pipefail to catch.
func TestOCL213HarmlessPipes(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, rules.OCL213.ID, []ruleCase{
		{"echo | cut", f("V=$(echo \"$X\" | cut -d. -f1)"), nil},
		{"printf | tee", f("printf 'a\\n' | tee /etc/a"), nil},
		{"echo | cut then rpm | sort", f("echo a | cut -c1 && rpm -qa | sort"), []int{2}},
		{"builder stage still checked", "FROM registry.example.com/ubi9 AS builder\nRUN curl -fsSL https://x | tar -xz\nFROM configs AS final\nCOPY --from=builder /x /usr/bin/x\n", []int{2}},
	})
}
