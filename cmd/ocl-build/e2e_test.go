package main

import (
	"testing"

	"github.com/ocl-build/ocl-build/internal/fixture"
)

// e2eWorld is the fixture world for an end-to-end test that builds: root
// (chroot isolation), not under -short (make test runs it), started once
// per test.
func e2eWorld(t *testing.T) *fixture.World {
	t.Helper()
	bldNeedRoot(t)
	if testing.Short() {
		t.Skip("end-to-end against the fixture world (make test runs it; not in -short)")
	}
	return fixture.Start(t)
}
