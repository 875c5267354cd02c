package mco

import (
	"strings"
)

// The on-cluster Containerfile, written as the operator's template
// (pkg/controller/build/buildrequest/assets/Containerfile.on-cluster-build-template)
// renders it: the same instructions in the same order, with ocl-build's own
// comments and spacing. The golden files under testdata/golden were rendered
// by the operator's own template of each branch; TestRenderMatchesOperatorTemplate
// compares instruction by instruction.

type cfWriter struct{ b strings.Builder }

func (w *cfWriter) line(lines ...string) {
	for _, l := range lines {
		w.b.WriteString(l)
		w.b.WriteByte('\n')
	}
}

// head: the extract stage and the configs stage up to the Ignition apply
// (identical in every branch).
func (w *cfWriter) head(in containerfileInput) {
	w.line("# On-cluster build of MachineOSConfig "+in.mosc+" (pool "+in.pool+"), rendered by ocl-build",
		"# as the Machine Config Operator "+in.version+" renders it. The last stage is the image.",
		"",
		"# Stage 1: unpack the rendered MachineConfig (base64 of gzip of JSON) so the",
		"# compressed copy stays out of the final image.",
		"FROM "+in.base+" AS extract",
		"COPY ./"+MachineConfigGzPath+" /tmp/machineconfig.json.gz",
		"RUN mkdir -p /etc/machine-config-daemon && \\",
		"\tcat /tmp/machineconfig.json.gz | base64 -d | gunzip - > /etc/machine-config-daemon/currentconfig",
		"",
		"# Stage 2: the base image with the MachineConfig's files, units and users",
		"# applied by Ignition, then committed as an ostree container.",
		"FROM "+in.base+" AS configs",
		"COPY --from=extract /etc/machine-config-daemon/currentconfig /etc/machine-config-daemon/currentconfig",
		`RUN container="oci" exec -a ignition-apply /usr/lib/dracut/modules.d/30ignition/ignition --ignore-unsupported <(cat /etc/machine-config-daemon/currentconfig | jq '.spec.config') && \`,
		"\tostree container commit",
	)
}

// tail: tmpfiles fixes, the CA bundle, the three labels and the user's
// content verbatim (identical in every branch).
func (w *cfWriter) tail(in containerfileInput) string {
	w.line("",
		"# Fixed tmpfiles entries for usbguard and libreswan (ipsec).",
		"RUN test ! -f /usr/lib/tmpfiles.d/usbguard.conf || rm /usr/lib/tmpfiles.d/usbguard.conf",
		`RUN echo -e "d /var/log/usbguard 0755 root root -\nd /var/lib/ipsec 0700 root root -\nd /var/lib/ipsec/nss 0700 root root -" > /usr/lib/tmpfiles.d/usbguard_ipsec.conf`,
		"",
		"# The cluster's additional trust bundle (an empty file when there is none).",
		"COPY ./"+CABundleName+" /etc/pki/ca-trust/source/anchors/"+CABundleName,
		"RUN update-ca-trust",
		"",
		"LABEL "+LabelMachineConfig+"="+in.rendered,
		"LABEL "+LabelMachineConfigPool+"="+in.pool,
		"LABEL "+LabelBaseImage+"="+in.base,
	)
	if in.userInput != "" {
		w.line("", "# MachineOSConfig "+in.mosc+": containerFile (NoArch), verbatim from here on.")
		w.b.WriteString(in.userInput)
		if !strings.HasSuffix(in.userInput, "\n") {
			w.b.WriteByte('\n')
		}
	}
	return w.b.String()
}

func extensionsMount(image string) string {
	return "RUN --mount=type=bind,from=" + image + ",source=/,target=" + extensionsMountTarget + ",bind-propagation=rshared,z \\"
}

// renderContainerfile419 is the release-4.18/4.19 variant: the extensions
// step runs only with both an extensions image and packages, as one RUN that
// writes the repo file with echo -e and calls rpm-ostree install; no kernel
// step. The base image is a literal pull spec on both FROM lines.
func renderContainerfile419(in containerfileInput) string {
	var w cfWriter
	w.head(in)
	if in.extImage != "" && len(in.packages) > 0 {
		w.line("",
			"# Extensions: the extensions image is bind-mounted as a local rpm-md repo.",
			extensionsMount(in.extImage),
			`    echo -e "[coreos-extensions]\n\`,
			`enabled=1\n\`,
			`metadata_expire=1m\n\`,
			`baseurl=`+extensionsMountTarget+`/usr/share/rpm-ostree/extensions/\n\`,
			`gpgcheck=0\n\`,
			`skip_if_unavailable=False" > /etc/yum.repos.d/coreos-extensions.repo && \`,
			`    chmod 644 /etc/yum.repos.d/coreos-extensions.repo && \`,
			`    extensions="`+strings.Join(in.packages, " ")+`" && \`,
			`    echo "Installing extension packages: $extensions" && \`,
			`    rpm-ostree install $extensions && \`,
			`    rm /etc/yum.repos.d/coreos-extensions.repo`,
			"RUN ostree container commit",
		)
	}
	return w.tail(in)
}

// kernelProbe is the order in which the 4.20+ script recognises the base
// image's kernel: the rpm it queries and the kernelType that rpm means.
var kernelProbe = []struct{ rpm, kernelType, what string }{
	{"kernel-rt-core", KernelTypeRealtime, "RT"},
	{"kernel-64k-core", KernelType64kPages, "64k-pages"},
	{"kernel", KernelTypeDefault, "Default"},
}

// renderContainerfile420 is the release-4.20+ variant (same through 5.2 and
// main): whenever an extensions image is known, one RUN with the image
// bind-mounted runs a bash heredoc (set -xeuo pipefail) that adds the repo,
// installs the extension packages if any, swaps the kernel for a
// non-default kernelType with `dnf -y shell`, and removes the repo.
func renderContainerfile420(in containerfileInput) string {
	var w cfWriter
	w.head(in)
	if in.extImage != "" {
		w.line("",
			"# Extensions and kernelType: the extensions image is bind-mounted as a",
			"# local rpm-md repo for one bash script.",
			extensionsMount(in.extImage),
			"    bash <<'EOF'",
			"set -xeuo pipefail",
			"",
			"cat > /etc/yum.repos.d/coreos-extensions.repo <<REPO",
			"[coreos-extensions]",
			"enabled=1",
			"metadata_expire=1m",
			"baseurl="+extensionsMountTarget+"/usr/share/rpm-ostree/extensions/",
			"gpgcheck=0",
			"skip_if_unavailable=False",
			"REPO",
			"",
			"chmod 644 /etc/yum.repos.d/coreos-extensions.repo",
		)
		if len(in.packages) > 0 {
			w.line("",
				`extensions="`+strings.Join(in.packages, " ")+`"`,
				`echo "Installing extension packages: $extensions"`,
				"rpm-ostree install $extensions",
			)
		}
		if in.kernelType != "" && in.kernelPackages != nil {
			kt := in.kernelType
			w.line("", `kernelOldPkgs=""`)
			for i, k := range kernelProbe {
				kw := "elif"
				if i == 0 {
					kw = "if"
				}
				w.line(kw+" rpm -q "+k.rpm+" > /dev/null 2>&1; then",
					`	if [[ "`+kt+`" != "`+k.kernelType+`" ]]; then`,
					`		echo "Base Image has `+k.what+` kernel, new KernelType is '`+kt+`'"`,
					`		kernelOldPkgs="`+strings.Join(in.kernelPackages[k.kernelType], " ")+`"`,
					"	fi")
			}
			w.line("else",
				`	echo "Error: Unknown base kernel type. Unable to perform the kernel swap to '`+kt+`'"`,
				"	exit 1;",
				"fi",
				"",
				`if [ -n "$kernelOldPkgs" ]; then`,
				`	installKernelPkgs="`+strings.Join(in.kernelPackages[kt], " ")+`"`,
				`	(echo "remove $kernelOldPkgs"; echo "install $installKernelPkgs"; echo run) | dnf -y shell`,
				"fi",
			)
		}
		w.line("",
			"rm /etc/yum.repos.d/coreos-extensions.repo",
			"EOF",
			"",
			"RUN ostree container commit",
		)
	}
	return w.tail(in)
}
