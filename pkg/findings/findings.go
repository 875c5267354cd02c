package findings

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings; the zero value is invalid on purpose.
type Severity int

const (
	SeverityNone    Severity = iota // used only as a threshold: nothing fails
	SeverityInfo                    // style, reproducibility
	SeverityWarning                 // works, but wrong or risky on an OS image
	SeverityError                   // the cluster build or rollout fails or misbehaves
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	case SeverityNone:
		return "none"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity accepts error|warning|info|none (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return SeverityError, nil
	case "warning", "warn":
		return SeverityWarning, nil
	case "info":
		return SeverityInfo, nil
	case "none":
		return SeverityNone, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or none)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one problem at one place in a file the user wrote.
// Line and Column are 1-based; 0 means unknown.
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// Rule is how the output formats show one rule (OCLnnn); the rules
// themselves live in pkg/rules, which fills this in.
type Rule struct {
	ID       string
	Severity Severity // default severity
	Short    string   // one line: what fires it
	Help     string   // why it matters and how to fix it
	// OptIn rules are off unless enabled (config override or Options), for
	// checks that are right for some projects and noise for most.
	OptIn bool
	// Targets the rule applies to (on-cluster, out-of-cluster, bootc).
	Targets []string
	// Retired rules are listed but never reported.
	Retired bool
	// HelpMarkdown is the rule's page (docs/rules/OCLnnn.md), for SARIF.
	HelpMarkdown string
	// HelpURI is where the page lives in the repository.
	HelpURI string
}

// Sort orders findings by file, line, column, then rule ID.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
}

// AtOrAbove reports whether any finding is at or above the threshold.
// A threshold of SeverityNone never fails.
func AtOrAbove(fs []Finding, threshold Severity) bool {
	if threshold == SeverityNone {
		return false
	}
	for _, f := range fs {
		if f.Severity >= threshold {
			return true
		}
	}
	return false
}
