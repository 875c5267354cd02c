package cluster

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
)

// ProxySettings are the build args the operator passes to buildah.
type ProxySettings struct {
	HTTPProxy, HTTPSProxy, NoProxy string
}

// proxyOf prefers the Proxy's status (what the cluster computed, noProxy
// completed with the cluster's own networks) over its spec.
func proxyOf(p *configv1.Proxy) ProxySettings {
	if p == nil {
		return ProxySettings{}
	}
	st := ProxySettings{HTTPProxy: p.Status.HTTPProxy, HTTPSProxy: p.Status.HTTPSProxy, NoProxy: p.Status.NoProxy}
	if st != (ProxySettings{}) {
		return st
	}
	return ProxySettings{HTTPProxy: p.Spec.HTTPProxy, HTTPSProxy: p.Spec.HTTPSProxy, NoProxy: p.Spec.NoProxy}
}

// ProxySettings is the cluster proxy of the snapshot (empty when none).
func (s *Snapshot) ProxySettings() ProxySettings { return proxyOf(s.Proxy) }

// RegistriesConf turns the ImageDigestMirrorSets and ImageTagMirrorSets
// into a containers registries.conf (v2), as the operator's
// ContainerRuntimeConfig controller writes into every rendered config: one
// [[registry]] per source, its mirrors in order with pull-from-mirror
// "digest-only" (IDMS) or "tag-only" (ITMS), and blocked = true when a set
// says mirrorSourcePolicy NeverContactSource. Empty when there are none.
func (s *Snapshot) RegistriesConf() []byte {
	type mirror struct{ location, mode string }
	type reg struct {
		blocked bool
		mirrors []mirror
		seen    map[mirror]bool
	}
	regs := map[string]*reg{}
	add := func(source string, mirrors []configv1.ImageMirror, policy configv1.MirrorSourcePolicy, mode string) {
		r := regs[source]
		if r == nil {
			r = &reg{seen: map[mirror]bool{}}
			regs[source] = r
		}
		if policy == configv1.NeverContactSource {
			r.blocked = true
		}
		for _, m := range mirrors {
			mm := mirror{string(m), mode}
			if !r.seen[mm] {
				r.seen[mm] = true
				r.mirrors = append(r.mirrors, mm)
			}
		}
	}
	for _, o := range s.IDMS {
		for _, d := range o.Spec.ImageDigestMirrors {
			add(d.Source, d.Mirrors, d.MirrorSourcePolicy, "digest-only")
		}
	}
	for _, o := range s.ITMS {
		for _, d := range o.Spec.ImageTagMirrors {
			add(d.Source, d.Mirrors, d.MirrorSourcePolicy, "tag-only")
		}
	}
	if len(regs) == 0 {
		return nil
	}
	sources := make([]string, 0, len(regs))
	for k := range regs {
		sources = append(sources, k)
	}
	sort.Strings(sources)
	var b strings.Builder
	b.WriteString("# From the cluster's ImageDigestMirrorSets and ImageTagMirrorSets (ocl-build snapshot).\n")
	b.WriteString("unqualified-search-registries = []\n")
	for _, src := range sources {
		r := regs[src]
		fmt.Fprintf(&b, "\n[[registry]]\n  prefix = \"\"\n  location = %s\n", strconv.Quote(src))
		if r.blocked {
			b.WriteString("  blocked = true\n")
		}
		for _, m := range r.mirrors {
			fmt.Fprintf(&b, "\n  [[registry.mirror]]\n    location = %s\n    pull-from-mirror = %q\n", strconv.Quote(m.location), m.mode)
		}
	}
	return []byte(b.String())
}

// RegistryCAFiles maps file names of a --cert-dir directory to PEM: one
// "<host[:port]>.crt" per key of image.config's additionalTrustedCA
// ConfigMap, whose keys spell a port as "host..port" (a colon is not
// allowed in a ConfigMap key).
func (s *Snapshot) RegistryCAFiles() (map[string][]byte, error) {
	if s.RegistryCAs == nil {
		return nil, nil
	}
	out := map[string][]byte{}
	for k, v := range s.RegistryCAs.Data {
		host := strings.Replace(k, "..", ":", 1)
		if host == "" || strings.ContainsAny(host, "/\\") || strings.HasPrefix(host, ".") {
			return nil, fmt.Errorf("ConfigMap %s/%s: key %q is not a registry host", s.RegistryCAs.Namespace, s.RegistryCAs.Name, k)
		}
		out[host+".crt"] = []byte(v)
	}
	return out, nil
}
