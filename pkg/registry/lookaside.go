package registry

import (
	"net/url"
	"os"
	"path/filepath"
	"sort"

	"github.com/containers/image/v5/types"
	"sigs.k8s.io/yaml"
)

// registriesDFile is the part of a registries.d file (containers-registries.d(5))
// that names signature stores.
type registriesDFile struct {
	DefaultDocker *lookasideConfig           `json:"default-docker"`
	Docker        map[string]lookasideConfig `json:"docker"`
}

type lookasideConfig struct {
	Lookaside        string `json:"lookaside"`
	LookasideStaging string `json:"lookaside-staging"`
	SigStore         string `json:"sigstore"` // the older names
	SigStoreStaging  string `json:"sigstore-staging"`
}

// plainLookasides lists the host:port of every signature store that the
// registries.d configuration (sys's, else /etc/containers/registries.d)
// names with an http:// URL. containers/image reads signatures from them
// with the registry's HTTP client; the redirect guard lets these plain
// connections through as configured, not as downgrades.
func plainLookasides(sys *types.SystemContext) []string {
	dir := "/etc/containers/registries.d"
	if sys != nil && sys.RegistriesDirPath != "" {
		dir = sys.RegistriesDirPath
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	seen := map[string]bool{}
	add := func(c *lookasideConfig) {
		if c == nil {
			return
		}
		for _, raw := range []string{c.Lookaside, c.LookasideStaging, c.SigStore, c.SigStoreStaging} {
			if u, err := url.Parse(raw); err == nil && u.Scheme == "http" && u.Host != "" {
				seen[u.Host] = true
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var c registriesDFile
		if yaml.Unmarshal(b, &c) != nil {
			continue // containers/image reports a broken file itself
		}
		add(c.DefaultDocker)
		for _, ns := range c.Docker {
			add(&ns)
		}
	}
	var hosts []string
	for h := range seen {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts
}
