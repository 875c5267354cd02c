package containerfile

import (
	"fmt"
	"strings"
	"testing"
)

func TestOCL100Parse(t *testing.T) {
	runRuleTable(t, RuleParse, []ruleCase{
		{"good", good, nil},
		{"unknown instruction", "FROM configs AS final\nFOO bar\n", []int{2}},
		{"unterminated heredoc", "FROM configs AS final\nRUN <<EOF\necho hi\n", []int{2}},
		{"bad shell", "FROM configs AS final\nRUN if true; then echo x\n", []int{2}},
		{"unknown flag", "FROM configs AS final\nCOPY --nosuch=x --from=a /a /b\n", []int{2}},
		{"shell with comment line in continuation", "FROM configs AS final\nRUN dnf install -y \\\n# autofs\n    sssd && dnf clean all && ostree container commit\n", nil},
		{"malformed pragma", "FROM configs AS final\n# ocl-build ignore=202\n" + good[22:], []int{2}},
	})
}

func TestOCL101NoFrom(t *testing.T) {
	runRuleTable(t, RuleNoFrom, []ruleCase{
		{"good", good, nil},
		{"run only", "RUN dnf install -y x && dnf clean all && ostree container commit\n", []int{1}},
		{"arg then run", "ARG X=1\nRUN echo $X\n", []int{1}},
		{"comments only", "# nothing here\n# at all\n", []int{1}},
		{"from lower case", "from configs as final\nrun ostree container commit\n", nil},
	})
}

func TestOCL102NotFromConfigs(t *testing.T) {
	runRuleTable(t, RuleNotFromConfigs, []ruleCase{
		{"good", good, nil},
		{"via earlier stage", "FROM configs AS base\nRUN echo a\nFROM base AS final\nRUN ostree container commit\n", nil},
		{"builder first", "FROM registry.example.com/ubi9 AS builder\nRUN make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\nRUN ostree container commit\n", nil},
		{"image base", "FROM quay.io/fedora/fedora-coreos:stable AS final\nRUN ostree container commit\n", []int{1}},
		{"builder last", "FROM configs AS final\nRUN ostree container commit\nFROM registry.example.com/ubi9 AS builder\nRUN make\n", []int{3}},
		{"chain to image", "FROM registry.example.com/ubi9 AS base\nFROM base AS final\nRUN ostree container commit\n", []int{2}},
		{"meta ARG default", "ARG BASE=configs\nFROM ${BASE} AS final\nRUN ostree container commit\n", nil},
		{"meta ARG fallback", "ARG BASE\nFROM ${BASE:-configs} AS final\nRUN ostree container commit\n", nil},
		{"meta ARG to an image", "ARG BASE=quay.io/x/y\nFROM $BASE AS final\nRUN ostree container commit\n", []int{2}},
		{"stage name in other case", "FROM configs AS Base\nFROM base AS final\nRUN ostree container commit\n", nil},
	})
}

func TestOCL103TooLong(t *testing.T) {
	long := "FROM configs AS final\nRUN echo " + strings.Repeat("x", 4100) + " && ostree container commit\n"
	exact := "FROM configs AS final\nRUN ostree container commit # " + strings.Repeat("é", 4096-53) + "\n"
	if n := len([]rune(exact)); n != 4096 {
		t.Fatalf("test setup: exact is %d characters", n)
	}
	runRuleTable(t, RuleTooLong, []ruleCase{
		{"good", good, nil},
		{"4096 characters (multi-byte) is fine", exact, nil},
		{"over the limit", long, []int{2}},
	})
	_, fs := lintLines(t, RuleTooLong, long)
	for _, f := range fs {
		if f.Rule == RuleTooLong && !strings.Contains(f.Message, fmt.Sprintf("%d characters", len([]rune(long)))) {
			t.Errorf("message should carry the length: %s", f.Message)
		}
	}
}

