package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL209SecretName(t *testing.T) {
	runRuleTable(t, rules.OCL209.ID, []ruleCase{
		{"good", good, nil},
		{"env password", "FROM configs AS final\nENV DB_PASSWORD=x\n", []int{2}},
		{"arg token in the final stage", "FROM configs AS final\nARG GITHUB_TOKEN=x\n", []int{2}},
		{"meta arg token (only FROM sees it)", "ARG GITHUB_TOKEN=x\nFROM configs AS final\n", nil},
		{"builder stage token does not ship", "FROM registry.example.com/ubi9 AS builder\nENV GITHUB_TOKEN=x\nRUN make\nFROM configs AS final\nCOPY --from=builder /out /usr/bin/x\n", nil},
		{"api key camel", "FROM configs AS final\nARG apiKey=1\n", []int{2}},
		{"secret", "FROM configs AS final\nENV CLIENT_SECRET x\n", []int{2}},
		{"public key", "FROM configs AS final\nENV GPG_PUBLIC_KEY=x\n", nil},
		{"key file path", "FROM configs AS final\nENV SSL_KEY_FILE=/etc/pki/x.key\n", nil},
		{"keyboard", "FROM configs AS final\nENV KEYBOARD=us PWD_HINT=x\n", nil},
	})
}
