package configdiff

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// mc is a worker MachineConfig whose Ignition config is ign (a JSON-able
// map holding only the sections given) and whose spec is changed by edit.
func mc(t *testing.T, name string, ign map[string]any, edit func(*mcfgv1.MachineConfigSpec)) *mcfgv1.MachineConfig {
	t.Helper()
	if ign == nil {
		ign = map[string]any{}
	}
	ign["ignition"] = map[string]any{"version": "3.5.0"}
	raw, err := json.Marshal(ign)
	if err != nil {
		t.Fatal(err)
	}
	m := &mcfgv1.MachineConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"machineconfiguration.openshift.io/role": "worker"}},
		Spec:       mcfgv1.MachineConfigSpec{Config: runtime.RawExtension{Raw: raw}},
	}
	if edit != nil {
		edit(&m.Spec)
	}
	return m
}

func file(p, content string) map[string]any {
	return map[string]any{"path": p, "mode": 420, "contents": map[string]any{"source": "data:," + url.PathEscape(content)}}
}

func files(fs ...map[string]any) map[string]any {
	l := []any{}
	for _, f := range fs {
		l = append(l, f)
	}
	return map[string]any{"storage": map[string]any{"files": l}}
}

// predict renders both sets for the worker pool and predicts under v.
func predict(t *testing.T, v string, old, new []*mcfgv1.MachineConfig) *Prediction {
	t.Helper()
	o, err := RenderPool("worker", nil, old)
	if err != nil {
		t.Fatal(err)
	}
	n, err := RenderPool("worker", nil, new)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Predict(o, n, ocpversion.MustLookup(v))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type want struct {
	rebuild bool
	effect  Effect
	// in: a substring the change lines must contain
	in string
}

// The rules differ by version: 4.19 rebuilds (and reboots) on any change;
// 4.20+ rebuilds only on the four RequiresRebuild fields and applies the
// rest by node disruption policy; 4.22 adds default policies.
func TestPredictPerVersion(t *testing.T) {
	base := []*mcfgv1.MachineConfig{mc(t, "00-worker", files(file("/etc/existing.conf", "a")), nil)}
	with := func(extra ...*mcfgv1.MachineConfig) []*mcfgv1.MachineConfig {
		return append(append([]*mcfgv1.MachineConfig{}, base...), extra...)
	}
	cases := []struct {
		name string
		new  []*mcfgv1.MachineConfig
		want map[string]want
	}{
		{"plain file added", with(mc(t, "50-motd", files(file("/etc/motd", "hello")), nil)), map[string]want{
			"4.19": {true, EffectReboot, "file /etc/motd added: rebuilds the image; reboot"},
			"4.20": {false, EffectReboot, "file /etc/motd added: no rebuild; reboot"},
			"4.23": {false, EffectReboot, "no default node disruption policy covers /etc/motd"},
		}},
		{"registries.conf changed", with(mc(t, "50-reg", files(file("/etc/containers/registries.conf", "x")), nil)), map[string]want{
			"4.19": {true, EffectReboot, "rebuilds the image"},
			"4.20": {false, EffectLive, "applies live: reload crio.service (drain first"},
		}},
		{"policy.json changed", with(mc(t, "50-pol", files(file("/etc/containers/policy.json", "{}")), nil)), map[string]want{
			"4.21": {false, EffectLive, "applies live: reload crio.service"},
		}},
		{"credential provider config", with(mc(t, "50-cp", files(file("/etc/kubernetes/credential-providers/ecr.yaml", "x")), nil)), map[string]want{
			"4.21": {false, EffectReboot, "no default node disruption policy"},
			"4.22": {false, EffectLive, "restart kubelet.service"},
		}},
		{"ssh key", with(mc(t, "50-ssh", map[string]any{"passwd": map[string]any{"users": []any{map[string]any{"name": "core", "sshAuthorizedKeys": []string{"ssh-ed25519 AAAA x"}}}}}, nil)), map[string]want{
			"4.19": {true, EffectReboot, "sshKeys core changed: rebuilds the image"},
			"4.20": {false, EffectNone, "sshKeys core changed: no rebuild; applies live, nothing restarted"},
		}},
		{"unit added", with(mc(t, "50-unit", map[string]any{"systemd": map[string]any{"units": []any{map[string]any{"name": "x.service", "enabled": true}}}}, nil)), map[string]want{
			"4.20": {false, EffectReboot, "unit x.service added: no rebuild; reboot"},
		}},
		{"extensions", with(mc(t, "50-ext", nil, func(s *mcfgv1.MachineConfigSpec) { s.Extensions = []string{"usbguard"} })), map[string]want{
			"4.19": {true, EffectReboot, "extensions [] → [usbguard]: rebuilds the image"},
			"4.20": {true, EffectReboot, "extensions is a rebuild trigger (release-4.20 pkg/controller/common/helpers.go RequiresRebuild)"},
		}},
		{"kernel arguments", with(mc(t, "50-karg", nil, func(s *mcfgv1.MachineConfigSpec) { s.KernelArguments = []string{"nosmt"} })), map[string]want{
			"4.22": {true, EffectReboot, "kernelArguments [] → [nosmt]: rebuilds the image"},
		}},
		{"kernelType", with(mc(t, "50-rt", nil, func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "realtime" })), map[string]want{
			"4.20": {true, EffectReboot, "kernelType default → realtime: rebuilds"},
		}},
		{"fips", with(mc(t, "50-fips", nil, func(s *mcfgv1.MachineConfigSpec) { s.FIPS = true })), map[string]want{
			"4.19": {true, EffectRefused, "refused: the daemon refuses to change FIPS"},
			"4.20": {false, EffectRefused, "refused: the daemon refuses to change FIPS"},
		}},
		{"non-core user", with(mc(t, "50-user", map[string]any{"passwd": map[string]any{"users": []any{map[string]any{"name": "admin"}}}}, nil)), map[string]want{
			"4.20": {false, EffectRefused, "user admin: the daemon changes only the core user"},
		}},
		{"directory", with(mc(t, "50-dir", map[string]any{"storage": map[string]any{"directories": []any{map[string]any{"path": "/etc/x"}}}}, nil)), map[string]want{
			"4.20": {false, EffectRefused, "storage.directories"},
		}},
	}
	for _, c := range cases {
		for v, w := range c.want {
			p := predict(t, v, base, c.new)
			var lines []string
			for _, ch := range p.Changes {
				lines = append(lines, ch.Describe())
			}
			text := strings.Join(lines, "\n")
			if p.Rebuild != w.rebuild || p.Effect != w.effect || !strings.Contains(text, w.in) {
				t.Errorf("%s on %s: rebuild=%v effect=%s, want %v %s containing %q\n%s", c.name, v, p.Rebuild, p.Effect, w.rebuild, w.effect, w.in, text)
			}
			if p.Version != v || p.MCOBranch != "release-"+v {
				t.Errorf("%s: version %s branch %s", c.name, p.Version, p.MCOBranch)
			}
		}
	}
}

