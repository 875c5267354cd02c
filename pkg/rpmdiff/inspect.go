package rpmdiff

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ocl-build/ocl-build/pkg/image"
)

// The labels the Machine Config Operator puts on the images it builds.
const (
	LabelMachineConfig     = "machineconfig"
	LabelMachineConfigPool = "machineconfigpool"
	LabelBaseOSImage       = "baseOSContainerImage"
)

// Inspection is what `ocl-build inspect` shows about an image.
type Inspection struct {
	Ref            string            `json:"ref"`
	Kind           image.Kind        `json:"kind"`
	ManifestDigest string            `json:"manifestDigest,omitempty"`
	Created        *time.Time        `json:"created,omitempty"`
	Architecture   string            `json:"architecture,omitempty"`
	OS             string            `json:"os,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	MCO            MCOLabels         `json:"mcoLabels"`
	Layers         []image.Layer     `json:"layers"`
	TotalSize      int64             `json:"totalSize"`
	OSRelease      map[string]string `json:"osRelease,omitempty"`
	RPMDB          *DB               `json:"rpmdb,omitempty"`
	PackageCount   int               `json:"packageCount"`
	// RPMDBError says why there is no RPMDB (an image without rpm is fine to inspect).
	RPMDBError string `json:"rpmdbError,omitempty"`
}

// MCOLabels are the operator's labels, called out.
type MCOLabels struct {
	MachineConfig        string `json:"machineconfig,omitempty"`
	MachineConfigPool    string `json:"machineconfigpool,omitempty"`
	BaseOSContainerImage string `json:"baseOSContainerImage,omitempty"`
}

// Inspect opens ref and describes it.
func (r *Reader) Inspect(ctx context.Context, ref string) (*Inspection, error) {
	im, err := image.Open(ctx, ref, r.opts)
	if err != nil {
		return nil, err
	}
	defer im.Close()
	in := &Inspection{Ref: ref, Kind: im.Kind, ManifestDigest: im.ManifestDigest, Created: im.Config.Created,
		Architecture: im.Config.Architecture, OS: im.Config.OS, Labels: im.Config.Labels,
		Layers: im.Layers, TotalSize: im.TotalSize()}
	if in.Layers == nil {
		in.Layers = []image.Layer{}
	}
	in.MCO = MCOLabels{im.Config.Labels[LabelMachineConfig], im.Config.Labels[LabelMachineConfigPool], im.Config.Labels[LabelBaseOSImage]}
	db, osr, err := r.read(ctx, im, im.Kind == image.KindContainer || im.Kind == image.KindRootfs)
	if err != nil {
		if !isNoDB(err) {
			return nil, err
		}
		in.RPMDBError = oneLine(err.Error())
	} else {
		in.RPMDB = db
		in.PackageCount = len(db.Packages)
	}
	if osr != nil {
		in.OSRelease = ParseOSRelease(string(osr))
	}
	return in, nil
}

func isNoDB(err error) bool { return errors.Is(err, ErrNoRPMDB) }

// ParseOSRelease reads os-release(5) KEY=value lines, unquoting values.
func ParseOSRelease(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			v = strings.NewReplacer(`\"`, `"`, `\$`, `$`, `\\`, `\`, "\\`", "`").Replace(v)
		}
		m[k] = v
	}
	return m
}
