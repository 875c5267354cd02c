package sealedreexec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/containers/storage/pkg/reexec"
	"github.com/containers/storage/pkg/unshare"
)

// A chain shaped like buildah's chroot isolation: the test process starts
// hop 1 with no namespaces, hop 1 starts hop 2 with new mount and UTS
// namespaces, a new session and a config pipe on fd 3. Each hop reports
// what it runs from.
const (
	hop1 = "sealedreexec-hop1"
	hop2 = "sealedreexec-hop2"
)

func init() {
	reexec.Register(hop1, func() {
		report("hop1")
		cmd := unshare.Command(hop2)
		cmd.UnshareFlags = syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS
		cmd.Setsid = true
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		r, w, err := os.Pipe()
		if err != nil {
			fail(err)
		}
		cmd.ExtraFiles = []*os.File{r}
		go func() { fmt.Fprint(w, "config-from-hop1"); w.Close() }()
		err = cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			os.Exit(0)
		case asExit(err, &exit):
			os.Exit(exit.ExitCode())
		default:
			fail(err)
		}
	})
	reexec.Register(hop2, func() {
		report("hop2")
		cfg, err := io.ReadAll(os.NewFile(3, "config"))
		if err != nil {
			fail(err)
		}
		sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
		fmt.Printf("hop2 config %s\nhop2 session-leader %v\n", cfg, int(sid) == os.Getpid())
		os.Exit(7) // the exit status must reach the caller unchanged
	})
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

func report(hop string) {
	exe, _ := os.Readlink("/proc/self/exe")
	mnt, _ := os.Readlink("/proc/self/ns/mnt")
	fmt.Printf("%s exe %s\n%s mnt %s\n", hop, exe, hop, mnt)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(99)
}

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// runChain runs hop 1 as buildah starts its first hop (unshare.Command, no
// flags) and returns what each hop reported, keyed "hop1 exe" and so on.
func runChain(t *testing.T) map[string]string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("unsharing a mount namespace needs root")
	}
	cmd := unshare.Command(hop1)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	out := buf.String()
	var exit *exec.ExitError
	if !asExit(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("want exit status 7 from hop 2, got %v\n%s", err, out)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 {
			got[f[0]+" "+f[1]] = f[2]
		}
	}
	// The handshake the constructor takes over must still work: hop 2 got
	// its own mount namespace, its session and its config pipe.
	if m1, m2 := got["hop1 mnt"], got["hop2 mnt"]; m1 == "" || m1 == m2 {
		t.Errorf("hop 2 shares hop 1's mount namespace (%q, %q): unshare was skipped", m1, m2)
	}
	if c, l := got["hop2 config"], got["hop2 session-leader"]; c != "config-from-hop1" || l != "true" {
		t.Errorf("hop 2 lost its config pipe (%q) or its session (leader: %s)", c, l)
	}
	return got
}

// Without a sealed copy held by the parent, hop 1 clones the binary from
// disk as the storage library always did; hop 2 reuses that clone.
func TestSecondHopReusesFirstHopsSealedCopy(t *testing.T) {
	got := runChain(t)
	exe1, exe2 := got["hop1 exe"], got["hop2 exe"]
	if !strings.HasPrefix(exe1, "/memfd:"+hop1) {
		t.Errorf("hop 1 runs from %q, want the storage library's sealed copy /memfd:%s", exe1, hop1)
	}
	if exe2 != exe1 {
		t.Errorf("hop 2 runs from %q, want hop 1's sealed copy %q (a second clone was made)", exe2, exe1)
	}
}

// With the parent's sealed copy open, neither hop copies anything.
func TestHopsRunFromTheParentsSealedCopy(t *testing.T) {
	f, err := Copy()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := runChain(t)
	for _, hop := range []string{"hop1", "hop2"} {
		if exe := got[hop+" exe"]; !strings.HasPrefix(exe, ExeLinkPrefix+" ") {
			t.Errorf("%s runs from %q, want the parent's copy %s", hop, exe, ExeLinkPrefix)
		}
	}
}

func TestCopyIsSealedAndIdentical(t *testing.T) {
	f, err := Copy()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("the copy accepted a write")
	}
	want, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	have, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Errorf("copy differs from the executable (%d bytes, want %d)", len(have), len(want))
	}
}
