package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/fixture"
)

// asCLIEnv makes this test binary act as ocl-build itself, so the demo
// scripts can call it as "$OCL_BUILD" without a second build and link.
const asCLIEnv = "OCL_BUILD_TEST_AS_CLI"

func init() {
	if os.Getenv(asCLIEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
}

// The offline steps of `make demo` (hack/demo.d/10-lint.sh, 20-render.sh,
// 30-manifests.sh) run as written against the current flags: a flag
// renamed in the CLI but not in a demo script (as -o FILE became
// --output-file) fails here, not first in an admin's `make demo`. The
// steps that need root, the fixture registry or the cluster run in
// `make demo` and are covered by their own end-to-end tests.
func TestOfflineDemoScripts(t *testing.T) {
	for _, tool := range []string{"bash", "jq", "gunzip", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed by the demo scripts (hack/apt/base.txt): %v", tool, err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root, err := fixture.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The scripts and the files they hand the CLI are read by other
	// processes, which go test's result cache does not see: read them here
	// too, so editing one reruns the test instead of replaying a cached ok.
	for _, p := range []string{"hack/demo.d", "Containerfile.example", "testdata/containerfiles", "testdata/render", "testdata/pullsecrets", "testdata/manifests"} {
		err := filepath.WalkDir(filepath.Join(root, p), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			_, err = os.ReadFile(path)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		script string
		// want: lines the step must print; exit2: how many of its commands
		// must end with exit 2 (the deliberate bad-input examples).
		want  []string
		exit2 int
	}{
		{"10-lint.sh", []string{"== examples with mistakes", "OCL"}, 1},
		{"20-render.sh", []string{"machineconfig/machineconfig.json.gz", "FROM "}, 0},
		{"30-manifests.sh", []string{"same as jq", "-rw------- ", "kind: MachineOSConfig", "clean"}, 0},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.script, ".sh"), func(t *testing.T) {
			cmd := exec.Command("bash", filepath.Join(root, "hack", "demo.d", c.script))
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "OCL_BUILD="+self, asCLIEnv+"=1", "TMPDIR="+t.TempDir())
			out, err := cmd.CombinedOutput()
			text := string(out)
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.script, err, lastLines(text, 40))
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s printed no %q\n%s", c.script, w, lastLines(text, 40))
				}
			}
			if n := strings.Count(text, "(exit 2)"); n != c.exit2 {
				t.Errorf("%s: %d commands ended with exit 2, want %d (a refused flag?)\n%s", c.script, n, c.exit2, text)
			}
			if strings.Contains(text, "unknown flag") || strings.Contains(text, "is the output format now") {
				t.Errorf("%s uses a flag the CLI refuses:\n%s", c.script, text)
			}
		})
	}
}
