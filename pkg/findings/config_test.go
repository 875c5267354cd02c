package findings

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
ignored: [OCL212, ocl213]
override:
  OCL214: warning
  OCL210: none
failure-threshold: warning
`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Ignored, []string{"OCL212", "OCL213"}) || c.Override["OCL214"] != SeverityWarning ||
		c.Override["OCL210"] != SeverityNone || c.FailureThreshold == nil || *c.FailureThreshold != SeverityWarning {
		t.Fatalf("%+v", c)
	}
	if !reflect.DeepEqual(c.Enabled(), []string{"OCL214"}) {
		t.Fatalf("enabled %v", c.Enabled())
	}
	fs := c.Apply([]Finding{
		{Rule: "OCL212", Severity: SeverityInfo}, {Rule: "OCL210", Severity: SeverityInfo},
		{Rule: "OCL214", Severity: SeverityInfo}, {Rule: "OCL106", Severity: SeverityError},
	})
	if len(fs) != 2 || fs[0].Rule != "OCL214" || fs[0].Severity != SeverityWarning || fs[1].Rule != "OCL106" {
		t.Fatalf("apply: %+v", fs)
	}
	rules := c.ApplyRules([]Rule{{ID: "OCL214", Severity: SeverityInfo, OptIn: true}, {ID: "OCL106", Severity: SeverityError}})
	if rules[0].Severity != SeverityWarning || rules[0].OptIn || rules[1].Severity != SeverityError {
		t.Fatalf("rules: %+v", rules)
	}
}

func TestParseConfigHadolintShape(t *testing.T) {
	c, err := ParseConfig([]byte("override:\n  error: [OCL213]\n  info: [OCL204, OCL205]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Override["OCL213"] != SeverityError || c.Override["OCL205"] != SeverityInfo || c.FailureThreshold != nil {
		t.Fatalf("%+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		"ignored: [DL3008]\n":         `line 1: "DL3008" is not a rule ID`,
		"override:\n  OCL214: loud\n": "line 2: override OCL214: unknown severity",
		"failure-threshold: high\n":   "line 1: failure-threshold",
		"\nignore: [OCL212]\n":        `line 2: unknown key "ignore"`,
		"- a\n":                       "line 1: want a mapping",
		"override: [a]\n":             "line 1: override: want a mapping",
		"ignored: [\n":                "line 1: did not find",
	} {
		_, err := ParseConfig([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConfig(%q) = %v, want error with %q", src, err, want)
		}
	}
	if c, err := ParseConfig(nil); err != nil || c.FailureThreshold != nil {
		t.Errorf("empty config: %+v %v", c, err)
	}
}

func TestLoadAndFindConfig(t *testing.T) {
	dir := t.TempDir()
	if FindConfig(dir) != "" {
		t.Fatal("found a config in an empty dir")
	}
	p := filepath.Join(dir, ConfigFileName)
	if err := os.WriteFile(p, []byte("ignored: [OCL212]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if FindConfig(dir) != p {
		t.Fatal("config not found")
	}
	c, err := LoadConfig(p)
	if err != nil || c.Path != p || c.Ignored[0] != "OCL212" {
		t.Fatalf("%+v %v", c, err)
	}
	_ = os.WriteFile(p, []byte("ignored: x y\nbad: [\n"), 0o644)
	if _, err := LoadConfig(p); err == nil || !strings.HasPrefix(err.Error(), "config "+p+": ") {
		t.Fatalf("error must name the file: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestParsePragma(t *testing.T) {
	cases := []struct {
		in     string
		ok     bool
		global bool
		rules  []string
		err    bool
	}{
		{" ocl-build ignore=OCL202,OCL214", true, false, []string{"OCL202", "OCL214"}, false},
		{"ocl-build global ignore=OCL212", true, true, []string{"OCL212"}, false},
		{"ocl-build ignore = ocl202 , OCL106  (vendor repo)", true, false, []string{"OCL202", "OCL106"}, false},
		{"ocl-build ignore=all", true, false, []string{"all"}, false},
		{"just a comment", false, false, nil, false},
		{"ocl-build ignore=202", true, false, nil, true},
		{"ocl-build ignore=OCL202,", true, false, nil, true},
		{"ocl-build disable=OCL202", true, false, nil, true},
	}
	for _, c := range cases {
		p, ok, err := ParsePragma(c.in)
		if ok != c.ok || (err != nil) != c.err || p.Global != c.global || !reflect.DeepEqual(p.Rules, c.rules) {
			t.Errorf("ParsePragma(%q) = %+v %v %v", c.in, p, ok, err)
		}
	}
}

func TestSuppressions(t *testing.T) {
	var s Suppressions
	if !s.Empty() {
		t.Fatal("zero value not empty")
	}
	s.AddGlobal("OCL210")
	s.AddLines("f", 3, 5, "OCL202")
	fs := s.Filter([]Finding{
		{File: "f", Line: 1, Rule: "OCL210"}, {File: "f", Line: 4, Rule: "OCL202"},
		{File: "f", Line: 6, Rule: "OCL202"}, {File: "g", Line: 4, Rule: "OCL202"}, {File: "f", Line: 4, Rule: "OCL106"},
	})
	if len(fs) != 3 || fs[0].Line != 6 || fs[1].File != "g" || fs[2].Rule != "OCL106" {
		t.Fatalf("%+v", fs)
	}
}
