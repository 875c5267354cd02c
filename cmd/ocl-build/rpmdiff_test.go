package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/testutil/gomod"
)

// rpmdiffTestDB is one of go-rpmdb's real databases, copied to a temp dir.
func rpmdiffTestDB(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(gomod.Dir(t, "github.com/anchore/go-rpmdb"), "pkg", "testdata", name)
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600)
	}
	return dst
}

func TestRpmdiffFormatsAndExitCode(t *testing.T) {
	a, b := rpmdiffTestDB(t, "centos7-plain"), rpmdiffTestDB(t, "centos7-httpd24")
	code, out, errOut := runCLI(t, "", "rpmdiff", "--no-cache", a, b)
	if code != 0 || !strings.Contains(out, "Added:\n") || !strings.Contains(out, "\n  httpd24-1.1-18.el7.x86_64\n") || !strings.Contains(out, "Upgraded:\n  audit-libs 2.8.1-3.el7_5.1 -> 2.8.4-4.el7\n") || !strings.HasSuffix(out, " added\n") {
		t.Fatalf("text: code=%d stderr=%q out=%q", code, errOut, out)
	}
	code, _, _ = runCLI(t, "", "rpmdiff", "--no-cache", "--exit-code", a, b)
	if code != exitFindings {
		t.Fatalf("--exit-code with changes: %d", code)
	}
	code, out, _ = runCLI(t, "", "rpmdiff", "--no-cache", "--exit-code", a, a)
	if code != 0 || !strings.Contains(out, "0 upgraded, 0 downgraded, 0 removed, 0 added") {
		t.Fatalf("--exit-code without changes: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "rpmdiff", "--no-cache", "--format", "json", a, b)
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Base          struct {
			RpmdbFormat  string `json:"rpmdbFormat"`
			PackageCount int    `json:"packageCount"`
		} `json:"base"`
		Summary struct{ Added int } `json:"summary"`
		Added   []struct {
			Name    string `json:"name"`
			Epoch   *int   `json:"epoch"`
			Version string `json:"version"`
			Arch    string `json:"arch"`
			NEVRA   string `json:"nevra"`
		} `json:"added"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.SchemaVersion != 1 || doc.Base.RpmdbFormat != "bdb" ||
		doc.Summary.Added == 0 || len(doc.Added) != doc.Summary.Added || doc.Added[0].NEVRA == "" || doc.Base.PackageCount < 100 {
		t.Fatalf("json: code=%d %+v\n%s", code, doc, out)
	}
	code, out, _ = runCLI(t, "", "rpmdiff", "--no-cache", "--format", "markdown", a, b)
	if code != 0 || !strings.Contains(out, "| Change | Package | Arch | From | To |") || !strings.Contains(out, "| added | httpd24") {
		t.Fatalf("markdown: %d %q", code, out)
	}
}

func TestRpmdiffErrorsAreOneLineExit2(t *testing.T) {
	good := rpmdiffTestDB(t, "fedora35")
	bad := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	os.WriteFile(bad, []byte("SQLite format 3\x00 truncated"), 0o600)
	for _, args := range [][]string{
		{"rpmdiff", "--no-cache", good, "/no/such/image"},
		{"rpmdiff", "--no-cache", "oci:/no/such/layout:latest", good},
		{"rpmdiff", "--no-cache", good, bad},
		{"rpmdiff", "--no-cache", "-o", "xml", good, good},
		{"inspect", "--no-cache", "docker-archive:/no/such.tar"},
	} {
		code, out, errOut := runCLI(t, "", args...)
		if code != exitInput || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ocl-build: ") {
			t.Errorf("%v: code=%d stdout=%q stderr=%q", args, code, out, errOut)
		}
	}
	_, _, errOut := runCLI(t, "", "rpmdiff", "--no-cache", good, bad)
	if !strings.Contains(errOut, bad) || !strings.Contains(errOut, "corrupt or truncated") {
		t.Errorf("corrupt database error should name it: %q", errOut)
	}
}

func TestInspectLocalRpmdb(t *testing.T) {
	dir := rpmdiffTestDB(t, "rockylinux-9")
	code, out, errOut := runCLI(t, "", "inspect", "--no-cache", "--format", "json", dir)
	var in struct {
		Kind         string `json:"kind"`
		PackageCount int    `json:"packageCount"`
		RPMDB        struct {
			Format string `json:"format"`
		} `json:"rpmdb"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &in) != nil || in.Kind != "rpmdb-dir" || in.PackageCount < 100 || in.RPMDB.Format != "sqlite" {
		t.Fatalf("code=%d stderr=%q %+v", code, errOut, in)
	}
	code, out, _ = runCLI(t, "", "inspect", "--no-cache", dir)
	if code != 0 || !strings.Contains(out, "RPM database:") || !strings.Contains(out, "(sqlite)") {
		t.Fatalf("text: %d %q", code, out)
	}
}
