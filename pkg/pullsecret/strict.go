package pullsecret

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// What the build controller does with the base image pull secret and the
// push secret before a build, by version (the facts are in the profile,
// ocpversion.Profile.StrictPullSecrets and PullSecretIgnoresCredHelpers):
//
//   - release-4.19: utils.GetPullSecretKey (pkg/controller/build/utils/
//     helpers.go) wants the type's key present and non-empty;
//     ConvertSecretToDockerconfigJSON (pkg/controller/common/dockerconfig.go)
//     hands a config whose "auths" is non-empty to the build as written,
//     other top-level keys and entry fields included.
//   - release-4.20 and later: secrets.ValidateKubernetesImageRegistrySecret
//     (pkg/secrets/helpers.go) also refuses a Secret that holds the other
//     type's key, and the config is decoded with unknown JSON fields
//     disallowed (pkg/secrets) into auths of username, password, email and
//     auth: any other key, at the top or in a registry entry, refuses the
//     secret and no build starts.

// entryFields are the registry entry keys the strict decoder knows
// (DockerConfigEntry in pkg/secrets/secrets.go, release-4.20 … main).
var entryFields = []string{"username", "password", "email", "auth"}

// Refusal is one thing a version's build controller refuses in a pull
// secret. Field is a path inside the docker config ("auths[\"quay.io\"].identitytoken")
// or the Secret ("data"); Msg never quotes a value.
type Refusal struct {
	Field string
	Msg   string
}

func (r Refusal) String() string {
	if r.Field == "" {
		return r.Msg
	}
	return r.Field + ": " + r.Msg
}

// Refusals lists what the build controller of version p refuses in c when
// it copies c for the build. Nil when p takes c.
func (c *Config) Refusals(p ocpversion.Profile) []Refusal {
	if !p.StrictPullSecrets {
		return nil
	}
	var out []Refusal
	if c.otherKey != "" {
		out = append(out, Refusal{Field: "data", Msg: fmt.Sprintf("the Secret has type %s but also the key %s; OpenShift %s refuses a Secret that holds both kinds of key", c.secretType, c.otherKey, p.Version)})
	}
	if c.form == FormatDockerConfigJSON {
		for _, k := range c.root.keys {
			if strings.EqualFold(k, "auths") {
				continue
			}
			if p.PullSecretIgnoresCredHelpers && (strings.EqualFold(k, "credHelpers") || strings.EqualFold(k, "credsStore")) {
				continue
			}
			why := "only \"auths\" is read"
			if !p.PullSecretIgnoresCredHelpers && (strings.EqualFold(k, "credHelpers") || strings.EqualFold(k, "credsStore")) {
				why = "this version's decoder does not yet ignore credHelpers/credsStore"
			}
			out = append(out, Refusal{Field: k, Msg: fmt.Sprintf("unknown top-level key: OpenShift %s decodes pull secrets with unknown fields disallowed (%s); drop the key", p.Version, why)})
		}
	}
	auths := c.auths()
	for _, reg := range auths.keys {
		eo, ok := auths.vals[reg].(*object)
		if !ok {
			continue // validate refused it already
		}
		for _, k := range eo.keys {
			if knownEntryField(k) {
				continue
			}
			msg := fmt.Sprintf("unknown field: OpenShift %s decodes registry entries with unknown fields disallowed (it knows %s)", p.Version, strings.Join(entryFields, ", "))
			if strings.EqualFold(k, "identitytoken") || strings.EqualFold(k, "registrytoken") {
				msg += "; log in with a username and password (or a token as the password) instead"
			}
			out = append(out, Refusal{Field: fmt.Sprintf("auths[%q].%s", reg, k), Msg: msg})
		}
	}
	return out
}

func knownEntryField(k string) bool {
	for _, f := range entryFields {
		// encoding/json matches field names case-insensitively.
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

// VersionVerdict is what one run of consecutive versions does with a pull
// secret: From … To take it when Refusals is empty.
type VersionVerdict struct {
	From, To ocpversion.Version
	Refusals []Refusal
}

// Range is "4.19", "4.20–4.21" or "4.23 and later" (To the newest known).
func (v VersionVerdict) Range() string {
	switch {
	case v.To == ocpversion.Newest() && v.From != v.To:
		return v.From.String() + " and later"
	case v.From == v.To:
		return v.From.String()
	}
	return v.From.String() + "–" + v.To.String()
}

// Verdicts says, for every known version, whether its build controller
// takes c; consecutive versions with the same refusals share one verdict.
func (c *Config) Verdicts() []VersionVerdict {
	var out []VersionVerdict
	for _, v := range ocpversion.Known() {
		p, _, _ := ocpversion.Lookup(v)
		r := c.Refusals(p)
		if n := len(out); n > 0 && sameRefusals(out[n-1].Refusals, r, out[n-1].From, v) {
			out[n-1].To = v
			continue
		}
		out = append(out, VersionVerdict{From: v, To: v, Refusals: r})
	}
	return out
}

// sameRefusals compares refusals of two versions, whose messages differ
// only by the version they name.
func sameRefusals(a, b []Refusal, va, vb ocpversion.Version) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Field != b[i].Field || a[i].Msg != strings.ReplaceAll(b[i].Msg, "OpenShift "+vb.String()+" ", "OpenShift "+va.String()+" ") {
			return false
		}
	}
	return true
}

// LaterRefusals is for a version that takes c: the first later known
// version that refuses it, and what it refuses (ok false when none does).
// An admin on 4.19 learns before upgrading that the build will stop.
func (c *Config) LaterRefusals(p ocpversion.Profile) (ocpversion.Version, []Refusal, bool) {
	if len(c.Refusals(p)) > 0 {
		return ocpversion.Version{}, nil, false
	}
	for _, v := range ocpversion.Known() {
		if !p.Version.Less(v) {
			continue
		}
		q, _, _ := ocpversion.Lookup(v)
		if r := c.Refusals(q); len(r) > 0 {
			return v, r, true
		}
	}
	return ocpversion.Version{}, nil, false
}

// RefusalFields lists the fields of rs, sorted, for one-line messages.
func RefusalFields(rs []Refusal) string {
	var f []string
	for _, r := range rs {
		f = append(f, r.Field)
	}
	sort.Strings(f)
	return strings.Join(f, ", ")
}

// Judge adds the version verdict to r: with p, what p's build controller
// refuses (errors) and the first later version that would (information);
// with p nil, a verdict per run of known versions (a refusal anywhere is a
// warning: the secret works on some versions only).
func (r *Report) Judge(c *Config, p *ocpversion.Profile) {
	if p == nil {
		r.Verdicts = c.Verdicts()
		return
	}
	r.Version = p.Version.String()
	r.Refusals = c.Refusals(*p)
	if v, rs, ok := c.LaterRefusals(*p); ok {
		r.LaterVersion, r.LaterRefusals = v.String(), rs
	}
}

func (r Report) versionSeverity() findings.Severity {
	if len(r.Refusals) > 0 {
		return findings.SeverityError
	}
	for _, v := range r.Verdicts {
		if len(v.Refusals) > 0 {
			return findings.SeverityWarning
		}
	}
	if len(r.LaterRefusals) > 0 {
		return findings.SeverityInfo
	}
	return findings.SeverityNone
}
