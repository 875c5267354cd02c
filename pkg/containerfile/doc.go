// Package containerfile lints the Containerfile of an OpenShift image-mode
// build: On-Cluster Layering (a MachineOSConfig's content, 4.19+), an
// out-of-cluster layered image FROM the release's RHCOS image, or a bootc
// image. It reports the rules of pkg/rules whose Checker is Containerfile
// (the cluster's contract, OCL1xx; OS-image hygiene, OCL2xx) and, for
// MachineOSConfig YAML, OCL302. Each rule's check is oclNNN.go, with its
// table test in oclNNN_test.go. It parses with buildkit's Dockerfile parser
// and reads every RUN with a real shell parser (mvdan.cc/sh), so chains,
// pipes, continuations, heredocs, exec form and `sh -c '...'` are
// understood rather than pattern-matched.
package containerfile
