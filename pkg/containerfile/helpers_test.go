package containerfile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// ruleCase is one Containerfile and the lines where the rule must fire
// (nil: it must stay quiet).
type ruleCase struct {
	name string
	src  string
	want []int
}

// allOn enables the opt-in rules so their tables can run.
var allOn = Options{Enable: []string{rules.OCL214.ID}}

func lintLines(t *testing.T, rule, src string) ([]int, []findings.Finding) {
	t.Helper()
	fs, err := LintContent("Containerfile", src, allOn)
	if err != nil {
		t.Fatalf("LintContent: %v", err)
	}
	var lines []int
	for _, f := range fs {
		if f.Rule == rule {
			lines = append(lines, f.Line)
		}
	}
	return lines, fs
}

func runRuleTable(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	sawFire, sawQuiet := false, false
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, all := lintLines(t, rule, c.src)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s fired on lines %v, want %v\nsource:\n%s\nall findings:\n%s", rule, got, c.want, c.src, dump(all))
			}
		})
		if len(c.want) > 0 {
			sawFire = true
		} else {
			sawQuiet = true
		}
	}
	if !sawFire || !sawQuiet {
		t.Fatalf("%s table needs both failing and passing cases", rule)
	}
}

func dump(fs []findings.Finding) string {
	var b strings.Builder
	_ = findings.WriteText(&b, fs)
	return b.String()
}

// good is the documented form: it must pass every rule.
const good = "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all && ostree container commit\n"

// wantAt fails unless fs holds a finding of rule at line:col.
func wantAt(t *testing.T, fs []findings.Finding, rule string, line, col int) {
	t.Helper()
	for _, f := range fs {
		if f.Rule == rule {
			if f.Line != line || f.Column != col {
				t.Fatalf("%s at %d:%d, want %d:%d", rule, f.Line, f.Column, line, col)
			}
			return
		}
	}
	t.Fatalf("%s not found:\n%s", rule, dump(fs))
}

// runRuleTableFor is runRuleTable for one target (not auto).
func runRuleTableFor(t *testing.T, rule string, target rules.Target, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(string(target)+"/"+c.name, func(t *testing.T) {
			fs, err := LintContent("Containerfile", c.src, Options{Enable: allOn.Enable, Target: target})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, f := range fs {
				if f.Rule == rule {
					got = append(got, f.Line)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s fired on lines %v, want %v\nsource:\n%s\nall findings:\n%s", rule, got, c.want, c.src, dump(fs))
			}
		})
	}
}
