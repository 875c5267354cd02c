package configdiff

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	ign3types "github.com/coreos/ignition/v2/config/v3_5/types"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// Kinds of change, named after the rendered MachineConfig's fields.
const (
	KindOSImageURL      = ocpversion.TriggerOSImageURL
	KindKernelType      = ocpversion.TriggerKernelType
	KindExtensions      = ocpversion.TriggerExtensions
	KindKernelArguments = ocpversion.TriggerKernelArguments
	KindFIPS            = "fips"
	KindFile            = "file"
	KindUnit            = "unit"
	KindSSHKeys         = "sshKeys"
	KindUsers           = "users"
	KindGroups          = "groups"
	KindIgnition        = "ignition" // a section the daemon cannot change in place
)

// Effect on the node of one change, or of the whole update.
type Effect string

const (
	EffectNone    Effect = "none"    // written, nothing restarted
	EffectLive    Effect = "live"    // written, then services reloaded/restarted
	EffectReboot  Effect = "reboot"  // the node drains and reboots
	EffectRefused Effect = "refused" // the daemon refuses the update (the node degrades)
)

// Change is one difference between the old and new rendered config.
type Change struct {
	Kind   string `json:"kind"`
	Name   string `json:"name,omitempty"` // file path, unit name, user
	Detail string `json:"detail"`         // added, removed, changed, or old → new
	// Rebuilds: this change alone makes the operator build a new image.
	Rebuilds bool   `json:"rebuilds"`
	Effect   Effect `json:"effect"`
	// Actions are the daemon's steps for a live change (reload crio.service …).
	Actions []ocpversion.DisruptionAction `json:"actions,omitempty"`
	// Why names the rule that decided the effect.
	Why string `json:"why"`
}

// Prediction is the whole update's outcome under one version's rules.
type Prediction struct {
	Version   string   `json:"openshiftVersion"`
	MCOBranch string   `json:"mcoBranch"`
	Changes   []Change `json:"changes"`
	// Rebuild: the On-Cluster Layering image is rebuilt (and the nodes then
	// reboot into it).
	Rebuild bool `json:"rebuild"`
	// Effect of the update on each node: the strongest of its changes'.
	Effect Effect `json:"effect"`
	// Refused lists why the daemon would refuse the update.
	Refused []string `json:"refused,omitempty"`
}

// Summary is one sentence for the whole update.
func (p *Prediction) Summary() string {
	switch {
	case len(p.Changes) == 0:
		return "no change: nothing is rebuilt, nodes are not touched"
	case p.Effect == EffectRefused:
		return "the daemon refuses this update (" + strings.Join(p.Refused, "; ") + "): the nodes degrade"
	case p.Rebuild:
		return "this change rebuilds the image, and the nodes reboot into it"
	case p.Effect == EffectReboot:
		return "no rebuild; the change is applied to the nodes and they reboot"
	case p.Effect == EffectLive:
		return "no rebuild; the change applies live (services reloaded or restarted, no reboot)"
	}
	return "no rebuild; the change applies live without restarting anything"
}

// RenderPool selects the MachineConfigs of pool (with its MachineConfigPool
// when given) and merges them into the rendered config, as the render
// controller does. Base images do not matter for a diff and are left empty.
func RenderPool(pool string, pools []*mcfgv1.MachineConfigPool, configs []*mcfgv1.MachineConfig) (*mcfgv1.MachineConfig, error) {
	if pool == "" {
		pool = mco.DefaultPoolName
	}
	sel, err := mco.SelectMachineConfigs(pool, mco.FindPool(pool, pools), configs)
	if err != nil {
		return nil, err
	}
	return mco.MergeMachineConfigs(sel, "", "")
}

