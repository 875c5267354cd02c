package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL101 is retired: content without FROM runs at the end of the configs
// stage and is valid. The MCO's QE writes such content; it must lint clean
// of errors and be judged as on-cluster content.
func TestOCL101Retired(t *testing.T) {
	if rules.OCL101.Retired == "" {
		t.Fatal("OCL101 should be retired")
	}
	runRuleTableFor(t, rules.OCL101.ID, rules.OnCluster, []ruleCase{
		{"run only", "RUN dnf install -y x && dnf clean all && ostree container commit\n", nil},
		{"arg then run", "ARG X=1\nRUN echo $X\n", nil},
		{"comments only", "# nothing here\n# at all\n", nil},
	})
	for _, src := range []string{
		"RUN rpm-ostree install tree && ostree container commit\n",
		"ARG X=1\nRUN echo $X > /etc/x && ostree container commit\n",
		"",
	} {
		res, err := LintContentResult("Containerfile", src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Target != rules.OnCluster {
			t.Errorf("%q: target %s, want on-cluster", src, res.Target)
		}
		for _, f := range res.Findings {
			if f.Severity >= rules.OCL102.Severity {
				t.Errorf("%q: %s", src, dump(res.Findings))
			}
		}
	}
}
