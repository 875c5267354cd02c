// Package rules is the one catalogue of every rule ocl-build reports: the
// Containerfile lint (OCL1xx, OCL2xx), the manifest checks (OCL3xx) and the
// image checks (OCL4xx). It holds metadata only; each checker keeps its
// checks and imports the rule it reports.
//
// # Shape (hadolint's: one rule, one file, one list)
//
// Every rule is one file, oclNNN.go, declaring one *Rule:
//
//	var OCL202 = &Rule{
//		ID: "OCL202", Title: "...", Severity: findings.SeverityWarning,
//		Checker: Containerfile, Scope: Shipped, Targets: AllTargets,
//		Doc: Doc{What: "...", Why: "...", Bad: "...", Good: "..."},
//	}
//
// and appears once in All (all.go), the explicit list that `lint --list`,
// the SARIF rule metadata, the pages under docs/rules (go generate) and the
// tests iterate. Nothing else lists rules.
//
// # Severities come from here
//
// A checker never passes a severity: it reports through the rule
// (r.Finding, r.VariantFinding), which takes the default Severity, or the
// one Versioned returns for the OpenShift version in force
// (pkg/ocpversion.Profile), or the severity of a named Variant the rule
// declares (OCL305 "expired" is an error where "expiring" is a warning).
// The pages show all three, so what a user reads is what the code does.
//
// # Targets and scope
//
// Targets say where a rule applies: on-cluster (a MachineOSConfig's
// content, built after the operator's configs stage), out-of-cluster (a
// layered image built FROM an RHCOS/FCOS image elsewhere, set as a
// MachineConfig osImageURL) and bootc (FROM a *-bootc image). Scope says which
// stages of a Containerfile a rule looks at: Shipped rules (what ends up on
// the node) see only the final stage and the stages it descends from;
// AllStages rules (correctness: the build would fail) see every stage.
//
// # Adding a rule
//
// Take the next free ID in its range (IDs are never reused; a rule that is
// wrong is Retired, with the reason), write oclNNN.go here with a Doc whose
// Bad example fires the rule and whose Good example does not (the checker's
// tests run both), add it to All, write the check and its table test in the
// checker's package, and run `go generate ./pkg/rules` to write its page.
package rules
