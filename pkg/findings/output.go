package findings

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// WriteText prints one finding per line as FILE:LINE:COL: SEVERITY RULE: message,
// the shape editors and CI log parsers recognise. Unknown positions print as 0.
// rules is accepted for symmetry with the other writers and is not needed here.
func WriteText(w io.Writer, fs []Finding, rules ...Rule) error {
	sorted := sortedCopy(fs)
	var b strings.Builder
	for _, f := range sorted {
		fmt.Fprintf(&b, "%s:%d:%d: %s %s: %s\n", f.File, f.Line, f.Column, f.Severity, f.Rule, oneLine(f.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints {"findings":[...]} sorted by file, line, column and rule;
// an empty result is an empty array, never null, so consumers can index it.
func WriteJSON(w io.Writer, fs []Finding, rules ...Rule) error {
	sorted := sortedCopy(fs)
	if sorted == nil {
		sorted = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []Finding `json:"findings"`
	}{sorted})
}

// Tool names the SARIF producer.
type Tool struct {
	Name           string
	Version        string
	InformationURI string
}

// DefaultTool is what WriteSARIF reports as the producer.
var DefaultTool = Tool{Name: "ocl-build", InformationURI: "https://github.com/ocl-build/ocl-build"}

// WriteSARIF prints a SARIF 2.1.0 log with one run whose driver carries the
// given rule catalogue (id, short description, help, default level), so code
// scanning UIs can show rule help next to each result.
func WriteSARIF(w io.Writer, fs []Finding, rules ...Rule) error {
	return WriteSARIFTool(w, DefaultTool, fs, rules...)
}

// WriteSARIFTool is WriteSARIF with an explicit producer (name, version).
func WriteSARIFTool(w io.Writer, tool Tool, fs []Finding, rules ...Rule) error {
	sorted := sortedCopy(fs)
	index := map[string]int{}
	driverRules := make([]sarifRule, 0, len(rules))
	for _, r := range rules {
		if _, dup := index[r.ID]; dup || r.ID == "" {
			continue
		}
		index[r.ID] = len(driverRules)
		sr := sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{Text: nonEmpty(r.Short, r.ID)},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
		}
		if r.Help != "" {
			sr.FullDescription = &sarifText{Text: r.Help}
			sr.Help = &sarifText{Text: r.Help}
		}
		if r.HelpMarkdown != "" {
			if sr.Help == nil {
				sr.Help = &sarifText{Text: nonEmpty(r.Help, r.Short)}
			}
			sr.Help.Markdown = r.HelpMarkdown
		}
		driverRules = append(driverRules, sr)
	}
	results := make([]sarifResult, 0, len(sorted))
	for _, f := range sorted {
		res := sarifResult{
			RuleID:  f.Rule,
			Level:   sarifLevel(f.Severity),
			Message: sarifText{Text: nonEmpty(oneLine(f.Message), f.Rule)},
		}
		if i, ok := index[f.Rule]; ok {
			i := i
			res.RuleIndex = &i
		}
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.File)}}}
		if f.Line > 0 {
			reg := &sarifRegion{StartLine: f.Line}
			if f.Column > 0 {
				reg.StartColumn = f.Column
			}
			loc.PhysicalLocation.Region = reg
		}
		res.Locations = []sarifLocation{loc}
		results = append(results, res)
	}
	name := nonEmpty(tool.Name, "ocl-build")
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: driverRules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}
type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}
type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}
type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}
type sarifRule struct {
	ID                   string      `json:"id"`
	ShortDescription     sarifText   `json:"shortDescription"`
	FullDescription      *sarifText  `json:"fullDescription,omitempty"`
	Help                 *sarifText  `json:"help,omitempty"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}
type sarifConfig struct {
	Level string `json:"level"`
}
type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}
type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex *int            `json:"ruleIndex,omitempty"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}
type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}
type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}
type sarifArtifact struct {
	URI string `json:"uri"`
}
type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifLevel maps severities to SARIF's error|warning|note|none.
func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "note"
	}
	return "none"
}

// fileURI turns a path into a URI reference: relative paths stay relative
// (code scanning resolves them against the checkout), absolute ones get file://.
func fileURI(p string) string {
	if p == "" {
		return "unknown"
	}
	slash := filepath.ToSlash(p)
	if strings.HasPrefix(slash, "/") {
		return (&url.URL{Scheme: "file", Path: slash}).String()
	}
	return (&url.URL{Path: slash}).String()
}

func sortedCopy(fs []Finding) []Finding {
	if fs == nil {
		return nil
	}
	out := append([]Finding(nil), fs...)
	Sort(out)
	return out
}

func nonEmpty(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// oneLine keeps every finding on one output line whatever the message holds.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
