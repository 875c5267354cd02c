package build

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/containers/storage"

	"github.com/ocl-build/ocl-build/pkg/build/internal/sealedreexec"
)

// killRunSubtrees stops the processes of RUN steps in progress. buildah's
// chroot isolation runs each RUN under a re-executed copy of this binary and
// takes no context, so a cancelled build would otherwise wait for the RUN
// to end by itself. Only subtrees rooted at a child running our own
// executable (or a sealed memfd copy of it) are killed, never other children
// (a test's registry, say), and never the RUN's guard, which then reaps what
// the killed processes left.
func killRunSubtrees() int {
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := readPPID(pid); ok {
			parent[pid] = pp
		}
	}
	me := os.Getpid()
	// roots: our direct children that are re-executions of this binary.
	roots := map[int]bool{}
	for pid, pp := range parent {
		if pp != me {
			continue
		}
		// The re-executed binary runs from Build's sealed copy, or from
		// buildah's own memfd copy.
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil &&
			(exe == self || strings.HasPrefix(exe, sealedreexec.ExeLinkPrefix+" ") || strings.HasPrefix(exe, "/memfd:buildah-chroot")) {
			roots[pid] = true
		}
	}
	killed := 0
	for pid := range parent {
		if isGuard(pid) {
			// It kills and reaps whatever its RUN left once the RUN's
			// own processes are gone; killing it would orphan them.
			continue
		}
		for p, hops := pid, 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if roots[p] {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed++
				}
				break
			}
		}
	}
	return killed
}

// isGuard reports whether pid is a RUN guard (sealedreexec.GuardComm).
func isGuard(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(b)) == sealedreexec.GuardComm
}

func readPPID(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces and parentheses: fields follow the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// removeBuildContainers deletes the containers this build created (named
// with its unique suffix), unmounting them first. Containers of other
// builds sharing the store are left alone.
func removeBuildContainers(store storage.Store, suffix string) error {
	ctrs, err := store.Containers()
	if err != nil {
		return err
	}
	var firstErr error
	for _, c := range ctrs {
		ours := false
		for _, n := range c.Names {
			if strings.Contains(n, suffix) {
				ours = true
			}
		}
		if !ours {
			continue
		}
		if _, err := store.Unmount(c.ID, true); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("unmounting build container %s: %w", c.ID, err)
		}
		if err := store.DeleteContainer(c.ID); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("removing build container %s: %w", c.ID, err)
		}
	}
	return firstErr
}

// MountsUnder lists the mount points in /proc/self/mountinfo at or below
// dir; a clean build leaves none for its containers.
func MountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir = filepath.Clean(dir)
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out, sc.Err()
}

// unescapeMount undoes the octal escapes (\040 for space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
