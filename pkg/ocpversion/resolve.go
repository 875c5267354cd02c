package ocpversion

import "fmt"

// Sources of the version, in the order Resolve consults them.
const (
	SourceFlag           = "--openshift-version"
	SourceCluster        = "cluster (ClusterVersion)"
	SourceConfigMap      = "machine-config-osimageurl ConfigMap (releaseVersion)"
	SourceReleasePayload = "release payload"
	SourceDefault        = "default"
)

// Candidate is a version string and where it came from. An empty Value
// means that source did not say.
type Candidate struct {
	Value, Source string
}

// Detected is the profile in force, the version asked for and where it
// came from, and warnings for the user (newer than known, defaulted, two
// sources that disagree).
type Detected struct {
	Profile  Profile
	Version  Version // as found; may be newer than Profile.Version
	Source   string
	Warnings []string
}

// Describe says which version is used and why, for progress output:
// "OpenShift 4.20 (from release payload)".
func (d Detected) Describe() string {
	s := fmt.Sprintf("OpenShift %s (from %s)", d.Version, d.Source)
	if d.Profile.Version != d.Version {
		s += fmt.Sprintf(", %s profile", d.Profile.Version)
	}
	return s
}

// Resolve picks the version from the first candidate that states one
// (callers pass them in the order --openshift-version, cluster, ConfigMap
// releaseVersion, release payload). When none does, the newest profile is
// used with a warning: that is what a new cluster runs, and the warning
// names the flag. A candidate that does not parse is an error naming its
// source; a later candidate that disagrees with the chosen one is a warning.
func Resolve(cands ...Candidate) (Detected, error) {
	var d Detected
	found := false
	for _, c := range cands {
		if c.Value == "" {
			continue
		}
		v, err := Parse(c.Value)
		if err != nil {
			return Detected{}, fmt.Errorf("%s: %w", c.Source, err)
		}
		if !found {
			d.Version, d.Source, found = v, c.Source, true
			continue
		}
		if v != d.Version {
			d.Warnings = append(d.Warnings, fmt.Sprintf("%s says OpenShift %s but %s says %s; using %s", c.Source, v, d.Source, d.Version, d.Version))
		}
	}
	if !found {
		d.Version, d.Source = Newest(), SourceDefault
		d.Warnings = append(d.Warnings, fmt.Sprintf("no OpenShift version given or found; assuming %s, the newest ocl-build knows (pass --openshift-version X.Y to match your cluster)", d.Version))
	}
	p, warn, err := Lookup(d.Version)
	if err != nil {
		return Detected{}, fmt.Errorf("%s: %w", d.Source, err)
	}
	if warn != "" {
		d.Warnings = append(d.Warnings, warn)
	}
	d.Profile = p
	return d, nil
}

// MustLookup is Lookup for a version known to have a profile (tests, the
// default of a library call).
func MustLookup(v string) Profile {
	p, _, err := Lookup(MustParse(v))
	if err != nil {
		panic(err)
	}
	return p
}
