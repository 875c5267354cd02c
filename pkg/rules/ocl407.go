package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL407: a /usr/lib/bootc/kargs.d file does not parse.
var OCL407 = &Rule{
	ID: "OCL407", Title: "a /usr/lib/bootc/kargs.d file does not parse", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A *.toml file in /usr/lib/bootc/kargs.d is not TOML, lacks `kargs`, or has a key other than `kargs` and `match-architectures` (bootc container lint: bootc-kargs).",
		Why:  "bootc refuses to deploy an image whose kargs.d does not parse. On a cluster node kernel arguments come from MachineConfig spec.kernelArguments: prefer those.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /usr/lib/bootc/kargs.d && echo 'kernel = \"nosmt\"' > /usr/lib/bootc/kargs.d/10-nosmt.toml\n",
		Good: "FROM configs AS final\nRUN mkdir -p /usr/lib/bootc/kargs.d && echo 'kargs = [\"nosmt\"]' > /usr/lib/bootc/kargs.d/10-nosmt.toml\n",
	},
}