// Predict compares two rendered MachineConfigs of a pool that runs an On-Cluster
// Layering image, under profile p's rules.
func Predict(oldMC, newMC *mcfgv1.MachineConfig, p ocpversion.Profile) (*Prediction, error) {
	oldIgn, err := parse(oldMC, "old")
	if err != nil {
		return nil, err
	}
	newIgn, err := parse(newMC, "new")
	if err != nil {
		return nil, err
	}
	pr := &Prediction{Version: p.Version.String(), MCOBranch: p.MCOBranch, Changes: []Change{}}
	o, n := oldMC.Spec, newMC.Spec

	// Fields RequiresRebuild compares (release-4.20+ pkg/controller/common/helpers.go).
	if o.OSImageURL != n.OSImageURL {
		pr.add(Change{Kind: KindOSImageURL, Detail: arrow(o.OSImageURL, n.OSImageURL)})
	}
	if kernelType(o.KernelType) != kernelType(n.KernelType) {
		pr.add(Change{Kind: KindKernelType, Detail: arrow(kernelType(o.KernelType), kernelType(n.KernelType))})
	}
	if !reflect.DeepEqual(nonNil(o.Extensions), nonNil(n.Extensions)) {
		pr.add(Change{Kind: KindExtensions, Detail: arrow(list(o.Extensions), list(n.Extensions))})
	}
	if !reflect.DeepEqual(nonNil(o.KernelArguments), nonNil(n.KernelArguments)) {
		pr.add(Change{Kind: KindKernelArguments, Detail: arrow(list(o.KernelArguments), list(n.KernelArguments))})
	}
	if o.FIPS != n.FIPS {
		pr.add(Change{Kind: KindFIPS, Detail: arrow(fmt.Sprint(o.FIPS), fmt.Sprint(n.FIPS))})
	}
	diffFiles(pr, oldIgn, newIgn)
	diffUnits(pr, oldIgn, newIgn)
	diffPasswd(pr, oldIgn, newIgn)
	diffSections(pr, oldIgn, newIgn)

	decide(pr, p)
	return pr, nil
}

func (pr *Prediction) add(c Change) { pr.Changes = append(pr.Changes, c) }

// decide applies the version's rules to every change and to the whole.
func decide(pr *Prediction, p ocpversion.Profile) {
	for i := range pr.Changes {
		c := &pr.Changes[i]
		// RebuildTriggers nil (4.19): every change of the rendered config
		// rebuilds; the field name then does not matter.
		c.Rebuilds = p.Rebuilds(c.Kind)
		if c.Rebuilds {
			pr.Rebuild = true
		}
		if c.Kind == KindFIPS {
			c.Effect, c.Why = EffectRefused, "the daemon refuses to change FIPS on a running cluster (pkg/daemon/update.go checkFIPS)"
		}
		if c.Effect == EffectRefused {
			pr.Refused = append(pr.Refused, c.Why)
			continue
		}
		switch {
		case p.RebuildTriggers == nil:
			c.Effect, c.Why = EffectReboot, fmt.Sprintf("OpenShift %s rebuilds the image on every change of the rendered config, and a node reboots into every new image (%s pkg/daemon/update.go: newMachineConfigDiffFromLayered sets osUpdate when the image changes)", p.Version, p.MCOBranch)
		case c.Rebuilds:
			c.Effect, c.Why = EffectReboot, fmt.Sprintf("%s is a rebuild trigger (%s pkg/controller/common/helpers.go RequiresRebuild); the node reboots into the new image", c.Kind, p.MCOBranch)
		case c.Kind == KindFile:
			c.Effect, c.Actions, c.Why = fileEffect(c.Name, p)
		case c.Kind == KindUnit:
			c.Effect, c.Actions, c.Why = unitEffect(c.Name, p)
		case c.Kind == KindSSHKeys:
			c.Actions = append([]ocpversion.DisruptionAction(nil), p.NodeDisruption.SSHKey...)
			c.Effect, c.Why = effectOf(c.Actions), "the SSH key node disruption policy"
		default:
			c.Effect, c.Why = EffectReboot, "no node disruption policy covers it"
		}
	}
	pr.Effect = EffectNone
	for _, c := range pr.Changes {
		pr.Effect = stronger(pr.Effect, c.Effect)
	}
}

var rank = map[Effect]int{EffectNone: 0, EffectLive: 1, EffectReboot: 2, EffectRefused: 3}

