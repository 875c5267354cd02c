package preflight

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ocl-build/ocl-build/pkg/configdiff"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// SchemaVersion of the JSON report (docs/preflight-report.md). Bumped only
// on incompatible changes; fields may be added without a bump.
const SchemaVersion = 1

// Step names, in the order they run.
const (
	StepInputs    = "inputs"
	StepLint      = "lint"
	StepBase      = "base"
	StepRender    = "render"
	StepBuild     = "build"
	StepRPMDiff   = "rpmdiff"
	StepChecks    = "checks"
	StepPush      = "push"
	StepManifests = "manifests"
)

// Step outcomes.
const (
	StepOK     = "ok"
	StepFailed = "failed"
)

// Overall status.
const (
	StatusOK       = "ok"       // no error findings, every asked step done
	StatusFindings = "findings" // error findings (exit 1)
	StatusError    = "error"    // a step could not run (exit 2, or 1 for a failing build step)
)

// Report is everything a preflight run found; it is also the JSON report.
type Report struct {
	SchemaVersion int    `json:"schemaVersion"`
	Status        string `json:"status"`
	// Stopped says why later steps did not run, when they did not.
	Stopped string       `json:"stopped,omitempty"`
	Error   *ReportError `json:"error,omitempty"`
	Pool    string       `json:"pool"`
	// RenderedMachineConfig is the name of the pool's merged config.
	RenderedMachineConfig string             `json:"renderedMachineConfig,omitempty"`
	Warnings              []string           `json:"warnings,omitempty"`
	Steps                 []StepReport       `json:"steps"`
	Lint                  []findings.Finding `json:"lint"`
	OpenShift             *VersionReport     `json:"openshift,omitempty"`
	Base                  *BaseReport        `json:"base,omitempty"`
	Build                 *BuildReport       `json:"build,omitempty"`
	RPMDiff               *RPMDiffReport     `json:"rpmdiff,omitempty"`
	Checks                []findings.Finding `json:"checks"`
	// Rebuild predicts what the change from the previous MachineConfigs
	// does on the cluster (Options.PreviousMachineConfigs).
	Rebuild *configdiff.Prediction `json:"rebuild,omitempty"`
	Push    *PushReport            `json:"push,omitempty"`
	Files   []string               `json:"files"`
	Seconds float64                `json:"seconds"`
}

// VersionReport is the OpenShift version the run mirrored: as found, the
// profile used (the newest known for a newer version) and where it came
// from (--openshift-version, ConfigMap, release payload, default).
type VersionReport struct {
	Version string `json:"version"`
	Profile string `json:"profile"`
	Source  string `json:"source"`
}

// Describe is "OpenShift 4.20 (from release payload)", as
// ocpversion.Detected says it.
func (v *VersionReport) Describe() string {
	s := fmt.Sprintf("OpenShift %s (from %s)", v.Version, v.Source)
	if v.Profile != v.Version {
		s += fmt.Sprintf(", %s profile", v.Profile)
	}
	return s
}

// ReportError is the step that failed and why.
type ReportError struct {
	Step    string `json:"step"`
	Message string `json:"message"`
}

// StepReport is one step's outcome.
type StepReport struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	Seconds float64 `json:"seconds"`
}

type BaseReport struct {
	Image           string `json:"image"`
	Digest          string `json:"digest"`
	Source          string `json:"source"`
	ExtensionsImage string `json:"extensionsImage,omitempty"`
	ReleaseVersion  string `json:"releaseVersion,omitempty"`
}

type BuildReport struct {
	ImageID   string  `json:"imageID"`
	Tag       string  `json:"tag"`
	Reference string  `json:"reference"`
	Size      int64   `json:"size"`
	Seconds   float64 `json:"seconds"`
	// StoreBaseDigest is the base image's digest as the store holds it
	// (it may differ from Base.Digest with --pull missing).
	StoreBaseDigest string `json:"storeBaseDigest,omitempty"`
}

type RPMDiffReport struct {
	Summary string         `json:"summary"`
	Lines   []string       `json:"lines"`
	Result  rpmdiff.Result `json:"result"`
}

type PushReport struct {
	Dest          string  `json:"dest"`
	Digest        string  `json:"digest"`
	PullSpec      string  `json:"pullSpec"`
	BlobsCopied   int     `json:"blobsCopied"`
	BlobsReused   int     `json:"blobsReused"`
	BytesUploaded int64   `json:"bytesUploaded"`
	Seconds       float64 `json:"seconds"`
}

func (r *Report) mark(step, status string, d time.Duration) {
	r.Steps = append(r.Steps, StepReport{Name: step, Status: status, Seconds: d.Seconds()})
}

// AllFindings is lint and check findings together.
func (r *Report) AllFindings() []findings.Finding {
	out := append(append([]findings.Finding{}, r.Lint...), r.Checks...)
	return out
}

// diffLines are rpm-ostree style lines: "Upgraded: a 1-1 -> 1-2".
func diffLines(d rpmdiff.Result) []string {
	var out []string
	for _, c := range d.Upgraded {
		out = append(out, fmt.Sprintf("Upgraded: %s %s -> %s", c.Name, c.From.EVR(), c.To.EVR()))
	}
	for _, c := range d.Downgraded {
		out = append(out, fmt.Sprintf("Downgraded: %s %s -> %s", c.Name, c.From.EVR(), c.To.EVR()))
	}
	for _, p := range d.Removed {
		out = append(out, "Removed: "+p.NEVRA())
	}
	for _, p := range d.Added {
		out = append(out, "Added: "+p.NEVRA())
	}
	return out
}

