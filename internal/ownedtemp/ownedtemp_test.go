package ownedtemp

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestDirIsPrivateAndOwned(t *testing.T) {
	parent := t.TempDir()
	d, err := Dir(parent, "context")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(d)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", fi.Mode().Perm())
	}
	base := filepath.Base(d)
	if !strings.HasPrefix(base, Prefix+"context-"+Owner()+"-") {
		t.Errorf("name %q does not carry the owner %s", base, Owner())
	}
	if pid, _, ok := OwnerOf(base); !ok || pid != os.Getpid() {
		t.Errorf("OwnerOf(%q) = %d, %v", base, pid, ok)
	}
	if !Alive(base) {
		t.Errorf("%s: own directory reported dead", base)
	}
	stale, err := Stale(parent)
	if err != nil || len(stale) != 0 {
		t.Errorf("a live process's directory is stale: %v %v", stale, err)
	}
}

// A directory of a process that has exited is stale; one whose PID was
// reused by another process (a different start time) is stale too; other
// names, and symlinks with our names, are never touched.
func TestStaleFindsOnlyDeadOwners(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	self := os.Getpid()
	mk := func(name string) string {
		p := filepath.Join(parent, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wantGone := []string{
		mk(Prefix + "pull-p" + itoa(dead) + "s1-abcdef"),
		mk(Prefix + "context-p" + itoa(self) + "s1-abcdef"), // our PID, another start time
	}
	mk(Prefix + "pull-" + Owner()[1:] + "-abc") // no owner mark
	mk("podman-build-p" + itoa(dead) + "s1-abcdef")
	mk(Prefix + "context-" + Owner() + "-abcdef")
	if err := os.Symlink("/etc", filepath.Join(parent, Prefix+"pull-p"+itoa(dead)+"s1-fedcba")); err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(parent, parent)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(stale)
	sort.Strings(wantGone)
	if strings.Join(stale, "\n") != strings.Join(wantGone, "\n") {
		t.Errorf("stale = %v, want %v", stale, wantGone)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
