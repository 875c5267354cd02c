package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the command in-process, as a user would from a shell.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func TestVersionPrintsCommit(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "ocl-build ") || !strings.Contains(out, "commit ") {
		t.Fatalf("code=%d out=%q", code, out)
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	code, _, errOut := runCLI(t, "", "version", "--no-such-flag")
	if code != exitInput || !strings.Contains(errOut, "no-such-flag") {
		t.Fatalf("code=%d stderr=%q", code, errOut)
	}
}

func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(nil, &bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		if strings.TrimSpace(c.Example) == "" && len(c.Commands()) == 0 {
			t.Errorf("command %q has no --help examples", c.Name())
		}
		for _, sub := range c.Commands() {
			if strings.TrimSpace(sub.Example) == "" {
				t.Errorf("command %q %q has no --help examples", c.Name(), sub.Name())
			}
		}
	}
}

func TestCompletionBash(t *testing.T) {
	code, out, _ := runCLI(t, "", "completion", "bash")
	if code != 0 || !strings.Contains(out, "ocl-build") {
		t.Fatalf("completion: code=%d", code)
	}
}
