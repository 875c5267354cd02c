package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountinfoMentioning lists "PID: line" for every mount, in any process's
// mount namespace, whose line mentions s.
func mountinfoMentioning(s string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "mountinfo"))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, s) {
				out = append(out, e.Name()+": "+l)
			}
		}
	}
	return out
}

// kill -9 of the build while a RUN step runs (a RUN that forks: a
// background child, a setsid daemon, a foreground sleep): within seconds
// no process of the RUN is left and no mount namespace holds the staged
// entitlement any more. What the dead process could not clean (its build
// container with its mounted root, its temporary directories) is reported
// and removed by `ocl-build prune`, a second prune finds nothing, and a
// new build on the same store succeeds.
func TestBuildKilledDuringRun(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules()
	s := newStore(t)
	home := t.TempDir()
	marker := "ocl-reliability-killed"
	// Distinct durations name each RUN process in /proc.
	cf := containerfile(t, "RUN echo "+marker+"; sleep 171 & setsid sleep 172 & (sleep 173 &); sleep 174\n")
	ent := t.TempDir()
	if err := os.WriteFile(filepath.Join(ent, "4242-key.pem"), []byte("ENTITLEMENT-KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	pr := startBin(t, home, buildArgs(p, s, cf, "localhost/ocl-reliability/killed:latest", "--entitlement-dir", ent)...)
	runProcs := func() []string {
		var pids []string
		for _, d := range []string{"171", "172", "173", "174"} {
			pids = append(pids, processesRunning("sleep\x00"+d+"\x00")...)
		}
		return pids
	}
	if !waitFor(8*time.Minute, func() bool { return len(runProcs()) == 4 }) {
		t.Fatalf("the RUN step never started its 4 processes (%v):\n%s", runProcs(), tail(pr.errText(), 3000))
	}
	tmp := tmpDirFor(home)
	if len(mountinfoMentioning(tmp)) == 0 {
		t.Errorf("no mount namespace shows the staged entitlement from %s during the RUN: the check below would prove nothing", tmp)
	}

	killed := time.Now()
	if err := pr.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-pr.done
	gone := waitFor(5*time.Second, func() bool { return len(runProcs()) == 0 && len(mountinfoMentioning(tmp)) == 0 })
	t.Logf("RUN processes and their mounts gone %s after SIGKILL of the build", time.Since(killed).Round(time.Millisecond))
	if !gone {
		t.Errorf("5 s after SIGKILL of the build: RUN processes %v, mounts of the staged entitlement %v", runProcs(), mountinfoMentioning(tmp))
		for _, pid := range runProcs() {
			_ = syscall.Kill(atoi(pid), syscall.SIGKILL)
		}
	}

	// What SIGKILL leaves for prune: the container, its mounts, the dirs.
	left := leftovers(t, home)
	if containersIn(t, s) == "" || len(left) == 0 {
		t.Fatalf("nothing left after SIGKILL (containers %q, TMPDIR %v): prune would prove nothing", containersIn(t, s), left)
	}
	var storeMounts []string
	for _, m := range mountsUnder(s.root) {
		if !strings.HasSuffix(m, "/overlay") {
			storeMounts = append(storeMounts, m)
		}
	}
	t.Logf("left by SIGKILL: mounts %v, TMPDIR %v", storeMounts, left)

	r := run(t, runOpts{home: home}, append([]string{"prune"}, s.flags()...)...)
	if r.code != 0 {
		t.Fatalf("prune failed:\n%s", r)
	}
	if !strings.Contains(r.stdout, "reclaimed build container ") || (len(storeMounts) > 0 && !strings.Contains(r.stdout, ", unmounted)")) {
		t.Errorf("prune does not report the build container (and its mount):\n%s", r)
	}
	for _, d := range left {
		if !strings.Contains(r.stdout, "reclaimed temporary directory "+filepath.Join(tmp, d)+"\n") {
			t.Errorf("prune does not report %s:\n%s", d, r)
		}
	}
	if c := containersIn(t, s); c != "" {
		t.Errorf("build containers left after prune: %s", c)
	}
	for _, m := range mountsUnder(s.root) {
		if !strings.HasSuffix(m, "/overlay") {
			t.Errorf("mount left after prune: %s", m)
		}
	}
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temporary directories left after prune: %v", l)
	}
	r = run(t, runOpts{home: home}, append([]string{"prune"}, s.flags()...)...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "nothing to reclaim" {
		t.Errorf("second prune:\n%s", r)
	}

	cf2 := containerfile(t, "RUN echo after the kill\n")
	r = run(t, runOpts{home: home, timeout: 4 * time.Minute}, buildArgs(p, s, cf2, "localhost/ocl-reliability/killed:latest")...)
	if r.code != 0 {
		t.Fatalf("a build after the kill and prune failed:\n%s", tail(r.String(), 4000))
	}
}

// The next build reclaims by itself what a killed one left, and says so.
func TestBuildReclaimsKilledBuild(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules()
	s := newStore(t)
	home := t.TempDir()
	cf := containerfile(t, "RUN echo ocl-reliability-reclaim; sleep 181\n")
	pr := startBin(t, home, buildArgs(p, s, cf, "localhost/ocl-reliability/reclaim:latest")...)
	if !waitFor(8*time.Minute, func() bool { return len(processesRunning("sleep\x00181\x00")) > 0 }) {
		t.Fatalf("the RUN step never started:\n%s", tail(pr.errText(), 3000))
	}
	if err := pr.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-pr.done
	if containersIn(t, s) == "" {
		t.Fatal("SIGKILL left no build container: nothing to reclaim")
	}
	cf2 := containerfile(t, "RUN echo next build\n")
	r := run(t, runOpts{home: home, timeout: 4 * time.Minute}, buildArgs(p, s, cf2, "localhost/ocl-reliability/reclaim:latest")...)
	if r.code != 0 {
		t.Fatalf("the next build failed:\n%s", tail(r.String(), 4000))
	}
	if !strings.Contains(r.stderr, "ocl-build: left by a killed run: reclaimed build container ") ||
		!strings.Contains(r.stderr, "ocl-build: left by a killed run: reclaimed temporary directory ") {
		t.Errorf("the next build does not say what it reclaimed:\n%s", tail(r.stderr, 4000))
	}
	if c := containersIn(t, s); c != "" {
		t.Errorf("build containers left: %s", c)
	}
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("TMPDIR holds %v after the next build", l)
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}
