package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL107ArgNoDefault(t *testing.T) {
	runRuleTable(t, rules.OCL107.ID, []ruleCase{
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
		{"meta arg in FROM: auto reads it as out-of-cluster", "ARG BASE\nFROM $BASE AS final\nRUN ostree container commit\n", nil},
		{"used in heredoc", "FROM configs AS final\nARG V\nRUN <<EOF\necho $V\nEOF\n", []int{2}},
		{"used in COPY", "FROM configs AS final\nARG SRC\nCOPY --from=img $SRC /x\n", []int{2}},
	})
}

// Build arguments are the user's own out of the cluster: only on-cluster
// content is judged.
func TestOCL107Targets(t *testing.T) {
	src := "ARG BASE\nFROM $BASE AS final\nRUN ostree container commit\n"
	runRuleTableFor(t, rules.OCL107.ID, rules.OnCluster, []ruleCase{{"meta arg in FROM", src, []int{1}}})
	runRuleTableFor(t, rules.OCL107.ID, rules.OutOfCluster, []ruleCase{{"meta arg in FROM", src, nil}})
	runRuleTableFor(t, rules.OCL107.ID, rules.Bootc, []ruleCase{{"meta arg in FROM", src, nil}})
}
