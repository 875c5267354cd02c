package rpmdiff

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/testutil/gomod"
	"github.com/ocl-build/ocl-build/pkg/image"
)

// realDB returns the directory of one of go-rpmdb's real test databases
// (from the module cache; they were written by real rpm on those distros).
func realDB(t testing.TB, name string) string {
	t.Helper()
	d := filepath.Join(gomod.Dir(t, "github.com/anchore/go-rpmdb"), "pkg", "testdata", name)
	if _, err := os.Stat(d); err != nil {
		t.Fatal(err)
	}
	return d
}

func needRPM(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Fatal("Debian package rpm is required (hack/apt/rpmdiff.txt): ", err)
	}
}

// rpmQA lists a database with Debian's rpm, on a writable copy (rpm may
// create lock and sidecar files next to it).
func rpmQA(t testing.TB, dbDir string) []Package {
	t.Helper()
	needRPM(t)
	tmp := t.TempDir()
	ents, err := os.ReadDir(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dbDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("rpm", "-qa", "--dbpath", tmp, "--qf", `%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\n`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rpm -qa --dbpath %s: %v", dbDir, err)
	}
	var ps []Package
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			t.Fatalf("unexpected rpm line %q", line)
		}
		p := Package{Name: f[0], Version: f[2], Release: f[3], Arch: f[4]}
		if f[1] != "(none)" {
			e, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("epoch in %q: %v", line, err)
			}
			p.Epoch = &e
		}
		if p.Arch == "(none)" {
			p.Arch = ""
		}
		ps = append(ps, p)
	}
	return ps
}

func lines(ps []Package) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		e := "(none)"
		if p.Epoch != nil {
			e = strconv.Itoa(*p.Epoch)
		}
		out[i] = fmt.Sprintf("%s %s %s %s %s", p.Name, e, p.Version, p.Release, p.Arch)
	}
	sort.Strings(out)
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	for _, w := range want {
		ws[w] = true
	}
	n := 0
	for _, g := range got {
		if !ws[g] && n < 10 {
			t.Errorf("%s: only ours: %s", what, g)
			n++
		}
	}
	for _, w := range want {
		if !gs[w] && n < 20 {
			t.Errorf("%s: only rpm's: %s", what, w)
			n++
		}
	}
	t.Fatalf("%s: %d lines ours, %d rpm's", what, len(got), len(want))
}

var groundTruthDBs = []string{"fedora35", "fedora35-plus-mongo", "centos7-plain", "centos7-httpd24", "centos7-python35", "rockylinux-9", "centos8-modularitylabel"}

func noCache() image.Options { return image.Options{CacheDir: "-"} }

// Our package list of each real database equals Debian rpm's, exactly.
func TestPackagesMatchRPM(t *testing.T) {
	for _, name := range groundTruthDBs {
		t.Run(name, func(t *testing.T) {
			dir := realDB(t, name)
			db, err := ReadPackages(context.Background(), dir, noCache())
			if err != nil {
				t.Fatal(err)
			}
			if len(db.Packages) < 50 {
				t.Fatalf("only %d packages", len(db.Packages))
			}
			sameLines(t, name, lines(db.Packages), lines(rpmQA(t, dir)))
		})
	}
}

// rpmVerCmpBatch compares pairs of EVRs with rpm's own rpm.vercmp (lua), in
// one rpm process.
func rpmVerCmpBatch(t testing.TB, pairs [][2]string) []int {
	t.Helper()
	needRPM(t)
	var b strings.Builder
	b.WriteString("%{lua: local t = {")
	for _, p := range pairs {
		fmt.Fprintf(&b, "{%q,%q},", p[0], p[1])
	}
	b.WriteString("} for _, p in ipairs(t) do print(rpm.vercmp(p[1], p[2]) .. ' ') end}")
	out, err := exec.Command("rpm", "--eval", b.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("rpm --eval vercmp: %v: %s", err, out)
	}
	f := strings.Fields(string(out))
	if len(f) != len(pairs) {
		t.Fatalf("rpm gave %d results for %d pairs: %s", len(f), len(pairs), out)
	}
	res := make([]int, len(f))
	for i, s := range f {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		res[i] = n
	}
	return res
}

func evrString(p Package) string {
	s := p.Version + "-" + p.Release
	if p.Epoch != nil {
		s = strconv.Itoa(*p.Epoch) + ":" + s
	}
	return s
}

