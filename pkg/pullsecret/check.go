package pullsecret

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// DefaultMinValidity is how long a service-account token must still be
// valid before `secret check` and OCL305 stop warning (30 days).
const DefaultMinValidity = 720 * time.Hour

// Token is what a JWT password says about itself. It never holds the token.
type Token struct {
	Subject string
	Issuer  string
	// Expires is zero when the token has no exp claim (a legacy
	// service-account token secret, valid until deleted).
	Expires time.Time
}

// ServiceAccount returns namespace and name for a Kubernetes service-account
// subject ("system:serviceaccount:NS:NAME").
func (t Token) ServiceAccount() (ns, name string, ok bool) {
	rest, ok := strings.CutPrefix(t.Subject, "system:serviceaccount:")
	if !ok {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	return ns, name, ok
}

// ParseToken reads the claims of a JWT without verifying its signature
// (ocl-build has no key to verify it with; it only reports expiry). ok is
// false when s is not a JWT.
func ParseToken(s string) (Token, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return Token{}, false
	}
	hdr, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return Token{}, false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hdr, &h) != nil || h.Alg == "" {
		return Token{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Token{}, false
	}
	var c struct {
		Sub string          `json:"sub"`
		Iss string          `json:"iss"`
		Exp json.RawMessage `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return Token{}, false
	}
	t := Token{Subject: c.Sub, Issuer: c.Iss}
	var exp float64
	if len(c.Exp) > 0 && json.Unmarshal(c.Exp, &exp) == nil && exp > 0 && exp < 1e11 {
		t.Expires = time.Unix(int64(exp), 0).UTC()
	}
	return t, true
}

// Token returns the JWT among the entry's password and identity token.
func (e Entry) Token() (Token, bool) {
	if t, ok := ParseToken(e.Password); ok {
		return t, true
	}
	return ParseToken(e.IdentityToken)
}

// NormalizeRegistry reduces a docker config key or a registry name to the
// host[/path] form containers/image matches on: no scheme, no /v1/ or /v2/
// suffix, docker.io for Docker Hub's aliases.
func NormalizeRegistry(key string) string {
	k := strings.TrimSpace(key)
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k = strings.TrimRight(k, "/")
	for _, suf := range []string{"/v1", "/v2"} {
		k = strings.TrimSuffix(k, suf)
	}
	k = strings.TrimRight(k, "/")
	host, rest, _ := strings.Cut(k, "/")
	switch strings.ToLower(host) {
	case "index.docker.io", "registry-1.docker.io", "docker.io":
		host = "docker.io"
	}
	if rest != "" {
		return host + "/" + rest
	}
	return host
}

// RepositoryOf returns host/path of an image reference without tag or digest
// (docker.io for a bare name, as containers/image does).
func RepositoryOf(ref string) string {
	r := strings.TrimSpace(ref)
	if i := strings.Index(r, "://"); i >= 0 {
		r = r[i+3:]
	}
	if i := strings.Index(r, "@"); i >= 0 {
		r = r[:i]
	}
	// A tag is a colon after the last slash.
	if i := strings.LastIndex(r, ":"); i > strings.LastIndex(r, "/") {
		r = r[:i]
	}
	first, _, hasSlash := strings.Cut(r, "/")
	if !hasSlash || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		r = "docker.io/" + r
	}
	return NormalizeRegistry(r)
}

var hostPort = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?$`)

// looksLikeHost tells a bare registry ("quay.io", "reg:5000", "localhost")
// from a bare Docker Hub image name ("busybox", "busybox:1").
func looksLikeHost(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") || !hostPort.MatchString(s) {
		return false
	}
	h, port, _ := strings.Cut(s, ":")
	return strings.Contains(h, ".") || h == "localhost" || port != ""
}

// Lookup finds the key whose credential containers/image would use for the
// image reference or registry host: the most specific key that is the
// reference's host or a path prefix of it.
func (c *Config) Lookup(ref string) (string, bool) {
	repo := RepositoryOf(ref)
	if looksLikeHost(ref) {
		repo = NormalizeRegistry(ref) // a registry, not an image
	}
	best, bestLen := "", -1
	for _, k := range c.auths().keys {
		n := NormalizeRegistry(k)
		if n == repo || strings.HasPrefix(repo, n+"/") {
			if len(n) > bestLen {
				best, bestLen = k, len(n)
			}
		}
	}
	return best, bestLen >= 0
}

