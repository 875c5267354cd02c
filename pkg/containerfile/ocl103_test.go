package containerfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL103TooLong(t *testing.T) {
	long := "FROM configs AS final\nRUN echo " + strings.Repeat("x", 4100) + " && ostree container commit\n"
	exact := "FROM configs AS final\nRUN ostree container commit # " + strings.Repeat("é", 4096-53) + "\n"
	if n := len([]rune(exact)); n != 4096 {
		t.Fatalf("test setup: exact is %d characters", n)
	}
	runRuleTable(t, rules.OCL103.ID, []ruleCase{
		{"good", good, nil},
		{"4096 characters (multi-byte) is fine", exact, nil},
		{"over the limit", long, []int{2}},
	})
	_, fs := lintLines(t, rules.OCL103.ID, long)
	for _, f := range fs {
		if f.Rule == rules.OCL103.ID && !strings.Contains(f.Message, fmt.Sprintf("%d characters", len([]rune(long)))) {
			t.Errorf("message should carry the length: %s", f.Message)
		}
	}
}
