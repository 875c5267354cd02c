package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL211: an extension package installed with dnf.
var OCL211 = &Rule{
	ID: "OCL211", Title: "a package the cluster ships as a MachineConfig extension is installed with dnf", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	VersionNote: "The table comes from the version model (pkg/ocpversion): for example `wasm` (crun-wasm) is gone from 4.22, and from 4.23 `ipsec` also installs openvswitch3.5-ipsec.",
	Doc: Doc{
		What: "A package of one of the operator's supported extensions (usbguard, kerberos, kernel-devel, sysstat, ipsec, two-node-ha, sandboxed-containers, wasm…, as the OpenShift version in force defines them) is installed in the final stage's chain.",
		Why:  "List it in the MachineConfig's spec.extensions instead: the build installs extensions from the release's extensions image, matched to the base, and the operator knows they are there.",
		Bad:  "FROM configs AS final\nRUN dnf install -y usbguard && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