// Formats Write accepts.
var Formats = []string{"text", "json", "markdown"}

// Write renders the report as text, json or markdown.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "", "text":
		return r.writeText(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown", "md":
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

func findingLine(f findings.Finding) string {
	loc := f.File
	if f.Line > 0 {
		loc += fmt.Sprintf(":%d:%d", f.Line, f.Column)
	}
	return fmt.Sprintf("%s: %s %s: %s", loc, f.Severity, f.Rule, f.Message)
}

func (r *Report) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "preflight for pool %s: %s\n", r.Pool, r.Status)
	fmt.Fprintf(&b, "lint: %s\n", countFindings(r.Lint))
	for _, f := range r.Lint {
		fmt.Fprintf(&b, "  %s\n", findingLine(f))
	}
	if r.OpenShift != nil {
		fmt.Fprintln(&b, r.OpenShift.Describe())
	}
	if r.Base != nil {
		fmt.Fprintf(&b, "base image: %s\n  digest: %s\n", r.Base.Image, r.Base.Digest)
	}
	if r.Build != nil {
		fmt.Fprintf(&b, "build: %s (%s) in %.1fs\n", r.Build.Tag, shortID(r.Build.ImageID), r.Build.Seconds)
	}
	if r.RPMDiff != nil {
		fmt.Fprintf(&b, "rpm diff: %s\n", r.RPMDiff.Summary)
		for _, l := range r.RPMDiff.Lines {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	if r.Build != nil {
		fmt.Fprintf(&b, "image checks: %s\n", countFindings(r.Checks))
		for _, f := range r.Checks {
			fmt.Fprintf(&b, "  %s\n", findingLine(f))
		}
	}
	if r.Rebuild != nil {
		fmt.Fprintf(&b, "on the cluster (OpenShift %s, from the previous MachineConfigs): %s\n", r.Rebuild.Version, r.Rebuild.Summary())
		for _, c := range r.Rebuild.Changes {
			fmt.Fprintf(&b, "  %s\n", c.Describe())
		}
	}
	if r.Push != nil {
		fmt.Fprintf(&b, "pushed: %s\n", r.Push.PullSpec)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "wrote %s\n", f)
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", wn)
	}
	if r.Stopped != "" {
		fmt.Fprintf(&b, "stopped: %s\n", r.Stopped)
	}
	if r.Error != nil {
		fmt.Fprintf(&b, "failed at %s: %s\n", r.Error.Step, r.Error.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func countFindings(fs []findings.Finding) string {
	if len(fs) == 0 {
		return "no findings"
	}
	n := map[findings.Severity]int{}
	for _, f := range fs {
		n[f.Severity]++
	}
	return fmt.Sprintf("%d error(s), %d warning(s), %d info", n[findings.SeverityError], n[findings.SeverityWarning], n[findings.SeverityInfo])
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'").Replace(s)
}

func (r *Report) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	icon := map[string]string{StatusOK: "✅", StatusFindings: "❌", StatusError: "⚠️"}[r.Status]
	fmt.Fprintf(&b, "### %s ocl-build preflight: pool `%s` — %s\n\n", icon, r.Pool, r.Status)
	if r.OpenShift != nil {
		fmt.Fprintf(&b, "- **OpenShift:** %s\n", strings.TrimPrefix(r.OpenShift.Describe(), "OpenShift "))
	}
	if r.Base != nil {
		fmt.Fprintf(&b, "- **Base image:** `%s` (`%s`)\n", r.Base.Image, r.Base.Digest)
	}
	if r.Build != nil {
		fmt.Fprintf(&b, "- **Build:** `%s` in %.1fs\n", r.Build.Tag, r.Build.Seconds)
	}
	if r.RPMDiff != nil {
		fmt.Fprintf(&b, "- **RPM diff:** %s\n", r.RPMDiff.Summary)
	}
	if r.Rebuild != nil {
		fmt.Fprintf(&b, "- **On the cluster (OpenShift %s):** %s\n", r.Rebuild.Version, mdCell(r.Rebuild.Summary()))
	}
	if r.Push != nil {
		fmt.Fprintf(&b, "- **Pushed:** `%s`\n", r.Push.PullSpec)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "- **Wrote:** `%s`\n", f)
	}
	if r.Stopped != "" {
		fmt.Fprintf(&b, "- **Stopped:** %s\n", mdCell(r.Stopped))
	}
	if r.Error != nil {
		fmt.Fprintf(&b, "- **Failed at %s:** %s\n", r.Error.Step, mdCell(r.Error.Message))
	}
	all := r.AllFindings()
	if len(all) > 0 {
		b.WriteString("\n| Severity | Rule | Where | Message |\n|---|---|---|---|\n")
		for _, f := range all {
			loc := f.File
			if f.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Line)
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", f.Severity, f.Rule, mdCell(loc), mdCell(f.Message))
		}
	}
	if r.RPMDiff != nil && len(r.RPMDiff.Lines) > 0 {
		b.WriteString("\n<details><summary>RPM changes</summary>\n\n```\n")
		for _, l := range r.RPMDiff.Lines {
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
