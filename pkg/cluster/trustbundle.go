package cluster

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

// TrustBundleKey is the key of the user-ca-bundle ConfigMap that holds the
// PEM bundle (what the operator copies into the build context).
const TrustBundleKey = "ca-bundle.crt"

// ParseTrustBundle reads --additional-trust-bundle: a PEM file of
// certificates, or the openshift-config/user-ca-bundle ConfigMap as
// `oc get cm user-ca-bundle -n openshift-config -o yaml` (or -o json, or in a
// List) prints it, whose data["ca-bundle.crt"] is the PEM. It returns the PEM
// bytes; an empty input is an empty bundle. name is the file, for messages.
//
// PEM is tried first and recognised by a block at the start of a line:
// inside a ConfigMap the PEM is indented (YAML) or escaped (JSON), so a
// ConfigMap is never mistaken for a bundle with no certificate.
func ParseTrustBundle(name string, data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return []byte{}, nil
	}
	if blk, _ := pem.Decode(data); blk != nil {
		if err := checkPEMCertificates(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return data, nil
	}
	docs, perr := kubedoc.Parse(name, data)
	if perr != nil || len(docs) == 0 {
		why := "no PEM block and not YAML/JSON"
		if perr != nil {
			why += ": " + perr.Error()
		}
		return nil, fmt.Errorf("%s: neither PEM certificates nor a ConfigMap with data[%q] (%s)", name, TrustBundleKey, why)
	}
	var cm *kubedoc.Document
	var kinds []string
	for _, d := range docs {
		kinds = append(kinds, d.Kind)
		if d.Kind == "ConfigMap" && d.APIVersion == "v1" && (cm == nil || d.Name == UserCABundleName) {
			cm = d
		}
	}
	if cm == nil {
		return nil, fmt.Errorf("%s: neither PEM certificates nor a ConfigMap with data[%q] (found %v)", name, TrustBundleKey, kinds)
	}
	x, err := cm.Data()
	if err != nil {
		return nil, err
	}
	b, ok := x.Get(TrustBundleKey)
	if !ok {
		return nil, fmt.Errorf("%s: ConfigMap %s has no data[%q] (keys: %v)", cm.Where(), cm.Name, TrustBundleKey, x.Keys())
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte{}, nil
	}
	if err := checkPEMCertificates(b); err != nil {
		return nil, fmt.Errorf("%s: ConfigMap %s data[%q]: %w", cm.Where(), cm.Name, TrustBundleKey, err)
	}
	return b, nil
}

// checkPEMCertificates requires at least one PEM block, every block a
// certificate that parses (a key or a broken copy-paste is refused before
// it ends up in the image).
func checkPEMCertificates(data []byte) error {
	rest, n := data, 0
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		n++
		if blk.Type != "CERTIFICATE" {
			return fmt.Errorf("PEM block %d is a %q; only certificates belong in a trust bundle", n, blk.Type)
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return fmt.Errorf("PEM block %d is not a valid certificate: %v", n, err)
		}
	}
	if n == 0 {
		return fmt.Errorf("no PEM certificate found")
	}
	return nil
}