func stronger(a, b Effect) Effect {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// fileEffect finds the longest default policy path that is the file or one
// of its parent directories (FindClosestFilePolicyPathMatch); none: reboot.
func fileEffect(p string, prof ocpversion.Profile) (Effect, []ocpversion.DisruptionAction, string) {
	best := -1
	for i, f := range prof.NodeDisruption.Files {
		if p == f.Path || strings.HasPrefix(p, strings.TrimSuffix(f.Path, "/")+"/") {
			if best < 0 || len(f.Path) > len(prof.NodeDisruption.Files[best].Path) {
				best = i
			}
		}
	}
	if best < 0 {
		return EffectReboot, nil, fmt.Sprintf("no default node disruption policy covers %s (%s pkg/apihelpers/apihelpers.go): the daemon reboots", p, prof.MCOBranch)
	}
	f := prof.NodeDisruption.Files[best]
	acts := append([]ocpversion.DisruptionAction(nil), f.Actions...)
	return effectOf(acts), acts, fmt.Sprintf("default node disruption policy for %s", f.Path)
}

func unitEffect(name string, prof ocpversion.Profile) (Effect, []ocpversion.DisruptionAction, string) {
	for _, u := range prof.NodeDisruption.Units {
		if u.Name == name {
			acts := append([]ocpversion.DisruptionAction(nil), u.Actions...)
			return effectOf(acts), acts, "default node disruption policy for " + name
		}
	}
	return EffectReboot, nil, fmt.Sprintf("no default node disruption policy covers unit %s: the daemon reboots", name)
}

func effectOf(acts []ocpversion.DisruptionAction) Effect {
	e := EffectNone
	for _, a := range acts {
		switch a.Type {
		case ocpversion.ActionReboot:
			return EffectReboot
		case ocpversion.ActionNone:
		default:
			e = EffectLive
		}
	}
	return e
}

// ---- Ignition differences ------------------------------------------------

func parse(mc *mcfgv1.MachineConfig, which string) (ign3types.Config, error) {
	if mc == nil {
		return ign3types.Config{}, fmt.Errorf("%s: no MachineConfig", which)
	}
	if len(mc.Spec.Config.Raw) == 0 {
		return ign3types.Config{}, nil
	}
	cfg, err := mco.ParseIgnition(mc.Spec.Config.Raw)
	if err != nil {
		return cfg, fmt.Errorf("%s rendered config: %w", which, err)
	}
	return cfg, nil
}

func diffFiles(pr *Prediction, o, n ign3types.Config) {
	om, nm := map[string]ign3types.File{}, map[string]ign3types.File{}
	for _, f := range o.Storage.Files {
		om[f.Path] = f
	}
	for _, f := range n.Storage.Files {
		nm[f.Path] = f
	}
	for _, p := range unionKeys(om, nm) {
		of, inOld := om[p]
		nf, inNew := nm[p]
		if inOld && inNew && reflect.DeepEqual(of, nf) {
			continue
		}
		c := Change{Kind: KindFile, Name: p, Detail: presence(inOld, inNew)}
		if inNew && len(nf.Append) > 0 {
			c.Effect, c.Why = EffectRefused, fmt.Sprintf("file %s uses append, which the daemon cannot apply in place (pkg/controller/common/reconcile.go)", p)
		}
		pr.add(c)
	}
}

func diffUnits(pr *Prediction, o, n ign3types.Config) {
	om, nm := map[string]ign3types.Unit{}, map[string]ign3types.Unit{}
	for _, u := range o.Systemd.Units {
		om[u.Name] = u
	}
	for _, u := range n.Systemd.Units {
		nm[u.Name] = u
	}
	for _, name := range unionKeys(om, nm) {
		ou, inOld := om[name]
		nu, inNew := nm[name]
		if inOld && inNew && reflect.DeepEqual(ou, nu) {
			continue
		}
		pr.add(Change{Kind: KindUnit, Name: name, Detail: presence(inOld, inNew)})
	}
}

// diffPasswd: only the core user's SSH keys (and password hash) may change
// in place (reconcile.go: "user must be core"); groups may not change.
func diffPasswd(pr *Prediction, o, n ign3types.Config) {
	if !reflect.DeepEqual(o.Passwd.Groups, n.Passwd.Groups) {
		pr.add(Change{Kind: KindGroups, Detail: "changed", Effect: EffectRefused,
			Why: "Ignition passwd.groups changed, which the daemon cannot apply (pkg/controller/common/reconcile.go)"})
	}
	if reflect.DeepEqual(o.Passwd.Users, n.Passwd.Users) {
		return
	}
	for _, u := range n.Passwd.Users {
		if u.Name != "core" {
			pr.add(Change{Kind: KindUsers, Name: u.Name, Detail: "changed", Effect: EffectRefused,
				Why: fmt.Sprintf("user %s: the daemon changes only the core user's SSH keys and password (pkg/controller/common/reconcile.go)", u.Name)})
			return
		}
	}
	pr.add(Change{Kind: KindSSHKeys, Name: "core", Detail: "changed"})
}

// diffSections: Ignition sections the daemon never changes in place.
func diffSections(pr *Prediction, o, n ign3types.Config) {
	for _, s := range []struct {
		name     string
		old, new any
	}{
		{"kernelArguments (Ignition)", o.KernelArguments, n.KernelArguments},
		{"storage.disks", o.Storage.Disks, n.Storage.Disks},
		{"storage.filesystems", o.Storage.Filesystems, n.Storage.Filesystems},
		{"storage.raid", o.Storage.Raid, n.Storage.Raid},
		{"storage.luks", o.Storage.Luks, n.Storage.Luks},
		{"storage.directories", o.Storage.Directories, n.Storage.Directories},
		{"storage.links", o.Storage.Links, n.Storage.Links},
	} {
		if isEmpty(s.old) && isEmpty(s.new) || reflect.DeepEqual(s.old, s.new) {
			continue
		}
		pr.add(Change{Kind: KindIgnition, Name: s.name, Detail: "changed", Effect: EffectRefused,
			Why: fmt.Sprintf("Ignition %s changed, which the daemon cannot apply to a running node (pkg/controller/common/reconcile.go)", s.name)})
	}
}

func isEmpty(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	case reflect.Struct:
		return rv.IsZero()
	}
	return v == nil
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for k := range a {
		seen[k] = true
		out = append(out, k)
	}
	for k := range b {
		if !seen[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func presence(inOld, inNew bool) string {
	switch {
	case !inOld:
		return "added"
	case !inNew:
		return "removed"
	}
	return "changed"
}

func kernelType(k string) string {
	if k == "" {
		return mco.KernelTypeDefault
	}
	return k
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func list(s []string) string { return "[" + strings.Join(s, " ") + "]" }

func arrow(a, b string) string {
	if a == "" {
		a = `""`
	}
	if b == "" {
		b = `""`
	}
	return a + " → " + b
}

// Describe is one line per change, for text output.
func (c Change) Describe() string {
	what := c.Kind
	if c.Name != "" {
		what += " " + c.Name
	}
	var eff string
	switch c.Effect {
	case EffectRefused:
		eff = "refused: " + c.Why
	case EffectReboot:
		eff = "reboot"
	case EffectLive:
		var parts []string
		for _, a := range c.Actions {
			s := a.Type
			if a.Type == ocpversion.ActionSpecial {
				s = "reload crio.service (drain first if a registry entry was removed or changed)"
			} else if a.Service != "" {
				s = strings.ToLower(a.Type) + " " + a.Service
			}
			parts = append(parts, s)
		}
		eff = "applies live: " + strings.Join(parts, ", ")
	default:
		eff = "applies live, nothing restarted"
	}
	rb := "no rebuild"
	if c.Rebuilds {
		rb = "rebuilds the image"
	}
	if c.Effect == EffectRefused {
		return fmt.Sprintf("%s %s: %s", what, c.Detail, eff)
	}
	return fmt.Sprintf("%s %s: %s; %s (%s)", what, c.Detail, rb, eff, c.Why)
}
