package findings

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var sample = []Finding{
	{File: "b.yaml", Line: 9, Column: 3, Rule: "OCL302", Severity: SeverityError, Message: "no NoArch entry"},
	{File: "a/Containerfile", Line: 4, Column: 5, Rule: "OCL202", Severity: SeverityWarning, Message: "no clean\nsecond line"},
	{File: "a/Containerfile", Line: 2, Column: 1, Rule: "OCL210", Severity: SeverityInfo, Message: "not final"},
	{File: "/abs/dir with space/Containerfile", Line: 0, Column: 0, Rule: "OCL999", Severity: SeverityError, Message: "unknown rule, no position"},
}

var sampleRules = []Rule{
	{ID: "OCL202", Severity: SeverityWarning, Short: "no clean", Help: "Run dnf clean all."},
	{ID: "OCL210", Severity: SeverityInfo, Short: "not final", Help: "Name it final."},
	{ID: "OCL302", Severity: SeverityError, Short: "no NoArch", Help: "Add a NoArch entry.", HelpMarkdown: "# OCL302\n\nAdd a `NoArch` entry.\n"},
	{ID: "OCL404", Severity: SeverityWarning, Short: "volatile content"},
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := `/abs/dir with space/Containerfile:0:0: error OCL999: unknown rule, no position
a/Containerfile:2:1: info OCL210: not final
a/Containerfile:4:5: warning OCL202: no clean second line
b.yaml:9:3: error OCL302: no NoArch entry
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if sample[0].File != "b.yaml" {
		t.Fatal("WriteText must not reorder the caller's slice")
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != 4 || got.Findings[1]["file"] != "a/Containerfile" || got.Findings[1]["line"] != 2.0 ||
		got.Findings[1]["severity"] != "info" || got.Findings[3]["rule"] != "OCL302" || got.Findings[2]["column"] != 5.0 {
		t.Fatalf("unexpected JSON: %s", b.String())
	}
	b.Reset()
	_ = WriteJSON(&b, nil)
	if strings.TrimSpace(b.String()) != "{\n  \"findings\": []\n}" {
		t.Fatalf("empty result: %q", b.String())
	}
}

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "sarif", "sarif-2.1.0-rtm.5.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("SARIF schema missing (make deps fetches it with hack/deps.d/sarif.sh): %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestWriteSARIFValidatesAgainstSchema(t *testing.T) {
	sch := sarifSchema(t)
	for name, fs := range map[string][]Finding{"findings": sample, "empty": nil} {
		var b bytes.Buffer
		if err := WriteSARIFTool(&b, Tool{Name: "ocl-build", Version: "v0.1.0", InformationURI: "https://example.com/ocl-build"}, fs, sampleRules...); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Fatalf("%s: SARIF output fails the 2.1.0 schema: %v\n%s", name, err, b.String())
		}
	}
	// The schema must be able to fail: a result without message is invalid.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"OCL1"}]}]}`))
	if sch.Validate(bad) == nil {
		t.Fatal("schema accepted an invalid log")
	}
}

func TestWriteSARIFContent(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, sample, sampleRules...); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string            `json:"id"`
						ShortDescription     map[string]string `json:"shortDescription"`
						Help                 map[string]string `json:"help"`
						DefaultConfiguration map[string]string `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "ocl-build" || len(run.Tool.Driver.Rules) != 4 {
		t.Fatalf("header: %s", b.String())
	}
	r0 := run.Tool.Driver.Rules[0]
	if r0.ID != "OCL202" || r0.ShortDescription["text"] != "no clean" || r0.Help["text"] != "Run dnf clean all." || r0.DefaultConfiguration["level"] != "warning" {
		t.Fatalf("rule metadata: %+v", r0)
	}
	if run.Tool.Driver.Rules[1].DefaultConfiguration["level"] != "note" {
		t.Fatal("info maps to note")
	}
	res := run.Results
	if len(res) != 4 || res[0].RuleIndex != nil || res[0].Locations[0].PhysicalLocation.Region != nil ||
		res[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "file:///abs/dir%20with%20space/Containerfile" {
		t.Fatalf("unknown rule / no position: %+v", res[0])
	}
	if *res[2].RuleIndex != 0 || res[2].Level != "warning" || res[2].Locations[0].PhysicalLocation.Region.StartLine != 4 ||
		res[2].Locations[0].PhysicalLocation.Region.StartColumn != 5 || res[2].Locations[0].PhysicalLocation.ArtifactLocation.URI != "a/Containerfile" {
		t.Fatalf("result: %+v", res[2])
	}
}
