package ownedtemp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Prefix starts every name this package makes.
const Prefix = "ocl-build-"

// ownerRE finds the owner part, p<PID>s<START>, in a name this package made.
var ownerRE = regexp.MustCompile(`(?:^|-)p([0-9]+)s([0-9]+)-[0-9a-f]+(?:$|-)`)

// nameRE matches a temporary directory's name: ocl-build-KIND-pPIDsSTART-RAND.
var nameRE = regexp.MustCompile(`^` + Prefix + `[a-z0-9-]+-p[0-9]+s[0-9]+-[0-9a-f]+$`)

var self = sync.OnceValue(func() string {
	start, _ := startTime(os.Getpid())
	return fmt.Sprintf("p%ds%d", os.Getpid(), start)
})

// Owner is this process's mark: p<PID>s<start time in clock ticks since
// boot>. A PID alone may be reused; with its start time it may not.
func Owner() string { return self() }

// Unique is Owner plus random hex, unique per call: a suffix for build
// container names.
func Unique() string { return Owner() + "-" + randomHex(6) }

// Dir makes a private (0700) directory ocl-build-KIND-OWNER-RANDOM under
// parent (os.TempDir() when empty).
func Dir(parent, kind string) (string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	for i := 0; ; i++ {
		p := filepath.Join(parent, Prefix+kind+"-"+Unique())
		err := os.Mkdir(p, 0o700)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 100 {
			return "", err
		}
	}
}

// OwnerOf returns the owner mark in a name this package made (a directory
// name, a container name with the Unique suffix), and whether there is one.
func OwnerOf(name string) (pid int, start uint64, ok bool) {
	m := ownerRE.FindStringSubmatch(name)
	if m == nil {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(m[1])
	s, err2 := strconv.ParseUint(m[2], 10, 64)
	return p, s, err1 == nil && err2 == nil
}

// Alive reports whether the process that made name (see OwnerOf) still
// runs. Names without an owner mark count as alive: they are not ours to
// judge.
func Alive(name string) bool {
	pid, start, ok := OwnerOf(name)
	if !ok {
		return true
	}
	got, err := startTime(pid)
	return err == nil && got == start
}

// startParents are where this process's temporary directories went before
// any PrivateTMPDIR: $TMPDIR (or /tmp), and /var/tmp where podman's and
// buildah's big files go when $TMPDIR is unset.
var startParents = func() []string {
	if os.Getenv("TMPDIR") != "" {
		return []string{os.TempDir()}
	}
	return []string{os.TempDir(), "/var/tmp"}
}()

// Parents lists where ocl-build processes make their temporary
// directories, the places Stale must look: those of startParents and the
// current $TMPDIR.
func Parents() []string {
	return append(append([]string(nil), startParents...), os.TempDir()) // Stale skips repeats
}

// PrivateTMPDIR points this process's $TMPDIR at a fresh owned directory
// (kind "tmp") so that every temporary file of every library in the
// process (buildah's run bundles and commit blobs, containers/image's
// staging) lands in it, where one removal, or a later Stale, finds it. The
// returned function removes it and restores $TMPDIR. For commands, not
// libraries: the environment is the whole process's.
func PrivateTMPDIR() (restore func(), err error) {
	old, had := os.LookupEnv("TMPDIR")
	dir, err := Dir(os.TempDir(), "tmp")
	if err != nil {
		return nil, err
	}
	if err := os.Setenv("TMPDIR", dir); err != nil {
		os.Remove(dir)
		return nil, err
	}
	return func() {
		if had {
			os.Setenv("TMPDIR", old)
		} else {
			os.Unsetenv("TMPDIR")
		}
		os.RemoveAll(dir)
	}, nil
}

// Stale lists the directories under each parent (os.TempDir() for "") that
// this package made for processes no longer running.
func Stale(parents ...string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, parent := range parents {
		if parent == "" {
			parent = os.TempDir()
		}
		parent = filepath.Clean(parent)
		if seen[parent] {
			continue
		}
		seen[parent] = true
		ents, err := os.ReadDir(parent)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return out, err
		}
		for _, e := range ents {
			// Directories only, never through a symlink someone planted.
			if !e.IsDir() || !nameRE.MatchString(e.Name()) || Alive(e.Name()) {
				continue
			}
			out = append(out, filepath.Join(parent, e.Name()))
		}
	}
	return out, nil
}

// startTime reads field 22 of /proc/PID/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); the start time is field 22.
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