// EntryReport describes one registry entry, without any credential value.
type EntryReport struct {
	Registry string
	Username string
	// Form is "user:password", "username/password fields", "identity token"
	// or "none".
	Form     string
	Token    *Token
	Severity findings.Severity // highest problem, SeverityNone if none
	Problems []string
}

// Coverage says which key, if any, serves a requested registry.
type Coverage struct {
	Registry string
	Key      string
	Covered  bool
}

// Report is the result of Check.
type Report struct {
	File     string
	Entries  []EntryReport
	Coverage []Coverage
	// Set by Judge. Version is the OpenShift version judged ("" when every
	// known version was: Verdicts); Refusals are what its build controller
	// refuses; LaterVersion is the first later version that refuses the
	// secret, and LaterRefusals what it refuses.
	Version       string
	Refusals      []Refusal
	LaterVersion  string
	LaterRefusals []Refusal
	Verdicts      []VersionVerdict
}

// Worst is the highest severity in the report (uncovered registries are
// errors).
func (r Report) Worst() findings.Severity {
	w := findings.SeverityNone
	for _, e := range r.Entries {
		if e.Severity > w {
			w = e.Severity
		}
	}
	for _, c := range r.Coverage {
		if !c.Covered {
			w = findings.SeverityError
		}
	}
	if v := r.versionSeverity(); v > w {
		w = v
	}
	return w
}

// Check reports, for every entry, how its credential is written and, for
// service-account tokens, who they are for and when they expire: an expired
// token is an error, one valid for less than minValidity a warning. For each
// of registries it says which key covers it.
func Check(c *Config, registries []string, now time.Time, minValidity time.Duration) Report {
	r := Report{File: c.File}
	for _, k := range c.Registries() {
		e, _ := c.Entry(k)
		er := EntryReport{Registry: k, Username: e.Username, Severity: findings.SeverityNone}
		bump := func(s findings.Severity, msg string) {
			er.Problems = append(er.Problems, msg)
			if s > er.Severity {
				er.Severity = s
			}
		}
		switch {
		case e.AuthProblem != "":
			er.Form = "invalid auth"
			bump(findings.SeverityError, e.AuthProblem)
		case e.FromAuth:
			er.Form = "user:password"
		case e.Username != "" && e.Password != "":
			er.Form = "username/password fields"
		case e.IdentityToken != "":
			er.Form = "identity token"
		default:
			er.Form = "none"
			bump(findings.SeverityError, "no credential (neither auth nor username/password)")
		}
		if t, ok := e.Token(); ok {
			tc := t
			er.Token = &tc
			if msg, sev := ExpiryProblem(t, now, minValidity); sev != findings.SeverityNone {
				bump(sev, msg)
			}
		}
		r.Entries = append(r.Entries, er)
	}
	for _, reg := range registries {
		k, ok := c.Lookup(reg)
		r.Coverage = append(r.Coverage, Coverage{Registry: reg, Key: k, Covered: ok})
	}
	sort.SliceStable(r.Coverage, func(i, j int) bool { return r.Coverage[i].Registry < r.Coverage[j].Registry })
	return r
}

// ExpiryProblem judges a token's expiry: SeverityError when expired,
// SeverityWarning when it expires within minValidity, SeverityNone otherwise.
func ExpiryProblem(t Token, now time.Time, minValidity time.Duration) (string, findings.Severity) {
	if t.Expires.IsZero() {
		return "", findings.SeverityNone
	}
	left := t.Expires.Sub(now)
	who := t.Subject
	if who == "" {
		who = "token"
	}
	switch {
	case left <= 0:
		return fmt.Sprintf("%s expired on %s", who, t.Expires.Format(time.RFC3339)), findings.SeverityError
	case left < minValidity:
		return fmt.Sprintf("%s expires on %s (in %s, under %s)", who, t.Expires.Format(time.RFC3339), roundDuration(left), roundDuration(minValidity)), findings.SeverityWarning
	}
	return "", findings.SeverityNone
}

func roundDuration(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}