// A rebuild trigger and a live change together: the whole update rebuilds
// and reboots; each change keeps its own line.
func TestPredictMixedAndNone(t *testing.T) {
	base := []*mcfgv1.MachineConfig{mc(t, "00-worker", nil, nil)}
	p := predict(t, "4.20", base, base)
	if len(p.Changes) != 0 || p.Rebuild || p.Effect != EffectNone || !strings.HasPrefix(p.Summary(), "no change") {
		t.Fatalf("identical sets: %+v %q", p, p.Summary())
	}
	newer := []*mcfgv1.MachineConfig{
		mc(t, "00-worker", files(file("/etc/containers/policy.json", "{}")), func(s *mcfgv1.MachineConfigSpec) { s.Extensions = []string{"sysstat"} }),
	}
	p = predict(t, "4.20", base, newer)
	if len(p.Changes) != 2 || !p.Rebuild || p.Effect != EffectReboot || !strings.Contains(p.Summary(), "rebuilds the image") {
		t.Fatalf("mixed: %+v %q", p, p.Summary())
	}
	// The other pool's configs do not count.
	other := append(append([]*mcfgv1.MachineConfig{}, base...), mc(t, "50-master", files(file("/etc/m", "x")), nil))
	other[1].Labels["machineconfiguration.openshift.io/role"] = "master"
	if p := predict(t, "4.19", base, other); len(p.Changes) != 0 {
		t.Fatalf("a master MachineConfig changed the worker prediction: %+v", p.Changes)
	}
}
