package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL106PromptingPM(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + "\n" }
	runRuleTable(t, rules.OCL106.ID, []ruleCase{
		{"good", good, nil},
		{"install without -y", f("dnf install autofs && dnf clean all"), []int{2}},
		{"yum remove", f("yum remove foo"), []int{2}},
		{"-y after package", f("dnf install autofs -y"), nil},
		{"--assumeyes", f("dnf --assumeyes install autofs"), nil},
		{"cluster -qy", f("dnf -qy install autofs"), nil},
		{"setopt", f("dnf --setopt=assumeyes=True install autofs"), nil},
		{"-x takes a value", f("dnf -x y install autofs"), []int{2}},
		{"sh -c without -y", f("sh -c 'dnf install autofs'"), []int{2}},
		{"sh -c with -y", f("sh -c 'dnf install -y autofs'"), nil},
		{"bash -ec", f(`bash -ec "dnf upgrade foo"`), []int{2}},
		{"heredoc", "FROM configs AS final\nRUN <<EOF\nset -e\ndnf install autofs\nEOF\n", []int{4}},
		{"continuation second line", "FROM configs AS final\nRUN true && \\\n    dnf install autofs\n", []int{3}},
		{"exec form", "FROM configs AS final\nRUN [\"dnf\", \"install\", \"autofs\"]\n", []int{2}},
		{"exec form -y", "FROM configs AS final\nRUN [\"dnf\", \"install\", \"-y\", \"autofs\"]\n", nil},
		{"microdnf never prompts", f("microdnf install autofs"), nil},
		{"read-only subcommands", f("dnf list installed && dnf repolist && dnf clean all && dnf makecache"), nil},
		{"group install", f("dnf group install 'Development Tools'"), []int{2}},
		{"groupinstall -y", f("dnf -y groupinstall 'Development Tools'"), nil},
		{"sudo", f("sudo dnf install autofs"), []int{2}},
		{"yes piped", f("yes | dnf install autofs"), nil},
		{"in a subshell", f("(cd /tmp; dnf install x)"), []int{2}},
		{"escape directive backtick", "# escape=`\nFROM configs AS final\nRUN dnf install `\n    autofs\n", []int{3}},
		{"mount flag then continuation", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf \\\n    dnf install autofs\n", []int{3}},
		{"if block", f("if true; then dnf install x; fi"), []int{2}},
		{"function", f("inst() { dnf install \"$@\"; }; inst x"), []int{2}},
		{"command substitution", f("echo $(dnf install x)"), []int{2}},
	})
}
