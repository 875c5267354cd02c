package ocpversion

import (
	"fmt"
	"regexp"
	"strconv"
)

// Version is an OpenShift minor version. Patch levels do not change the
// on-cluster build, so they are not kept.
type Version struct {
	Major, Minor int
}

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AtLeast reports whether v is w or newer.
func (v Version) AtLeast(w Version) bool { return !v.Less(w) }

// IsZero reports whether v was never set.
func (v Version) IsZero() bool { return v == Version{} }

// The versions can come written as 4.20, 4.20.3, v4.20.0-rc.1,
// 4.20.0-0.nightly-2025-…, or as a release image tag 4.20.3-x86_64.
var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$`)

// Parse reads an OpenShift version as clusters, ConfigMaps and release
// payloads write it.
func Parse(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not an OpenShift version (want X.Y or X.Y.Z, e.g. 4.20 or 4.20.3)", s)
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || major > 99 || minor > 999 {
		return Version{}, fmt.Errorf("%q is not an OpenShift version", s)
	}
	return Version{Major: major, Minor: minor}, nil
}

// MustParse is Parse for constants.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}
