package containerfile

import (
	"errors"
	"sort"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// lintYAML lints the MachineOSConfigs of a (multi-document) YAML or JSON
// file the way validate checks each object on its own: read by the one
// reader (pkg/kubedoc), the CRD schema and CEL rules of the chosen
// OpenShift version (OCL301), OCL302, and every embedded containerFile
// content with findings at the file's own lines. Other objects of the file
// are checked on their own too; kinds ocl-build does not check are skipped.
func lintYAML(file string, data []byte, opts Options) ([]findings.Finding, error) {
	docs, err := kubedoc.Parse(file, data)
	if err != nil {
		return nil, oneLine(err)
	}
	return LintDocuments(file, docs, opts)
}

// LintDocuments is LintFile of a YAML file that was already read with
// kubedoc (preflight's --mosc, parsed once for the build): findings carry
// the documents' own lines. file names the input in errors.
func LintDocuments(file string, docs []*kubedoc.Document, opts Options) ([]findings.Finding, error) {
	keep, _ := manifests.Select(docs)
	found := false
	for _, d := range keep {
		found = found || d.Kind == manifests.KindMachineOSConfig
	}
	if !found {
		var kinds []string
		for _, d := range docs {
			kinds = append(kinds, d.Kind)
		}
		return nil, inputErr(file, 0, "no MachineOSConfig in this YAML (found %s)", strings.Join(uniq(kinds), ", "))
	}
	// A MachineOSConfig's content is on-cluster content, whatever it says.
	opts.Target = rules.OnCluster
	out, err := manifests.Check(docs, manifests.CheckOptions{
		Profile:     opts.Profile,
		ObjectsOnly: true,
		Lint: func(file, content string, lineOf func(int) int) ([]findings.Finding, error) {
			o := opts
			o.LineOf = lineOf
			return LintContent(file, content, o)
		},
	})
	if err != nil {
		return nil, oneLine(err)
	}
	findings.Sort(out)
	return out, nil
}

// oneLine keeps an input error's message on one line.
func oneLine(err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		c := *ie
		c.Msg = strings.Join(strings.Fields(c.Msg), " ")
		return &c
	}
	return err
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
