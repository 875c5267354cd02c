package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL205: kernel replacement.
var OCL205 = &Rule{
	ID: "OCL205", Title: "kernel replacement", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	VersionNote: "4.19 does not apply kernelType to On-Cluster Layering pools (the daemon skips the kernel switch and the template has no kernel step), so there the Containerfile is the only way to change the kernel. From 4.20 the operator's template swaps the kernel for kernelType itself (`dnf -y shell` with the version's kernel package set).",
	Doc: Doc{
		What: "The final stage's chain installs kernel packages (`kernel`, `kernel-core`, `kernel-rt-*`, `kernel-64k-*`…, by name, by a variable set with ENV/ARG, or as RPM files), with dnf, rpm, `rpm-ostree override replace`, or `rpm-ostree override remove kernel… --install …`. kernel-devel, kernel-headers and kernel-tools are not kernels.",
		Why:  "The operator manages the kernel: a swapped kernel must match the initramfs and the kernel modules in the image, and a second kernel in /usr/lib/modules breaks the boot. For the realtime or 64k-pages kernel use the MachineConfig's kernelType where your version applies it to layered pools; for a hotfix kernel (a specific build Red Hat gave you) replace it with `rpm-ostree override replace`, which regenerates the initramfs, and check the image (ocl-build preflight) for a single kernel.",
		Bad:  "FROM configs AS final\nRUN dnf install -y kernel-rt-core kernel-rt-modules && dnf clean all\n",
		Good: "FROM configs AS final\nRUN rpm-ostree install kernel-devel && ostree container commit\n",
	},
}
