package rpmdiff

import (
	"sort"
	"strconv"

	version "github.com/knqyf263/go-rpm-version"
)

// Package is one installed rpm as its header names it.
type Package struct {
	Name    string `json:"name"`
	Epoch   *int   `json:"epoch"` // nil: no epoch tag (compares as 0)
	Version string `json:"version"`
	Release string `json:"release"`
	Arch    string `json:"arch"` // "" for packages without one (gpg-pubkey)
}

// EVR is [epoch:]version-release, the epoch only when set and non-zero, as
// rpm-ostree and dnf print it.
func (p Package) EVR() string {
	s := p.Version + "-" + p.Release
	if p.Epoch != nil && *p.Epoch != 0 {
		s = strconv.Itoa(*p.Epoch) + ":" + s
	}
	return s
}

// NEVRA is name-[epoch:]version-release.arch.
func (p Package) NEVRA() string {
	s := p.Name + "-" + p.EVR()
	if p.Arch != "" {
		s += "." + p.Arch
	}
	return s
}

func (p Package) epoch() int {
	if p.Epoch == nil {
		return 0
	}
	return *p.Epoch
}

// CompareEVR orders two packages' versions with rpm's rules: epoch first
// (missing = 0), then rpmvercmp on version, then on release.
func CompareEVR(a, b Package) int {
	if a.epoch() != b.epoch() {
		if a.epoch() < b.epoch() {
			return -1
		}
		return 1
	}
	if c := VerCmp(a.Version, b.Version); c != 0 {
		return c
	}
	return VerCmp(a.Release, b.Release)
}

// VerCmp is rpmvercmp on one version or release string (tilde sorts before
// anything, caret after the base but before a further segment, numeric
// segments beat alphabetic ones). Returns -1, 0 or 1.
func VerCmp(a, b string) int {
	if a == b {
		return 0
	}
	// go-rpm-version splits "epoch:version-release"; feed it strings that
	// cannot be mistaken for either separator so only rpmvercmp runs.
	va := version.NewVersion("0:" + a)
	vb := version.NewVersion("0:" + b)
	if hasDash(a) || hasDash(b) {
		// rpm never has '-' in a version or release; compare piecewise the
		// way rpmvercmp treats '-' (as a separator like '.').
		va = version.NewVersion("0:" + dashToDot(a))
		vb = version.NewVersion("0:" + dashToDot(b))
	}
	return va.Compare(vb)
}

func hasDash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			return true
		}
	}
	return false
}

func dashToDot(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '-' {
			b[i] = '.'
		}
	}
	return string(b)
}

// Format is the rpmdb backend.
type Format string

const (
	FormatSQLite Format = "sqlite"
	FormatNDB    Format = "ndb"
	FormatBDB    Format = "bdb"
)

// DB is an image's effective rpm database.
type DB struct {
	Ref      string    `json:"ref"`
	Path     string    `json:"path"` // directory inside the image (or on disk for local paths)
	File     string    `json:"file"` // main file name: rpmdb.sqlite, Packages.db or Packages
	Format   Format    `json:"format"`
	Layer    string    `json:"layer,omitempty"` // digest of the layer holding it
	Packages []Package `json:"-"`
	// LayersRead counts layers streamed from the image for this answer
	// (0 when everything came from the cache or the in-run memo).
	LayersRead int `json:"-"`
}

func sortPackages(ps []Package) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return CompareEVR(a, b) < 0
	})
}

func (f Format) String() string { return string(f) }
