package containerfile

import "testing"

func TestOCL201NoCommit(t *testing.T) {
	runRuleTable(t, RuleNoCommit, []ruleCase{
		{"good", good, nil},
		{"missing", "FROM configs AS final\nRUN dnf install -y x && dnf clean all\n", []int{2}},
		{"commit not last", "FROM configs AS final\nRUN ostree container commit && dnf clean all\n", []int{2}},
		{"bootc lint", "FROM configs AS final\nRUN dnf install -y x && dnf clean all && bootc container lint\n", nil},
		{"only in an earlier RUN", "FROM configs AS final\nRUN ostree container commit\nRUN echo x > /etc/x\n", []int{3}},
		{"copy only", "FROM configs AS final\nCOPY --from=img /x /usr/bin/x\n", []int{2}},
		{"no changes", "FROM configs AS final\nLABEL a=b\n", nil},
		{"heredoc ends in commit", "FROM configs AS final\nRUN <<EOF\nset -e\ndnf install -y x\ndnf clean all\nostree container commit\nEOF\n", nil},
		{"sh -c ends in commit", "FROM configs AS final\nRUN sh -c 'dnf install -y x && dnf clean all && ostree container commit'\n", nil},
		{"exec form", "FROM configs AS final\nRUN [\"ostree\", \"container\", \"commit\"]\n", nil},
		{"earlier stage does not count", "FROM configs AS base\nRUN echo x\nFROM base AS final\nRUN echo y > /etc/y && ostree container commit\n", nil},
		{"semicolon chain", "FROM configs AS final\nRUN dnf install -y x; dnf clean all; ostree container commit\n", nil},
	})
}

func TestOCL202NoClean(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, RuleNoClean, []ruleCase{
		{"good", good, nil},
		{"no clean", f("dnf install -y x"), []int{2}},
		{"clean in the next RUN", "FROM configs AS final\nRUN dnf install -y x\nRUN dnf clean all && ostree container commit\n", []int{2}},
		{"rm cache", f("dnf install -y x && rm -rf /var/cache/dnf"), nil},
		{"rm cache glob", f("yum install -y x && rm -rf /var/cache/yum/*"), nil},
		{"cache mount", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x && ostree container commit\n", nil},
		{"clean metadata only", f("dnf install -y x && dnf clean metadata"), []int{2}},
		{"microdnf", f("microdnf install x && microdnf clean all"), nil},
		{"no install", f("echo hi"), nil},
		{"inside sh -c", f("sh -c 'dnf -y install x'"), []int{2}},
	})
}

func TestOCL203OSUpgrade(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, RuleOSUpgrade, []ruleCase{
		{"good", good, nil},
		{"dnf update", f("dnf -y update"), []int{2}},
		{"dnf upgrade", f("dnf upgrade -y"), []int{2}},
		{"distro-sync", f("dnf -y distro-sync"), []int{2}},
		{"yum update", f("yum update -y"), []int{2}},
		{"rpm-ostree upgrade", f("rpm-ostree upgrade"), []int{2}},
		{"named package", f("dnf -y upgrade openssl"), nil},
		{"upgrade-minimal --security", f("dnf -y upgrade-minimal --security"), []int{2}},
		{"check-update", f("dnf check-update || true"), nil},
	})
}

func TestOCL204WritesVar(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, RuleWritesVar, []ruleCase{
		{"good", good, nil},
		{"redirect", f("echo x > /var/lib/foo/conf"), []int{2}},
		{"append", f("echo x >> /var/log/x.log"), []int{2}},
		{"mkdir", f("mkdir -p /var/lib/app"), []int{2}},
		{"cp", f("cp /usr/share/x /var/lib/x"), []int{2}},
		{"removed afterwards", f("mkdir -p /var/cache/build && make -C /var/cache/build && rm -rf /var/cache/build"), nil},
		{"removed by glob", f("echo x > /var/tmp/x && rm -rf /var/tmp/*"), nil},
		{"etc is fine", f("echo x > /etc/foo.conf && mkdir -p /usr/lib/foo"), nil},
		{"relative", f("echo x > var/x"), nil},
		{"tee", f("echo x | tee /var/lib/x"), []int{2}},
		{"copy to var", "FROM configs AS final\nCOPY --from=img /x /var/lib/x\nRUN ostree container commit\n", []int{2}},
		{"curl -o", f("curl -fsSLo /usr/bin/x https://x && curl -o /var/opt/y https://y"), []int{2}},
		{"cleaned path", f("mkdir /var//lib/../lib/z"), []int{2}},
	})
}

