package rpmdiff

import (
	"testing"
)

var verCmpTable = []struct {
	a, b string
	want int
}{
	{"1.0", "1.0", 0},
	{"1.0", "2.0", -1},
	{"2.0.1", "2.0", 1},
	{"1.10", "1.9", 1},   // numeric, not lexical
	{"1.010", "1.10", 0}, // leading zeros ignored
	{"1.0a", "1.0", 1},
	{"1.0a", "1.0.1", -1},
	{"a", "1", -1}, // numeric beats alpha
	{"1.0~rc1", "1.0", -1},
	{"1.0~rc1", "1.0~rc2", -1},
	{"1.0~~", "1.0~", -1},
	{"1.0^", "1.0", 1},
	{"1.0^git1", "1.0", 1},
	{"1.0^git1", "1.0.1", -1},
	{"1.0^git1", "1.0~rc1", 1},
	{"1.0^20200101", "1.0^20210101", -1},
	{"1.0", "1.0^", -1},
	{"1..0", "1.0", 0}, // separators are not significant
	{"1_0", "1.0", 0},
	{"5.14.0-362.el9", "5.14.0-70.el9", 1}, // '-' acts as a separator
	{"fc35", "fc36", -1},
	{"el9_3.1", "el9_3", 1},
	{"1.0abc", "1.0abd", -1},
}

// The table is checked against our VerCmp and, so it is not our own
// belief, against rpm's rpm.vercmp on the same strings.
func TestVerCmpTable(t *testing.T) {
	var pairs [][2]string
	for _, c := range verCmpTable {
		if got := VerCmp(c.a, c.b); got != c.want {
			t.Errorf("VerCmp(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := VerCmp(c.b, c.a); got != -c.want {
			t.Errorf("VerCmp(%q, %q) = %d, want %d (antisymmetry)", c.b, c.a, got, -c.want)
		}
		// rpm.vercmp parses EVR; versions without '-' are plain versions.
		pairs = append(pairs, [2]string{c.a, c.b})
	}
	for i, r := range rpmVerCmpBatch(t, pairs) {
		c := verCmpTable[i]
		if r != c.want {
			t.Errorf("rpm says vercmp(%q, %q) = %d, table says %d", c.a, c.b, r, c.want)
		}
	}
}

func intp(i int) *int { return &i }

func TestCompareEVREpoch(t *testing.T) {
	cases := []struct {
		a, b Package
		want int
	}{
		{Package{Epoch: intp(1), Version: "1.0", Release: "1"}, Package{Version: "9.0", Release: "1"}, 1},
		{Package{Epoch: nil, Version: "1.0", Release: "1"}, Package{Epoch: intp(0), Version: "1.0", Release: "1"}, 0},
		{Package{Epoch: intp(2), Version: "1.0", Release: "1"}, Package{Epoch: intp(10), Version: "1.0", Release: "1"}, -1},
		{Package{Version: "1.0", Release: "2.el9"}, Package{Version: "1.0", Release: "10.el9"}, -1},
		{Package{Version: "1.0", Release: "1.el9~beta"}, Package{Version: "1.0", Release: "1.el9"}, -1},
	}
	var pairs [][2]string
	for _, c := range cases {
		if got := CompareEVR(c.a, c.b); got != c.want {
			t.Errorf("CompareEVR(%s, %s) = %d, want %d", c.a.EVR(), c.b.EVR(), got, c.want)
		}
		pairs = append(pairs, [2]string{evrString(c.a), evrString(c.b)})
	}
	for i, r := range rpmVerCmpBatch(t, pairs) {
		if r != cases[i].want {
			t.Errorf("rpm says %s vs %s = %d", pairs[i][0], pairs[i][1], r)
		}
	}
}

func TestDiffMultilibAndInstallOnly(t *testing.T) {
	p := func(n, v, r, a string) Package { return Package{Name: n, Version: v, Release: r, Arch: a} }
	base := []Package{
		p("glibc", "2.34", "1", "x86_64"), p("glibc", "2.34", "1", "i686"),
		p("kernel", "5.14", "1", "x86_64"), p("kernel", "5.14", "2", "x86_64"),
		p("gpg-pubkey", "aaaa", "1", ""), p("gone", "1", "1", "noarch"),
		p("down", "2", "1", "noarch"),
	}
	target := []Package{
		p("glibc", "2.34", "2", "x86_64"), p("glibc", "2.34", "1", "i686"),
		p("kernel", "5.14", "2", "x86_64"), p("kernel", "5.14", "3", "x86_64"),
		p("gpg-pubkey", "aaaa", "1", ""), p("gpg-pubkey", "bbbb", "1", ""),
		p("down", "1", "9", "noarch"), p("new", "1", "1", "noarch"),
	}
	d := Diff(base, target)
	if len(d.Upgraded) != 2 || d.Upgraded[0].Name != "glibc" || d.Upgraded[0].Arch != "x86_64" || d.Upgraded[1].Name != "kernel" {
		t.Fatalf("upgraded: %+v", d.Upgraded)
	}
	if len(d.Downgraded) != 1 || d.Downgraded[0].Name != "down" {
		t.Fatalf("downgraded: %+v", d.Downgraded)
	}
	if got := nevras(d.Removed); len(got) != 1 || got[0] != "gone-1-1.noarch" {
		t.Fatalf("removed: %v", got)
	}
	if got := nevras(d.Added); len(got) != 2 || got[0] != "gpg-pubkey-bbbb-1" || got[1] != "new-1-1.noarch" {
		t.Fatalf("added: %v", got)
	}
	if d.Summary() != "2 upgraded, 1 downgraded, 1 removed, 2 added" {
		t.Fatal(d.Summary())
	}
	if !Diff(base, base).Empty() {
		t.Fatal("a list against itself must be empty")
	}
}

func FuzzRPMVerCmp(f *testing.F) {
	for _, c := range verCmpTable {
		f.Add(c.a, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := VerCmp(a, b), VerCmp(b, a)
		if x < -1 || x > 1 || x != -y {
			t.Fatalf("VerCmp(%q,%q)=%d, reversed %d", a, b, x, y)
		}
		if VerCmp(a, a) != 0 {
			t.Fatalf("VerCmp(%q,%q) != 0", a, a)
		}
	})
}
