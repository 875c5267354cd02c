package containerfile

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// --target auto reads the target from the file.
func TestDetectTarget(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      rules.Target
	}{
		{"empty", "", rules.OnCluster},
		{"no FROM", "RUN rpm-ostree install tree && ostree container commit\n", rules.OnCluster},
		{"FROM configs", good, rules.OnCluster},
		{"via a stage from configs", "FROM configs AS base\nFROM base AS final\n", rules.OnCluster},
		{"release RHCOS by digest", "FROM quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000\nRUN rpm-ostree install tree && ostree container commit\n", rules.OutOfCluster},
		{"rhel-coreos", "FROM registry.ci.openshift.org/ocp/4.19:rhel-coreos\n", rules.OutOfCluster},
		{"FCOS", "FROM quay.io/fedora/fedora-coreos:stable\n", rules.OutOfCluster},
		{"OKD SCOS", "FROM quay.io/okd/scos-content:4.19.0-okd-scos.0-stream-coreos\n", rules.OutOfCluster},
		{"fedora-bootc", "FROM quay.io/fedora/fedora-bootc:41\nRUN dnf install -y tmux && dnf clean all\n", rules.Bootc},
		{"rhel-bootc", "FROM registry.redhat.io/rhel9/rhel-bootc:9.6\n", rules.Bootc},
		{"centos-bootc with builder", "FROM quay.io/centos/centos:stream9 AS build\nRUN make\nFROM quay.io/centos-bootc/centos-bootc:stream9\nCOPY --from=build /out /usr/bin/x\n", rules.Bootc},
		{"ARG base with a default", "ARG BASE=quay.io/fedora/fedora-bootc:41\nFROM $BASE\n", rules.Bootc},
		{"ARG base, no value, bootc lint", "ARG BASE\nFROM ${BASE}\nRUN dnf install -y x && bootc container lint\n", rules.Bootc},
		{"ARG base, no value, ostree", "ARG BASE\nFROM ${BASE}\nRUN rpm-ostree install x && ostree container commit\n", rules.OutOfCluster},
		{"ARG base, no value, another stage says", "ARG BASE\nFROM quay.io/fedora/fedora-bootc:41 AS tools\nFROM ${BASE}\nCOPY --from=tools /usr/bin/x /usr/bin/x\n", rules.Bootc},
		{"ARG base, no sign at all", "ARG BASE\nFROM ${BASE}\nRUN echo hi\n", rules.OutOfCluster},
		{"a plain image stays on-cluster (OCL102 says why)", "FROM registry.access.redhat.com/ubi9/ubi\n", rules.OnCluster},
		{"the MCO QE's failing alpine file", "FROM alpine:3.18\nRUN apt update && apt install -y cowsay\n", rules.OnCluster},
		{"fedora-bootc-dev", "FROM quay.io/centos-bootc/fedora-bootc-dev:eln\n", rules.Bootc},
		{"rhel9-rhel_bootc", "FROM registry-proxy.engineering.redhat.com/rh-osbs/rhel9-rhel_bootc:rhel-9.4\n", rules.Bootc},
		{"scratch after bootc stages", "FROM quay.io/fedora/fedora-bootc:41 AS build\nRUN dnf install -y x\nFROM scratch\nCOPY --from=build / /\n", rules.Bootc},
		{"a home-built layered image with ostree", "FROM quay.io/example/my-layered-rhcos:latest\nRUN rpm-ostree install tree && ostree container commit\n", rules.OutOfCluster},
		{"bookdown is not okd", "FROM quay.io/x/bookdown:1\n", rules.OnCluster},
	} {
		got, why := DetectTarget(c.src)
		if got != c.want || why == "" {
			t.Errorf("%s: %s (%s), want %s", c.name, got, why, c.want)
		}
	}
}