func TestOCL205KernelReplace(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, RuleKernelReplace, []ruleCase{
		{"good", good, nil},
		{"kernel-rt", f("dnf install -y kernel-rt-core"), []int{2}},
		{"override replace", f("rpm-ostree override replace /tmp/kernel-5.14.0-1.el9.x86_64.rpm"), []int{2}},
		{"rpm -Uvh", f("rpm -Uvh /tmp/kernel-core-5.14.rpm"), []int{2}},
		{"kernel-devel is an extension", f("dnf install -y kernel-devel"), nil},
		{"kernel-tools", f("dnf install -y kernel-tools"), nil},
		{"kernelshark", f("dnf install -y kernelshark"), nil},
		{"remove kernel is not install", f("dnf remove -y kernel-debug"), nil},
	})
}

func TestOCL206NoEffect(t *testing.T) {
	runRuleTable(t, RuleNoEffect, []ruleCase{
		{"good", good, nil},
		{"cmd", good + "CMD [\"/bin/bash\"]\n", []int{3}},
		{"entrypoint expose", good + "ENTRYPOINT [\"/x\"]\nEXPOSE 80\n", []int{3, 4}},
		{"volume healthcheck stopsignal", good + "VOLUME /data\nHEALTHCHECK NONE\nSTOPSIGNAL SIGTERM\n", []int{3, 4, 5}},
		{"earlier stage", "FROM registry.example.com/ubi9 AS builder\nCMD [\"x\"]\n" + good, nil},
	})
}

func TestOCL207FinalNonRoot(t *testing.T) {
	runRuleTable(t, RuleFinalNonRoot, []ruleCase{
		{"good", good, nil},
		{"ends as 1000", good + "USER 1000\n", []int{3}},
		{"back to root", "FROM configs AS final\nUSER 1000\nUSER root\n", nil},
		{"inherited", "FROM configs AS base\nUSER core\nFROM base AS final\nRUN ostree container commit\n", []int{2}},
		{"other stage", "FROM registry.example.com/ubi9 AS builder\nUSER 1000\n" + good, nil},
	})
}

func TestOCL208RemoteCode(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, RuleRemoteCode, []ruleCase{
		{"good", good, nil},
		{"curl | sh", f("curl -fsSL https://x/install.sh | sh"), []int{2}},
		{"wget | bash -s", f("wget -qO- https://x | bash -s -- --yes"), []int{2}},
		{"through tee", f("curl https://x | tee /tmp/i | sudo bash"), []int{2}},
		{"bash -c $(curl)", f(`bash -c "$(curl -fsSL https://x)"`), []int{2}},
		{"process substitution", f("bash <(curl -fsSL https://x)"), []int{2}},
		{"curl to file", f("curl -fsSLo /tmp/x.tgz https://x && tar -C /usr -xzf /tmp/x.tgz"), nil},
		{"curl | tar", f("curl -fsSL https://x | tar -xz -C /usr"), nil},
		{"add url", "FROM configs AS final\nADD https://example.com/x.sh /usr/bin/x\nRUN ostree container commit\n", []int{2}},
		{"add url with checksum", "FROM configs AS final\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.sh /usr/bin/x\nRUN ostree container commit\n", nil},
	})
}

func TestOCL209SecretName(t *testing.T) {
	runRuleTable(t, RuleSecretName, []ruleCase{
		{"good", good, nil},
		{"env password", "FROM configs AS final\nENV DB_PASSWORD=x\n", []int{2}},
		{"arg token", "ARG GITHUB_TOKEN=x\nFROM configs AS final\n", []int{1}},
		{"api key camel", "FROM configs AS final\nARG apiKey=1\n", []int{2}},
		{"secret", "FROM configs AS final\nENV CLIENT_SECRET x\n", []int{2}},
		{"public key", "FROM configs AS final\nENV GPG_PUBLIC_KEY=x\n", nil},
		{"key file path", "FROM configs AS final\nENV SSL_KEY_FILE=/etc/pki/x.key\n", nil},
		{"keyboard", "FROM configs AS final\nENV KEYBOARD=us PWD_HINT=x\n", nil},
	})
}