// independentDiff computes the diff from rpm's lists without our Diff:
// name.arch keys present once on each side are ordered by rpm itself; keys
// with several installed versions are compared as sets.
func independentDiff(t *testing.T, base, target []Package) (up, down, removed, added []string) {
	by := func(ps []Package) map[string][]Package {
		m := map[string][]Package{}
		for _, p := range ps {
			k := p.Name + "." + p.Arch
			m[k] = append(m[k], p)
		}
		return m
	}
	b, tg := by(base), by(target)
	var pairs [][2]string
	var pairKeys []string
	for k, olds := range b {
		news := tg[k]
		switch {
		case len(news) == 0:
			for _, p := range olds {
				removed = append(removed, p.NEVRA())
			}
		case len(olds) == 1 && len(news) == 1:
			pairs = append(pairs, [2]string{evrString(olds[0]), evrString(news[0])})
			pairKeys = append(pairKeys, k)
		default:
			os, ns := map[string]bool{}, map[string]bool{}
			for _, p := range olds {
				os[evrString(p)] = true
			}
			for _, p := range news {
				ns[evrString(p)] = true
			}
			for _, p := range olds {
				if !ns[evrString(p)] {
					removed = append(removed, p.NEVRA())
				}
			}
			for _, p := range news {
				if !os[evrString(p)] {
					added = append(added, p.NEVRA())
				}
			}
		}
	}
	for k, news := range tg {
		if len(b[k]) == 0 {
			for _, p := range news {
				added = append(added, p.NEVRA())
			}
		}
	}
	if len(pairs) > 0 {
		for i, c := range rpmVerCmpBatch(t, pairs) {
			switch {
			case c < 0:
				up = append(up, pairKeys[i]+" "+pairs[i][0]+" "+pairs[i][1])
			case c > 0:
				down = append(down, pairKeys[i]+" "+pairs[i][0]+" "+pairs[i][1])
			}
		}
	}
	for _, s := range [][]string{up, down, removed, added} {
		sort.Strings(s)
	}
	return
}

func changeLines(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"."+c.Arch+" "+evrString(c.From)+" "+evrString(c.To))
	}
	sort.Strings(out)
	return out
}

func nevras(ps []Package) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.NEVRA())
	}
	sort.Strings(out)
	return out
}

// Our diff of two real databases equals the one computed from rpm's lists
// with rpm's own version comparison.
func TestDiffMatchesRPM(t *testing.T) {
	pairs := [][2]string{
		{"fedora35", "fedora35-plus-mongo"},
		{"centos7-plain", "centos7-httpd24"},
		{"centos7-plain", "centos7-python35"},
		{"centos7-httpd24", "centos7-plain"},
		{"centos8-modularitylabel", "rockylinux-9"},
	}
	for _, pr := range pairs {
		t.Run(pr[0]+"_vs_"+pr[1], func(t *testing.T) {
			r := NewReader(noCache())
			b, err := r.Read(context.Background(), realDB(t, pr[0]))
			if err != nil {
				t.Fatal(err)
			}
			tg, err := r.Read(context.Background(), realDB(t, pr[1]))
			if err != nil {
				t.Fatal(err)
			}
			got := Diff(b.Packages, tg.Packages)
			up, down, rem, add := independentDiff(t, rpmQA(t, realDB(t, pr[0])), rpmQA(t, realDB(t, pr[1])))
			sameLines(t, "upgraded", changeLines(got.Upgraded), up)
			sameLines(t, "downgraded", changeLines(got.Downgraded), down)
			sameLines(t, "removed", nevras(got.Removed), rem)
			sameLines(t, "added", nevras(got.Added), add)
			if got.Empty() {
				t.Fatal("real databases that differ gave an empty diff")
			}
			t.Logf("%s", got.Summary())
		})
	}
}

// fedora35 → fedora35-plus-mongo is "install mongodb": only additions.
func TestDiffFedoraPlusMongoIsAdditions(t *testing.T) {
	r := NewReader(noCache())
	b, err := r.Read(context.Background(), realDB(t, "fedora35"))
	if err != nil {
		t.Fatal(err)
	}
	tg, err := r.Read(context.Background(), realDB(t, "fedora35-plus-mongo"))
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(b.Packages, tg.Packages)
	found := false
	for _, p := range d.Added {
		if strings.HasPrefix(p.Name, "mongo") {
			found = true
		}
	}
	if !found || len(d.Removed) != 0 {
		t.Fatalf("want mongo packages added and nothing removed, got %s: %v", d.Summary(), nevras(d.Added))
	}
	if len(tg.Packages)-len(b.Packages) != len(d.Added)-len(d.Removed) {
		t.Fatalf("counts: %d → %d but %s", len(b.Packages), len(tg.Packages), d.Summary())
	}
}

// The NDB backend (SUSE) cannot be read by Debian's rpm 4.18 (it reports a
// dummy database), so it is checked for plausibility only.
func TestNDBReads(t *testing.T) {
	db, err := ReadPackages(context.Background(), realDB(t, "sle15-bci"), noCache())
	if err != nil {
		t.Fatal(err)
	}
	if db.Format != FormatNDB || len(db.Packages) != 35 { // go-rpmdb's own test expects 35
		t.Fatalf("format %s, %d packages", db.Format, len(db.Packages))
	}
	for _, p := range db.Packages {
		if p.Name == "" || p.Version == "" {
			t.Fatalf("empty field in %+v", p)
		}
	}
}