func TestOCL104CopyContext(t *testing.T) {
	runRuleTable(t, RuleCopyContext, []ruleCase{
		{"good", good, nil},
		{"copy from context", "FROM configs AS final\nCOPY ./motd /etc/motd\nRUN ostree container commit\n", []int{2}},
		{"two sources", "FROM configs AS final\nCOPY a b /etc/\nRUN ostree container commit\n", []int{2, 2}},
		{"copy --from=builder", "FROM registry.example.com/ubi9 AS builder\nRUN make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\nRUN ostree container commit\n", nil},
		{"copy --from image", "FROM configs AS final\nCOPY --from=quay.io/x/y:1 /bin/z /usr/bin/z\nRUN ostree container commit\n", nil},
		{"copy heredoc", "FROM configs AS final\nCOPY <<EOF /etc/motd\nhello\nEOF\nRUN ostree container commit\n", nil},
		{"add url", "FROM configs AS final\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/x.tgz /tmp/\nRUN ostree container commit\n", nil},
		{"add local", "FROM configs AS final\nADD files.tar /usr/\nRUN ostree container commit\n", []int{2}},
		{"run bind mount of context", "FROM configs AS final\nRUN --mount=type=bind,target=/src cp /src/x /usr/bin/ && ostree container commit\n", []int{2}},
		{"run bind mount from stage", "FROM configs AS final\nRUN --mount=type=bind,from=builder,target=/src cp /src/x /usr/bin/ && ostree container commit\n", nil},
	})
}

func TestOCL105ReservedStage(t *testing.T) {
	runRuleTable(t, RuleReservedStage, []ruleCase{
		{"good", good, nil},
		{"configs", "FROM registry.example.com/ubi9 AS configs\nFROM configs AS final\nRUN ostree container commit\n", []int{1}},
		{"extract upper case", "FROM registry.example.com/ubi9 AS Extract\nFROM configs AS final\nRUN ostree container commit\n", []int{1}},
		{"extractor is fine", "FROM registry.example.com/ubi9 AS extractor\nFROM configs AS final\nRUN ostree container commit\n", nil},
	})
}

func TestOCL106PromptingPM(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + "\n" }
	runRuleTable(t, RulePromptingPM, []ruleCase{
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

func TestOCL107ArgNoDefault(t *testing.T) {
	runRuleTable(t, RuleArgNoDefault, []ruleCase{
		{"good", good, nil},
		{"used in run", "FROM configs AS final\nARG VERSION\nRUN dnf install -y foo-$VERSION && ostree container commit\n", []int{2}},
		{"braces", "FROM configs AS final\nARG VERSION\nRUN echo ${VERSION}\n", []int{2}},
		{"with default", "FROM configs AS final\nARG VERSION=1.2\nRUN echo $VERSION\n", nil},
		{"fallback at use", "FROM configs AS final\nARG VERSION\nRUN echo ${VERSION:-1}\n", nil},
		{"unused", "FROM configs AS final\nARG VERSION\nRUN echo hi\n", nil},
		{"prefix of another name", "FROM configs AS final\nARG V\nRUN echo $VERSION\n", nil},
		{"proxy is passed", "FROM configs AS final\nARG HTTP_PROXY\nRUN echo $HTTP_PROXY\n", nil},
		{"platform is set by buildah", "FROM configs AS final\nARG TARGETARCH\nRUN echo $TARGETARCH\n", nil},
		{"global default inherited", "ARG V=1\nFROM configs AS final\nARG V\nRUN echo $V\n", nil},
		{"meta arg in FROM", "ARG BASE\nFROM $BASE AS final\nRUN ostree container commit\n", []int{1}},
		{"used in heredoc", "FROM configs AS final\nARG V\nRUN <<EOF\necho $V\nEOF\n", []int{2}},
		{"used in COPY", "FROM configs AS final\nARG SRC\nCOPY --from=img $SRC /x\n", []int{2}},
	})
}

func TestOCL108PMAsNonRoot(t *testing.T) {
	runRuleTable(t, RulePMAsNonRoot, []ruleCase{
		{"good", good, nil},
		{"after USER 1000", "FROM configs AS final\nUSER 1000\nRUN dnf install -y x\n", []int{3}},
		{"back to root", "FROM configs AS final\nUSER 1000\nUSER root\nRUN dnf install -y x\n", nil},
		{"root:root", "FROM configs AS final\nUSER 0:0\nRUN dnf install -y x\n", nil},
		{"rpm -ivh", "FROM configs AS final\nUSER core\nRUN rpm -ivh /tmp/x.rpm\n", []int{3}},
		{"query is fine", "FROM configs AS final\nUSER core\nRUN rpm -qa && dnf list installed\n", nil},
		{"inherited from parent stage", "FROM configs AS base\nUSER 1000\nFROM base AS final\nRUN rpm-ostree install x\n", []int{4}},
		{"sudo", "FROM configs AS final\nUSER core\nRUN sudo dnf install -y x\n", nil},
	})
}
