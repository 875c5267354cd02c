package ocpversion

// Node disruption: what the machine-config-daemon does on a node after a
// MachineConfig change that it applies without a new image. Read from
// pkg/apihelpers/apihelpers.go (defaultClusterPolicies) and
// pkg/daemon/update.go (calculatePostConfigChangeNodeDisruptionActionFromMCDiffs)
// of each release branch; the path constants from pkg/daemon/constants.

// Disruption action types, as the MachineConfiguration API names them.
const (
	ActionNone         = "None"
	ActionReboot       = "Reboot"
	ActionReload       = "Reload"
	ActionRestart      = "Restart"
	ActionDaemonReload = "DaemonReload"
	ActionDrain        = "Drain"
	// ActionSpecial is the daemon's own handling of registries.conf: a
	// crio reload, with a drain first when an entry was removed or changed
	// (pkg/daemon/drain.go).
	ActionSpecial = "Special"
)

// DisruptionAction is one step the daemon takes; Service is the unit a
// Reload or Restart acts on.
type DisruptionAction struct {
	Type, Service string
}

// FilePolicy applies to a file path and everything under it (the longest
// matching path wins, ctrlcommon.FindClosestFilePolicyPathMatch).
type FilePolicy struct {
	Path    string
	Actions []DisruptionAction
}

// UnitPolicy applies to a changed systemd unit of that name.
type UnitPolicy struct {
	Name    string
	Actions []DisruptionAction
}

// DisruptionPolicies are the cluster's default node disruption policies.
// A file or unit change no policy covers reboots the node; an SSH key
// change takes SSHKey. A cluster's MachineConfiguration/cluster
// spec.nodeDisruptionPolicy can add to them.
type DisruptionPolicies struct {
	Files  []FilePolicy
	Units  []UnitPolicy
	SSHKey []DisruptionAction
}

func (d DisruptionPolicies) clone() DisruptionPolicies {
	c := DisruptionPolicies{SSHKey: append([]DisruptionAction(nil), d.SSHKey...)}
	for _, f := range d.Files {
		c.Files = append(c.Files, FilePolicy{f.Path, append([]DisruptionAction(nil), f.Actions...)})
	}
	for _, u := range d.Units {
		c.Units = append(c.Units, UnitPolicy{u.Name, append([]DisruptionAction(nil), u.Actions...)})
	}
	return c
}

var (
	reloadCrio  = DisruptionAction{Type: ActionReload, Service: "crio.service"}
	restartCrio = DisruptionAction{Type: ActionRestart, Service: "crio.service"}
	none        = DisruptionAction{Type: ActionNone}
)

// disruption419 is the default set of release-4.19 through release-4.21.
func disruption419() DisruptionPolicies {
	return DisruptionPolicies{
		Files: []FilePolicy{
			{"/var/lib/kubelet/config.json", []DisruptionAction{none}},
			{"/etc/machine-config-daemon/no-reboot/containers-gpg.pub", []DisruptionAction{reloadCrio}},
			{"/etc/containers/policy.json", []DisruptionAction{reloadCrio}},
			{"/etc/containers/registries.conf", []DisruptionAction{{Type: ActionSpecial}}},
			{"/etc/containers/registries.d", []DisruptionAction{reloadCrio}},
			{"/etc/crio/policies", []DisruptionAction{reloadCrio}},
			{"/etc/nmstate/openshift", []DisruptionAction{none}},
			{"/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt", []DisruptionAction{
				{Type: ActionRestart, Service: "coreos-update-ca-trust.service"}, restartCrio}},
		},
		SSHKey: []DisruptionAction{none},
	}
}

// add422 is what release-4.22 (and main) add: kubelet credential
// providers and the internal release image registry (IRI).
func add422(d *DisruptionPolicies) {
	restartKubelet := DisruptionAction{Type: ActionRestart, Service: "kubelet.service"}
	restartIRI := DisruptionAction{Type: ActionRestart, Service: "iri-registry.service"}
	d.Files = append(d.Files,
		FilePolicy{"/etc/kubernetes/credential-providers", []DisruptionAction{restartKubelet}},
		FilePolicy{"/etc/systemd/system/kubelet.service.d/40-kubelet-crio-image-credential-provider.conf", []DisruptionAction{{Type: ActionDaemonReload}, restartKubelet}},
		FilePolicy{"/etc/iri-registry", []DisruptionAction{restartIRI}},
		FilePolicy{"/usr/local/bin/load-registry-image.sh", []DisruptionAction{restartIRI}},
		FilePolicy{"/etc/pki/ca-trust/source/anchors/iri-root-ca.crt", []DisruptionAction{{Type: ActionRestart, Service: "coreos-update-ca-trust.service"}}},
	)
	d.Units = append(d.Units, UnitPolicy{"iri-registry.service", []DisruptionAction{restartIRI}})
}
