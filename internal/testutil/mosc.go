package testutil

import "strings"

// MOSCContentLine is the file line of the first content line in
// MachineOSConfigYAML's output: tests that assert positions add to it.
const MOSCContentLine = 16

// MachineOSConfigYAML is a MachineOSConfig the v1 CRD accepts, named after
// its pool, as a user writes it: content is the NoArch containerFile entry,
// a literal block (|-) whose first line is MOSCContentLine.
func MachineOSConfigYAML(pool, pushSpec, content string) string {
	var b strings.Builder
	b.WriteString(`apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata:
  name: ` + pool + `
spec:
  machineConfigPool:
    name: ` + pool + `
  imageBuilder:
    imageBuilderType: Job
  renderedImagePushSecret:
    name: push-secret
  renderedImagePushSpec: ` + pushSpec + `
  containerFile:
  - containerfileArch: NoArch
    content: |-
`)
	for _, l := range strings.Split(strings.TrimRight(content, "\n"), "\n") {
		if l != "" {
			b.WriteString("      " + l)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
