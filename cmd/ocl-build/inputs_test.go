package main

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/testutil"
)

// --mosc is read and decoded once: the cluster reader's look (for the pool)
// and load share the result, so standard input, read once, still works,
// and lint gets the very documents load decoded.
func TestMOSCReadOnce(t *testing.T) {
	stdin := strings.NewReader(testutil.MachineOSConfigYAML("infra", "registry.example.com/x/y:v1", "FROM configs AS final\nRUN true\n"))
	in := inputOptions{mosc: "-", baseImage: "registry.example.com/rhcos:x"}
	first, err := in.readMOSC(stdin)
	if err != nil {
		t.Fatal(err)
	}
	if stdin.Len() != 0 || len(first.moscs) != 1 || first.moscs[0].Name != "infra" {
		t.Fatalf("first read: %d bytes left, %d MachineOSConfigs", stdin.Len(), len(first.moscs))
	}
	again, err := in.readMOSC(stdin)
	if err != nil || again != first {
		t.Fatalf("second read %p (%v), want the first %p", again, err, first)
	}
	// Standard input is drained: load can only succeed with the same result.
	li, err := in.load(stdin)
	if err != nil {
		t.Fatal(err)
	}
	if li.MOSCFile != "<stdin>" || li.Render.PoolName != "infra" || len(li.MOSCDocs) != 1 || li.MOSCDocs[0] != first.docs[0] || li.MOSC != first.moscs[0] {
		t.Fatalf("load: file %q pool %q docs %v", li.MOSCFile, li.Render.PoolName, li.MOSCDocs)
	}
	// Another argument (the cluster's snapshot file) is read afresh.
	in.mosc = "-"
	in.given.arg = "elsewhere.yaml"
	if _, err := in.readMOSC(stdin); err == nil || !strings.Contains(err.Error(), "--mosc: <stdin>") {
		t.Fatalf("a different argument was not read again: %v", err)
	}
}
