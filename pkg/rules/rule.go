package rules

import (
	"fmt"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// Target is where an image is built and how it reaches nodes.
type Target string

const (
	// OnCluster: the content of a MachineOSConfig, pasted by the operator
	// after its own configs stage and built on the cluster.
	OnCluster Target = "on-cluster"
	// OutOfCluster: a layered image built elsewhere FROM the release's
	// RHCOS (or FCOS/OKD) image and rolled out as a MachineConfig osImageURL.
	OutOfCluster Target = "out-of-cluster"
	// Bootc: an image FROM a *-bootc base, deployed with bootc.
	Bootc Target = "bootc"
)

// AllTargets lists every target, in the order pages and --list show them.
var AllTargets = []Target{OnCluster, OutOfCluster, Bootc}

// Layering is on-cluster and out-of-cluster: the two OpenShift ways.
var Layering = []Target{OnCluster, OutOfCluster}

// Auto is the --target value that lets the Containerfile say its target.
const Auto = "auto"

// ParseTarget reads on-cluster, out-of-cluster, bootc or auto ("" and auto
// give "").
func ParseTarget(s string) (Target, error) {
	switch t := Target(strings.ToLower(strings.TrimSpace(s))); t {
	case "", Auto:
		return "", nil
	case OnCluster, OutOfCluster, Bootc:
		return t, nil
	}
	return "", fmt.Errorf("unknown target %q (want on-cluster, out-of-cluster, bootc or auto)", s)
}

// Checker names the part of ocl-build that reports a rule.
type Checker string

const (
	Containerfile Checker = "containerfile" // lint of the Containerfile text
	Manifests     Checker = "manifests"     // validate: MachineOSConfig, pool, secrets
	Image         Checker = "image"         // checks of the built image (preflight)
)

// Scope is which stages of a Containerfile a rule looks at.
type Scope int

const (
	// Shipped: the final stage and the stages it descends from, which is
	// what reaches the node. Builder stages are not judged.
	Shipped Scope = iota
	// AllStages: every stage, because a mistake there fails the build.
	AllStages
	// WholeFile: the text as a whole (parse errors, length).
	WholeFile
)

func (s Scope) String() string {
	switch s {
	case Shipped:
		return "final stage and the stages it descends from"
	case AllStages:
		return "every stage"
	case WholeFile:
		return "the whole file"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// Doc is a rule's page: what fires it, why it matters, a Containerfile (or
// manifest) that fires it and one that does not.
type Doc struct {
	What string // when it fires, one or two sentences
	Why  string // what goes wrong on the cluster or node, and the fix
	Bad  string // fires the rule
	Good string // the same intent, done right; fires nothing of this rule
}

// Variant is a named case of a rule reported at its own severity.
type Variant struct {
	Name     string
	Severity findings.Severity
	When     string // the case, for the page
}

// Rule is one rule's metadata.
type Rule struct {
	ID       string
	Title    string            // one line: what fires it
	Severity findings.Severity // default severity
	Checker  Checker
	Targets  []Target
	Scope    Scope // Containerfile rules only
	// OptIn rules are off unless enabled (config override or --enable).
	OptIn bool
	// Retired says why a rule is no longer reported; its ID stays taken.
	Retired string
	// Versioned, when set, gives the severity under an OpenShift version
	// (it may return SeverityNone: the rule does not apply there).
	Versioned func(ocpversion.Profile) findings.Severity
	// VersionNote says in words what Versioned does, for the page.
	VersionNote string
	Variants    []Variant
	Doc         Doc
}

// SeverityFor is the rule's severity under p (nil: the version is unknown,
// so the default).
func (r *Rule) SeverityFor(p *ocpversion.Profile) findings.Severity {
	if r.Versioned != nil && p != nil {
		return r.Versioned(*p)
	}
	return r.Severity
}

// VariantSeverity is the severity of a named variant; it panics on a name
// the rule does not declare, which the checker's tests catch.
func (r *Rule) VariantSeverity(name string) findings.Severity {
	for _, v := range r.Variants {
		if v.Name == name {
			return v.Severity
		}
	}
	panic(fmt.Sprintf("rule %s has no variant %q", r.ID, name))
}

// AppliesTo reports whether the rule is checked for target t ("" : any).
func (r *Rule) AppliesTo(t Target) bool {
	if t == "" {
		return true
	}
	for _, x := range r.Targets {
		if x == t {
			return true
		}
	}
	return false
}

// Finding is a finding of this rule at its severity under p.
func (r *Rule) Finding(p *ocpversion.Profile, file string, line, col int, msg string) findings.Finding {
	return findings.Finding{File: file, Line: line, Column: col, Rule: r.ID, Severity: r.SeverityFor(p), Message: msg}
}

// VariantFinding is a finding of the named variant.
func (r *Rule) VariantFinding(variant, file string, line, col int, msg string) findings.Finding {
	return findings.Finding{File: file, Line: line, Column: col, Rule: r.ID, Severity: r.VariantSeverity(variant), Message: msg}
}

// TargetNames is the targets as words ("on-cluster, out-of-cluster").
func (r *Rule) TargetNames() string {
	var s []string
	for _, t := range r.Targets {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// Catalogue is the rule as the output formats show it (--list, SARIF), at
// its severity under p.
func (r *Rule) Catalogue(p *ocpversion.Profile) findings.Rule {
	help := r.Doc.Why
	if r.Retired != "" {
		help = "Retired: " + r.Retired
	}
	var ts []string
	for _, t := range r.Targets {
		ts = append(ts, string(t))
	}
	return findings.Rule{
		ID: r.ID, Severity: r.SeverityFor(p), Short: r.Title, Help: help, OptIn: r.OptIn,
		Targets: ts, Retired: r.Retired != "", HelpMarkdown: Page(r), HelpURI: PagePath(r),
	}
}
