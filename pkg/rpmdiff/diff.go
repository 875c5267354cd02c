package rpmdiff

import (
	"fmt"
	"sort"
)

// Change is one package present on both sides in different versions.
type Change struct {
	Name string  `json:"name"`
	Arch string  `json:"arch"`
	From Package `json:"from"`
	To   Package `json:"to"`
}

// Result is the difference between two package sets.
type Result struct {
	Upgraded   []Change  `json:"upgraded"`
	Downgraded []Change  `json:"downgraded"`
	Removed    []Package `json:"removed"`
	Added      []Package `json:"added"`
}

// Empty reports whether nothing changed.
func (r Result) Empty() bool {
	return len(r.Upgraded)+len(r.Downgraded)+len(r.Removed)+len(r.Added) == 0
}

// Summary is "N upgraded, N downgraded, N removed, N added".
func (r Result) Summary() string {
	return fmt.Sprintf("%d upgraded, %d downgraded, %d removed, %d added",
		len(r.Upgraded), len(r.Downgraded), len(r.Removed), len(r.Added))
}

type key struct{ name, arch string }

// Diff compares two package lists by name and architecture, so the i686 and
// x86_64 halves of a multilib pair are separate packages. Names installed in
// several versions at once (kernel, gpg-pubkey) are matched version by
// version: identical versions cancel out; if exactly one version is left on
// each side it is an upgrade or downgrade, otherwise the leftovers are
// removed and added.
func Diff(base, target []Package) Result {
	group := func(ps []Package) map[key][]Package {
		m := map[key][]Package{}
		for _, p := range ps {
			k := key{p.Name, p.Arch}
			m[k] = append(m[k], p)
		}
		return m
	}
	b, t := group(base), group(target)
	keys := map[key]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range t {
		keys[k] = true
	}
	var r Result
	for k := range keys {
		olds, news := cancelEqual(b[k], t[k])
		switch {
		case len(olds) == 1 && len(news) == 1:
			c := Change{Name: k.name, Arch: k.arch, From: olds[0], To: news[0]}
			switch cmp := CompareEVR(olds[0], news[0]); {
			case cmp < 0:
				r.Upgraded = append(r.Upgraded, c)
			case cmp > 0:
				r.Downgraded = append(r.Downgraded, c)
			}
			// cmp == 0 with different strings (e.g. epoch unset vs 0):
			// rpm treats them as the same version, so no change.
		default:
			r.Removed = append(r.Removed, olds...)
			r.Added = append(r.Added, news...)
		}
	}
	sortChanges(r.Upgraded)
	sortChanges(r.Downgraded)
	sortPackages(r.Removed)
	sortPackages(r.Added)
	return r
}

// cancelEqual drops the versions present on both sides (rpm equality).
func cancelEqual(olds, news []Package) ([]Package, []Package) {
	used := make([]bool, len(news))
	var o []Package
outer:
	for _, p := range olds {
		for j, q := range news {
			if !used[j] && CompareEVR(p, q) == 0 {
				used[j] = true
				continue outer
			}
		}
		o = append(o, p)
	}
	var n []Package
	for j, q := range news {
		if !used[j] {
			n = append(n, q)
		}
	}
	return o, n
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Name != cs[j].Name {
			return cs[i].Name < cs[j].Name
		}
		return cs[i].Arch < cs[j].Arch
	})
}