// An ARG-named base never makes an error of its unknown value: auto picks
// a target where build arguments are the user's, and no rule names "".
func TestARGBaseIsNeverAnError(t *testing.T) {
	for _, src := range []string{
		"ARG BASE\nFROM ${BASE}\nRUN rpm-ostree install tree && ostree container commit\n",
		"ARG BASE_IMAGE\nFROM $BASE_IMAGE AS final\nRUN dnf install -y x && dnf clean all && bootc container lint\n",
	} {
		fs, err := LintContent("Containerfile", src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Severity >= rules.OCL102.Severity || strings.Contains(f.Message, `""`) {
				t.Errorf("%q: %s", src, dump(fs))
			}
		}
	}
}

// What each target judges: the same out-of-cluster file fails the
// on-cluster contract, and passes it as what it is.
func TestTargetsSelectRules(t *testing.T) {
	src := "FROM quay.io/openshift-release-dev/ocp-v4.0-art-dev:4.19\nCOPY motd /etc/motd\nRUN rpm-ostree install tree && ostree container commit\n"
	ids := func(tg rules.Target) map[string]bool {
		fs, err := LintContent("Containerfile", src, Options{Target: tg})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, f := range fs {
			m[f.Rule] = true
		}
		return m
	}
	on, out, auto := ids(rules.OnCluster), ids(rules.OutOfCluster), ids("")
	if !on[rules.OCL102.ID] || !on[rules.OCL104.ID] || !on[rules.OCL210.ID] {
		t.Errorf("on-cluster should report 102, 104, 210: %v", on)
	}
	if len(out) != 0 || len(auto) != 0 {
		t.Errorf("out-of-cluster (and auto) should report nothing: %v %v", out, auto)
	}
	bootc := "FROM quay.io/fedora/fedora-bootc:41\nRUN dnf install -y kernel-rt-core usbguard && dnf clean all\n"
	fs, _ := LintContent("Containerfile", bootc, Options{})
	for _, f := range fs {
		if r, _ := rules.ByID(f.Rule); !r.AppliesTo(rules.Bootc) {
			t.Errorf("bootc file got %s", f.Rule)
		}
	}
}

// Builder stages get only correctness rules; the final stage and its
// ancestors get all.
func TestStageScope(t *testing.T) {
	src := `FROM registry.access.redhat.com/ubi9/ubi AS builder
RUN dnf install -y gcc make
RUN curl -fsSLo /src.tgz https://example.com/src.tgz
RUN dnf install gcc-c++
USER 1001
RUN dnf -y install git
FROM configs AS final
COPY --from=builder /out/tool /usr/bin/tool
RUN ostree container commit
`
	fs, err := LintContent("Containerfile", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Rule] = true
		if r, _ := rules.ByID(f.Rule); r.Scope == rules.Shipped && f.Line < 7 {
			t.Errorf("hygiene rule in the builder stage: %s", dump(fs))
		}
	}
	if !got[rules.OCL106.ID] || !got[rules.OCL108.ID] {
		t.Errorf("correctness rules still judge builder stages: %s", dump(fs))
	}
}

// Messages inside MachineOSConfig YAML name the YAML file's lines.
func TestYAMLMessagesUseFileLines(t *testing.T) {
	y := `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata:
  name: worker
spec:
  machineConfigPool:
    name: worker
  containerFile:
  - containerfileArch: NoArch
    content: |-
      FROM configs AS final
      ARG V
      RUN echo $V > /etc/v
      RUN true
`
	fs, err := LintFile("m.yaml", []byte(y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range fs {
		switch f.Rule {
		case rules.OCL107.ID:
			seen++
			if f.Line != 12 || !strings.Contains(f.Message, "used at line 13") {
				t.Errorf("OCL107: %+v", f)
			}
		case rules.OCL212.ID:
			seen++
			if f.Line != 13 || !strings.Contains(f.Message, "lines 13-14") {
				t.Errorf("OCL212: %+v", f)
			}
		}
	}
	if seen != 2 {
		t.Errorf("want OCL107 and OCL212:\n%s", dump(fs))
	}
}
