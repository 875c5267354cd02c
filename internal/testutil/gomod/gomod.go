// Package gomod finds dependency modules in the module cache for tests. It
// stands apart from testutil, which imports the container libraries, so the
// fuzzing build of a package using it (hack/fuzz.sh) stays small.
package gomod

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
)

var (
	moduleDirsMu sync.Mutex
	moduleDirs   = map[string]string{}
)

// Dir is the module cache directory of the dependency modPath (for
// the real test data that ships with it: go-rpmdb's databases, openshift/api's
// CRD test suites). It runs the `go` that `go test` puts first on PATH.
func Dir(t testing.TB, modPath string) string {
	t.Helper()
	moduleDirsMu.Lock()
	defer moduleDirsMu.Unlock()
	if d, ok := moduleDirs[modPath]; ok {
		return d
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", modPath).Output()
	d := strings.TrimSpace(string(out))
	if err != nil || d == "" {
		t.Fatalf("cannot locate %s in the module cache (run go mod download): %v", modPath, err)
	}
	moduleDirs[modPath] = d
	return d
}
