package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL419: a kernel without an initramfs, or an initramfs older than its kernel.
var OCL419 = &Rule{
	ID: "OCL419", Title: "a kernel without an initramfs, or an initramfs older than its kernel", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A /usr/lib/modules/$kver with a vmlinuz has no initramfs.img, or its initramfs.img comes from an older layer than its vmlinuz.",
		Why:  "After a kernel swap the initramfs must be regenerated for the new kernel: without one the node does not boot, and one older than its kernel may lack the modules the kernel needs. Regenerate it (the kernel packages' posttrans, or dracut) in the same RUN as the swap.",
		Bad:  "FROM configs AS final\nRUN cp /hotfix/vmlinuz /usr/lib/modules/$(ls /usr/lib/modules)/vmlinuz\n",
		Good: "FROM configs AS final\nRUN dnf -y swap kernel-core kernel-rt-core && dnf clean all\n",
	},
}