func TestOCL210NotFinal(t *testing.T) {
	runRuleTable(t, RuleNotFinal, []ruleCase{
		{"good", good, nil},
		{"no alias", "FROM configs\nRUN ostree container commit\n", []int{1}},
		{"other alias", "FROM configs AS last\nRUN ostree container commit\n", []int{1}},
		{"upper case FINAL", "FROM configs AS FINAL\nRUN ostree container commit\n", nil},
		{"base then final", "FROM configs AS base\nFROM base AS final\nRUN ostree container commit\n", nil},
	})
}

func TestOCL211Extension(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, RuleExtension, []ruleCase{
		{"good", good, nil},
		{"usbguard", f("dnf install -y usbguard"), []int{2}},
		{"kerberos pair", f("dnf install -y krb5-workstation libkadm5"), []int{2, 2}},
		{"versioned sysstat", f("dnf install -y sysstat-12.5.4-7.el9"), []int{2}},
		{"rpm-ostree install", f("rpm-ostree install kata-containers"), []int{2}},
		{"usbguard-selinux is not", f("dnf install -y usbguard-selinux"), nil},
		{"removing is fine", f("dnf remove -y sysstat"), nil},
	})
}

func TestOCL212MergeRuns(t *testing.T) {
	runRuleTable(t, RuleMergeRuns, []ruleCase{
		{"good", good, nil},
		{"two runs", "FROM configs AS final\nRUN dnf install -y x && dnf clean all\nRUN ostree container commit\n", []int{2}},
		{"three runs one finding", "FROM configs AS final\nRUN a\nRUN b\nRUN ostree container commit\n", []int{2}},
		{"separated", "FROM configs AS final\nRUN a\nCOPY --from=img /x /usr/x\nRUN ostree container commit\n", nil},
		{"different mounts", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\nRUN ostree container commit\n", nil},
		{"across stages", "FROM configs AS base\nRUN a\nFROM base AS final\nRUN ostree container commit\n", nil},
		{"comment between", "FROM configs AS final\nRUN a\n# then\nRUN ostree container commit\n", []int{2}},
	})
}

func TestOCL213Pipefail(t *testing.T) {
	f := func(run string) string { return "FROM configs AS final\nRUN " + run + " && ostree container commit\n" }
	runRuleTable(t, RulePipefail, []ruleCase{
		{"good", good, nil},
		{"pipe", f("rpm -qa | sort > /usr/share/pkgs"), []int{2}},
		{"pipefail first", f("set -o pipefail && rpm -qa | sort > /usr/share/pkgs"), nil},
		{"set -euo pipefail", f("set -euo pipefail; rpm -qa | sort"), nil},
		{"pipefail after the pipe", f("rpm -qa | sort && set -o pipefail"), []int{2}},
		{"or is not a pipe", f("test -f /x || true"), nil},
		{"SHELL with pipefail", "FROM configs AS final\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN rpm -qa | sort && ostree container commit\n", nil},
		{"bash -o pipefail -c", f("bash -o pipefail -c 'rpm -qa | sort'"), nil},
		{"pipe on continuation line", "FROM configs AS final\nRUN rpm -qa \\\n  | sort && ostree container commit\n", []int{3}},
		{"pipe inside heredoc", "FROM configs AS final\nRUN <<EOF\nrpm -qa | sort\nostree container commit\nEOF\n", []int{3}},
	})
}

func TestOCL214UnversionedPkg(t *testing.T) {
	f := func(run string) string {
		return "FROM configs AS final\nRUN " + run + " && dnf clean all && ostree container commit\n"
	}
	runRuleTable(t, RuleUnversionedPkg, []ruleCase{
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
		if x.Rule == RuleUnversionedPkg {
			t.Errorf("opt-in rule fired without being enabled: %+v", x)
		}
	}
}
