package atomicfile

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileReplacesWholeAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new content"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "new content" {
		t.Fatalf("content = %q", got)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
}

// A write that fails half way, on the very path that holds the old
// content, leaves that content and no temp file. The failure is real: the
// process's file-size limit (RLIMIT_FSIZE) makes the write return EFBIG
// (root ignores permission bits, so a read-only directory would not fail).
func TestWriteFileFailureLeavesOldContent(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(p, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ) // else the kernel kills the process
	defer signal.Reset(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 4096, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(p, make([]byte, 1<<20), 0o644)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || !errors.Is(err, syscall.EFBIG) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want EFBIG naming %s", err, p)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "previous" {
		t.Fatalf("old file changed: %q %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp file left behind: %v", entries)
	}
	// A missing directory: an error naming the path, nothing created.
	q := filepath.Join(dir, "missing", "x")
	if err := WriteFile(q, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), q) {
		t.Fatalf("missing directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("missing directory created: %v", err)
	}
}

// A symlink planted at the destination is replaced, never written through.
func TestWriteFileAndMoveIntoReplacePlantedLink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("VICTIM"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, write := range []func(string) error{
		func(p string) error { return WriteFile(p, []byte("ours"), 0o644) },
		func(p string) error {
			src := filepath.Join(t.TempDir(), "src")
			if err := os.WriteFile(src, []byte("ours"), 0o600); err != nil {
				return err
			}
			return MoveInto(src, p, 0o644)
		},
	} {
		p := filepath.Join(dir, "out"+string(rune('0'+i)))
		if err := os.Symlink(victim, p); err != nil {
			t.Fatal(err)
		}
		if err := write(p); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v, want a regular 0644 file", p, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "VICTIM" {
		t.Errorf("the link's target was written: %q", b)
	}
}

// Across file systems (here: /dev/shm to the test's directory when they
// differ) MoveInto copies through an O_EXCL temp file and leaves no temp.
func TestMoveIntoAcrossFileSystems(t *testing.T) {
	src, err := os.CreateTemp("/dev/shm", "atomicfile-test-")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	src.WriteString("across")
	src.Close()
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	if err := MoveInto(src.Name(), p, 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "across" {
		t.Errorf("content %q", b)
	}
	if _, err := os.Stat(src.Name()); !os.IsNotExist(err) {
		t.Errorf("source left: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
}

func TestMkdirNoFollowRefusesALink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := MkdirNoFollow(filepath.Join(dir, "sub"), 0o755); err == nil {
		t.Error("a symlink was accepted as the directory")
	}
	if err := MkdirNoFollow(filepath.Join(dir, "new"), 0o755); err != nil {
		t.Error(err)
	}
	if err := MkdirNoFollow(filepath.Join(dir, "new"), 0o755); err != nil {
		t.Errorf("an existing directory: %v", err)
	}
}
