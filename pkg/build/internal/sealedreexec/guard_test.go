package sealedreexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containers/storage/pkg/reexec"
	"github.com/containers/storage/pkg/unshare"
)

// guardTop stands in for buildah's "buildah-chroot-runtime" step: it starts
// GuardedArgv0 through unshare.Cmd with a mount namespace and a parent-death
// SIGKILL, exactly as buildah's chroot isolation does, and exits with its
// status. GuardedArgv0 (this test binary links no buildah) runs the shell
// script in $OCL_GUARD_SCRIPT as the RUN's command, also with a
// parent-death SIGKILL, as buildah does.
const guardTop = "sealedreexec-guard-top"

func init() {
	reexec.Register(guardTop, func() {
		cmd := unshare.Command(GuardedArgv0)
		cmd.UnshareFlags = syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			os.Exit(0)
		case errors.As(err, &exit):
			os.Exit(exit.ExitCode())
		default:
			fail(err)
		}
	})
	reexec.Register(GuardedArgv0, func() {
		cmd := exec.Command("/bin/sh", "-c", os.Getenv("OCL_GUARD_SCRIPT"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			os.Exit(0)
		case errors.As(err, &exit):
			os.Exit(exit.ExitCode())
		default:
			fail(err)
		}
	})
}

// The script forks the way RUN steps do: a background child, a grandchild
// in a subshell, and a daemon in a session of its own. None of them has a
// parent-death signal. Each writes its PID to $PIDS.
const forkingRun = `sleep 300 & echo $! >> "$PIDS"
( sleep 300 & echo $! >> "$PIDS"; wait ) &
setsid sleep 300 & echo $! >> "$PIDS"
`

// allStarted waits until the three PIDs are written.
const allStarted = `while [ "$(wc -l < "$PIDS")" -lt 3 ]; do sleep 0.05; done
`

func startGuarded(t *testing.T, script string) (*exec.Cmd, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("unsharing a mount namespace needs root")
	}
	pids := filepath.Join(t.TempDir(), "pids")
	cmd := reexec.Command(guardTop)
	cmd.Env = append(os.Environ(), "OCL_GUARD_SCRIPT="+script, "PIDS="+pids)
	// A file, not a pipe: a leftover process holding a pipe open would
	// make Wait hang instead of the test failing.
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		// Never leave the sleeps behind, whatever the test found.
		for _, p := range readPIDs(pids) {
			syscall.Kill(p, syscall.SIGKILL)
		}
		if b, _ := os.ReadFile(out.Name()); t.Failed() {
			t.Logf("output:\n%s", b)
		}
	})
	return cmd, pids
}

func readPIDs(file string) []int {
	b, _ := os.ReadFile(file)
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func waitPIDs(t *testing.T, file string, n int) []int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if p := readPIDs(file); len(p) >= n {
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the RUN did not start its %d processes in time (have %v)", n, readPIDs(file))
	return nil
}

// alive reports the processes of pids that still exist (zombies count: a
// zombie nobody reaps is a leak too).
func alive(pids []int) []int {
	var out []int
	for _, p := range pids {
		if syscall.Kill(p, 0) == nil {
			out = append(out, p)
		}
	}
	return out
}

func descendantsNamed(root int, comm string) []int {
	parent := map[int]int{}
	names := map[int]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(s[j+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		parent[pid], names[pid] = pp, s[i+1:j]
	}
	var out []int
	for pid, name := range names {
		if name != comm {
			continue
		}
		for p, hops := parent[pid], 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if p == root {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// SIGKILL of the process above the RUN (the build, or buildah's first hop)
// takes every process of the RUN with it within seconds: the background
// child, the grandchild and the setsid daemon, none of which has a
// parent-death signal of its own.
func TestGuardKillsTheRunWhenTheBuildDies(t *testing.T) {
	cmd, file := startGuarded(t, forkingRun+"sleep 300\n")
	pids := waitPIDs(t, file, 3)
	if g := descendantsNamed(cmd.Process.Pid, GuardComm); len(g) != 1 {
		t.Errorf("want one %s process below the build, found %v", GuardComm, g)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for len(alive(pids)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := alive(pids); len(left) > 0 {
		t.Fatalf("RUN processes %v outlived the SIGKILLed build by 5s", left)
	}
}

// A RUN that ends by itself passes its exit status up unchanged, and the
// processes it left in the background are gone by the time it has.
func TestGuardPassesTheStatusAndReapsLeftovers(t *testing.T) {
	cmd, file := startGuarded(t, forkingRun+allStarted+"exit 3\n")
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("want exit status 3 through the guard, got %v", err)
	}
	pids := readPIDs(file)
	if len(pids) != 3 {
		t.Fatalf("the RUN wrote %v, want 3 PIDs", pids)
	}
	if left := alive(pids); len(left) > 0 {
		t.Fatalf("RUN processes %v outlived the RUN", left)
	}
}
