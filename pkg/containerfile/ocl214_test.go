package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func TestOCL214UnversionedPkg(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, rules.OCL214.ID, []ruleCase{
		{"versioned", f("dnf install -y autofs-5.1.7-58.el9"), nil},
		{"unversioned", f("dnf install -y autofs"), []int{2}},
		{"one finding per call", f("dnf install -y autofs libsss_autofs"), []int{2}},
		{"operator", f("dnf install -y 'autofs >= 5.1'"), nil},
		{"local rpm", f("dnf install -y /tmp/x-1.rpm"), nil},
		{"group", f("dnf install -y @core"), nil},
		{"variable", f("dnf install -y $PKG"), nil},
		{"name with digits", f("dnf install -y gcc-toolset-12-gcc"), []int{2}},
	})
	// Off unless enabled: the cluster rebuilds against new bases, where pins break.
	fs, err := LintContent("Containerfile", f("dnf install -y autofs"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fs {
		if x.Rule == rules.OCL214.ID {
			t.Errorf("opt-in rule fired without being enabled: %+v", x)
		}
	}
}
