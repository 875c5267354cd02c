package rules

import (
	"fmt"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL302: no NoArch containerFile entry.
var OCL302 = &Rule{
	ID: "OCL302", Title: "no NoArch containerFile entry", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Doc: Doc{
		What: "spec.containerFile has entries, and none of them is `containerfileArch: NoArch` (or leaves the field out, which defaults to NoArch).",
		Why:  "The operator builds only the NoArch entry of spec.containerFile; arch-specific entries are dropped, so the content would never be built and nodes would get the bare configs stage.",
		Bad:  "spec:\n  containerFile:\n  - containerfileArch: AMD64\n    content: |\n      FROM configs AS final\n      RUN rpm-ostree install tree && ostree container commit\n",
		Good: "spec:\n  containerFile:\n  - containerfileArch: NoArch\n    content: |\n      FROM configs AS final\n      RUN rpm-ostree install tree && ostree container commit\n",
	},
}

// NoArch is the containerfileArch the operator builds.
const NoArch = "NoArch"

// CheckNoArch is OCL302's check, the one every reader of MachineOSConfigs
// calls: given each containerFile entry's containerfileArch as written ("" when
// left out, which defaults to NoArch), it returns the index of the entry
// the operator builds, or -1 and the message of the finding. With no
// entries at all there is nothing to build and nothing to report: the
// image is the configs stage.
func CheckNoArch(archs []string) (int, string) {
	if len(archs) == 0 {
		return -1, ""
	}
	for i, a := range archs {
		if a == "" || a == NoArch {
			return i, ""
		}
	}
	return -1, fmt.Sprintf("no NoArch containerFile entry (have %s): the operator builds only the NoArch entry, so this content would be dropped and nodes would get the bare configs stage", strings.Join(archs, ", "))
}
