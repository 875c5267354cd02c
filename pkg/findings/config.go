package findings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ConfigFileName is looked up in the working directory when --config is not given.
const ConfigFileName = ".ocl-build.yaml"

// Config is the project's lint policy, read from .ocl-build.yaml:
//
//	ignored: [OCL212]            # never report these
//	override:                    # change a rule's severity ("none" drops it;
//	  OCL214: warning            #   naming an opt-in rule here turns it on)
//	failure-threshold: warning   # error (default) | warning | info | none
//	target: out-of-cluster       # lint's --target: auto (default) | on-cluster | out-of-cluster | bootc
//
// hadolint's shape of override (severity: [rules]) is accepted too.
type Config struct {
	Path             string
	Ignored          []string
	Override         map[string]Severity
	FailureThreshold *Severity // nil when the file does not set it
	// Target is lint's target (on-cluster, out-of-cluster, bootc, auto);
	// "" when the file does not set it. Checked by the caller, which owns
	// the list of targets.
	Target     string
	TargetLine int
}

// FindConfig returns dir/.ocl-build.yaml when it exists, "" otherwise.
func FindConfig(dir string) string {
	p := filepath.Join(dir, ConfigFileName)
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return p
	}
	return ""
}

// LoadConfig reads and checks a config file; errors name the file and line.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Config{}, fmt.Errorf("config %s: file does not exist", path)
		}
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// ParseConfig reads the YAML text of a config file.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return c, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty file: defaults
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return c, nil
	}
	if root.Kind != yaml.MappingNode {
		return c, fmt.Errorf("line %d: want a mapping with ignored, override, failure-threshold, target", root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "ignored":
			ids, err := ruleList(v)
			if err != nil {
				return c, err
			}
			c.Ignored = append(c.Ignored, ids...)
		case "override":
			if err := c.parseOverride(v); err != nil {
				return c, err
			}
		case "failure-threshold":
			if v.Kind != yaml.ScalarNode {
				return c, fmt.Errorf("line %d: failure-threshold: want error, warning, info or none", v.Line)
			}
			s, err := ParseSeverity(v.Value)
			if err != nil {
				return c, fmt.Errorf("line %d: failure-threshold: %v", v.Line, err)
			}
			c.FailureThreshold = &s
		case "target":
			if v.Kind != yaml.ScalarNode {
				return c, fmt.Errorf("line %d: target: want on-cluster, out-of-cluster, bootc or auto", v.Line)
			}
			c.Target, c.TargetLine = v.Value, v.Line
		default:
			return c, fmt.Errorf("line %d: unknown key %q (want ignored, override, failure-threshold, target)", k.Line, k.Value)
		}
	}
	return c, nil
}

func (c *Config) parseOverride(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: override: want a mapping of rule: severity", v.Line)
	}
	if c.Override == nil {
		c.Override = map[string]Severity{}
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if sev, err := ParseSeverity(k.Value); err == nil && val.Kind == yaml.SequenceNode {
			// hadolint shape: severity: [rules]
			ids, err := ruleList(val)
			if err != nil {
				return err
			}
			for _, id := range ids {
				c.Override[id] = sev
			}
			continue
		}
		id := strings.ToUpper(strings.TrimSpace(k.Value))
		if !ruleIDRe.MatchString(id) {
			return fmt.Errorf("line %d: override: %q is not a rule ID (OCLnnn)", k.Line, k.Value)
		}
		if val.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: override %s: want error, warning, info or none", val.Line, id)
		}
		sev, err := ParseSeverity(val.Value)
		if err != nil {
			return fmt.Errorf("line %d: override %s: %v", val.Line, id, err)
		}
		c.Override[id] = sev
	}
	return nil
}

func ruleList(v *yaml.Node) ([]string, error) {
	var items []*yaml.Node
	switch v.Kind {
	case yaml.SequenceNode:
		items = v.Content
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil
		}
		items = []*yaml.Node{v}
	default:
		return nil, fmt.Errorf("line %d: want a list of rule IDs", v.Line)
	}
	var out []string
	for _, it := range items {
		id := strings.ToUpper(strings.TrimSpace(it.Value))
		if it.Kind != yaml.ScalarNode || !ruleIDRe.MatchString(id) {
			return nil, fmt.Errorf("line %d: %q is not a rule ID (OCLnnn)", it.Line, it.Value)
		}
		out = append(out, id)
	}
	return out, nil
}

// Apply drops ignored rules and rewrites overridden severities (an override
// to none drops the finding). It returns a new slice; fs is not modified.
func (c Config) Apply(fs []Finding) []Finding {
	ignored := map[string]bool{}
	for _, id := range c.Ignored {
		ignored[id] = true
	}
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		if ignored[f.Rule] {
			continue
		}
		if s, ok := c.Override[f.Rule]; ok {
			if s == SeverityNone {
				continue
			}
			f.Severity = s
		}
		out = append(out, f)
	}
	return out
}

// Enabled lists the rules the config turns on by overriding them to a
// severity above none (how opt-in rules are switched on), sorted.
func (c Config) Enabled() []string {
	var ids []string
	for id, s := range c.Override {
		if s != SeverityNone {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// ApplyRules returns the catalogue with the config's overrides applied to the
// default severities, so --list and SARIF show the levels in force.
func (c Config) ApplyRules(rules []Rule) []Rule {
	out := append([]Rule(nil), rules...)
	for i := range out {
		if s, ok := c.Override[out[i].ID]; ok {
			out[i].Severity = s
			out[i].OptIn = false
		}
	}
	return out
}
