package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL104CopyContext(t *testing.T) {
	runRuleTable(t, rules.OCL104.ID, []ruleCase{
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
