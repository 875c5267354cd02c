package mco

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
)

// EncodeMachineConfig produces the content of machineconfig.json.gz as the
// build controller stores it in its ConfigMap: base64 text (no newline) of
// the best-compression gzip of the MachineConfig's JSON.
func EncodeMachineConfig(mc *mcfgv1.MachineConfig) ([]byte, error) {
	js, err := json.Marshal(mc)
	if err != nil {
		return nil, fmt.Errorf("encode MachineConfig %s: %w", mc.Name, err)
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(js); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(gz.Len()))
	base64.StdEncoding.Encode(out, gz.Bytes())
	return out, nil
}

// DecodeMachineConfig reverses EncodeMachineConfig, as the extract stage's
// `base64 -d | gunzip` does.
func DecodeMachineConfig(data []byte) (*mcfgv1.MachineConfig, error) {
	zr, err := gzip.NewReader(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.TrimSpace(data))))
	if err != nil {
		return nil, fmt.Errorf("machineconfig.json.gz: not base64 of gzip: %w", err)
	}
	js, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("machineconfig.json.gz: %w", err)
	}
	mc := &mcfgv1.MachineConfig{}
	if err := json.Unmarshal(js, mc); err != nil {
		return nil, fmt.Errorf("machineconfig.json.gz: not a MachineConfig: %w", err)
	}
	return mc, nil
}

// contextEntries are the only names the cluster's build context holds.
var contextEntries = map[string]bool{
	ContainerfileName:                       true,
	filepath.Dir(MachineConfigGzPath):       true,
	filepath.FromSlash(MachineConfigGzPath): true,
	CABundleName:                            true,
}

// WriteContext writes the build context the 4.19 build pod assembles:
// Containerfile, machineconfig/machineconfig.json.gz and
// openshift-config-user-ca-bundle.crt (empty when there is no bundle; it must
// exist for the COPY). Each file is replaced atomically. The directory may
// not hold anything else: a build from it must fail where the cluster's
// would, e.g. on `COPY ./local-file`.
func WriteContext(dir string, r *Rendered) error {
	if r == nil {
		return fmt.Errorf("write context: nothing rendered")
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if p == dir && os.IsNotExist(err) {
				return filepath.SkipAll // a new directory
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if !contextEntries[rel] {
			return fmt.Errorf("write context: %s holds %s; the cluster's build context has only %s, %s and %s, so use an empty directory", dir, rel, ContainerfileName, MachineConfigGzPath, CABundleName)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The context directory is the caller's; its machineconfig/ must be a
	// real directory, not a link someone left there.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write context: %w", err)
	}
	if err := atomicfile.MkdirNoFollow(filepath.Join(dir, filepath.Dir(MachineConfigGzPath)), 0o755); err != nil {
		return fmt.Errorf("write context: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{filepath.FromSlash(MachineConfigGzPath), r.MachineConfigGz},
		{CABundleName, r.CABundle},
		// The Containerfile last: its presence means the context is complete.
		{ContainerfileName, []byte(r.Containerfile)},
	}
	for _, f := range files {
		data := f.data
		if data == nil {
			data = []byte{}
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), data, 0o644); err != nil {
			return fmt.Errorf("write context: %w", err)
		}
	}
	return nil
}
