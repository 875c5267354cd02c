package rpmdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is a diff with where each side's database came from.
type Report struct {
	Base   *DB
	Target *DB
	Result Result
}

// Formats the CLI accepts.
var Formats = []string{"text", "json", "markdown"}

// Write renders the report in one of Formats.
func (rep Report) Write(w io.Writer, format string) error {
	switch format {
	case "text", "":
		return rep.WriteText(w)
	case "json":
		return rep.WriteJSON(w)
	case "markdown", "md":
		return rep.WriteMarkdown(w)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// label shows name.arch only where the name alone would be ambiguous
// (multilib pairs), as a reader of rpm-ostree output expects names.
func labels(cs []Change) []string {
	count := map[string]int{}
	for _, c := range cs {
		count[c.Name]++
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
		if count[c.Name] > 1 && c.Arch != "" {
			out[i] += "." + c.Arch
		}
	}
	return out
}

// WriteText prints the block style of `rpm-ostree db diff`.
func (rep Report) WriteText(w io.Writer) error {
	var b strings.Builder
	if rep.Base != nil && rep.Target != nil {
		fmt.Fprintf(&b, "rpmdb diff from: %s\n", rep.Base.Ref)
		fmt.Fprintf(&b, "rpmdb diff to:   %s\n", rep.Target.Ref)
	}
	r := rep.Result
	changes := func(title string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		for i, l := range labels(cs) {
			fmt.Fprintf(&b, "  %s %s -> %s\n", l, cs[i].From.EVR(), cs[i].To.EVR())
		}
	}
	pkgs := func(title string, ps []Package) {
		if len(ps) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		for _, p := range ps {
			fmt.Fprintf(&b, "  %s\n", p.NEVRA())
		}
	}
	changes("Upgraded", r.Upgraded)
	changes("Downgraded", r.Downgraded)
	pkgs("Removed", r.Removed)
	pkgs("Added", r.Added)
	if r.Empty() {
		b.WriteString("No package changes.\n")
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// JSONSchemaVersion is the "schemaVersion" of the JSON output
// (docs/rpmdiff-json.md); it changes only when a field changes meaning.
const JSONSchemaVersion = 1

type jsonEVR struct {
	Epoch   *int   `json:"epoch"`
	Version string `json:"version"`
	Release string `json:"release"`
	Arch    string `json:"arch"`
}

type jsonPkg struct {
	Name string `json:"name"`
	jsonEVR
	NEVRA string `json:"nevra"`
}

type jsonChange struct {
	Name string  `json:"name"`
	Arch string  `json:"arch"`
	From jsonEVR `json:"from"`
	To   jsonEVR `json:"to"`
}

type jsonSide struct {
	Ref          string `json:"ref"`
	Path         string `json:"rpmdbPath"`
	File         string `json:"rpmdbFile"`
	Format       Format `json:"rpmdbFormat"`
	Layer        string `json:"layer,omitempty"`
	PackageCount int    `json:"packageCount"`
}

// JSONReport is the JSON document rpmdiff prints.
type JSONReport struct {
	SchemaVersion int          `json:"schemaVersion"`
	Base          *jsonSide    `json:"base"`
	Target        *jsonSide    `json:"target"`
	Summary       jsonSummary  `json:"summary"`
	Upgraded      []jsonChange `json:"upgraded"`
	Downgraded    []jsonChange `json:"downgraded"`
	Removed       []jsonPkg    `json:"removed"`
	Added         []jsonPkg    `json:"added"`
}

type jsonSummary struct {
	Upgraded   int `json:"upgraded"`
	Downgraded int `json:"downgraded"`
	Removed    int `json:"removed"`
	Added      int `json:"added"`
}

func evrOf(p Package) jsonEVR { return jsonEVR{p.Epoch, p.Version, p.Release, p.Arch} }

func side(db *DB) *jsonSide {
	if db == nil {
		return nil
	}
	return &jsonSide{db.Ref, db.Path, db.File, db.Format, db.Layer, len(db.Packages)}
}

// JSON builds the document WriteJSON prints.
func (rep Report) JSON() JSONReport {
	r := rep.Result
	out := JSONReport{SchemaVersion: JSONSchemaVersion, Base: side(rep.Base), Target: side(rep.Target),
		Summary:  jsonSummary{len(r.Upgraded), len(r.Downgraded), len(r.Removed), len(r.Added)},
		Upgraded: []jsonChange{}, Downgraded: []jsonChange{}, Removed: []jsonPkg{}, Added: []jsonPkg{}}
	for _, c := range r.Upgraded {
		out.Upgraded = append(out.Upgraded, jsonChange{c.Name, c.Arch, evrOf(c.From), evrOf(c.To)})
	}
	for _, c := range r.Downgraded {
		out.Downgraded = append(out.Downgraded, jsonChange{c.Name, c.Arch, evrOf(c.From), evrOf(c.To)})
	}
	for _, p := range r.Removed {
		out.Removed = append(out.Removed, jsonPkg{p.Name, evrOf(p), p.NEVRA()})
	}
	for _, p := range r.Added {
		out.Added = append(out.Added, jsonPkg{p.Name, evrOf(p), p.NEVRA()})
	}
	return out
}

// WriteJSON prints the documented, stable JSON schema.
func (rep Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep.JSON())
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s)
}

// WriteMarkdown prints a table for a pull-request comment.
func (rep Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	r := rep.Result
	b.WriteString("### RPM changes\n\n")
	if rep.Base != nil && rep.Target != nil {
		fmt.Fprintf(&b, "`%s` → `%s`\n\n", mdEscape(rep.Base.Ref), mdEscape(rep.Target.Ref))
	}
	fmt.Fprintf(&b, "**%s**\n\n", r.Summary())
	if r.Empty() {
		b.WriteString("No package changes.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| Change | Package | Arch | From | To |\n|---|---|---|---|---|\n")
	row := func(kind, name, arch, from, to string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", kind, mdEscape(name), mdEscape(arch), mdEscape(from), mdEscape(to))
	}
	for _, c := range r.Upgraded {
		row("upgraded", c.Name, c.Arch, c.From.EVR(), c.To.EVR())
	}
	for _, c := range r.Downgraded {
		row("downgraded", c.Name, c.Arch, c.From.EVR(), c.To.EVR())
	}
	for _, p := range r.Removed {
		row("removed", p.Name, p.Arch, p.EVR(), "")
	}
	for _, p := range r.Added {
		row("added", p.Name, p.Arch, "", p.EVR())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
