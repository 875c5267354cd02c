package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// testCA makes a real self-signed CA certificate and its key, as PEM.
func testCA(t *testing.T, cn string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// userCABundleCM is the ConfigMap as `oc get cm user-ca-bundle -n
// openshift-config -o yaml|json` prints it (server fields included).
func userCABundleCM(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: UserCABundleName, Namespace: ConfigNamespace, ResourceVersion: "4242",
			UID: "0b1c9b3e-6f43-4d0e-9a0e-1f2a3b4c5d6e", CreationTimestamp: metav1.Now()},
		Data: data,
	}
}

func TestParseTrustBundle(t *testing.T) {
	ca1, key := testCA(t, "ocl-build test CA one")
	ca2, _ := testCA(t, "ocl-build test CA two")
	bundle := append(append([]byte("# the company's CAs\n"), ca1...), ca2...)

	cm := userCABundleCM(map[string]string{TrustBundleKey: string(bundle)})
	cmYAML, err := yaml.Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	cmJSON, _ := json.MarshalIndent(cm, "", "    ")
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{userCABundleCM(map[string]string{"other": "x"}), cm}}
	listYAML, _ := yaml.Marshal(list)
	// The PEM really is inside the YAML, indented: the old reader took the
	// "-----BEGIN" it saw for a PEM file and found no certificate.
	if !strings.Contains(string(cmYAML), "    -----BEGIN CERTIFICATE-----") {
		t.Fatalf("ConfigMap YAML does not carry the indented PEM:\n%s", cmYAML)
	}

	for _, c := range []struct {
		name string
		in   []byte
		want []byte
	}{
		{"pem", bundle, bundle},
		{"configmap-yaml", cmYAML, bundle},
		{"configmap-json", cmJSON, bundle},
		{"list-yaml", listYAML, bundle},
		{"empty-file", []byte("\n"), []byte{}},
		{"configmap-empty-bundle", mustYAML(t, userCABundleCM(map[string]string{TrustBundleKey: ""})), []byte{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTrustBundle(c.name+".file", c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if len(c.want) == 0 {
				return
			}
			// Both real certificates come back and parse.
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(got) {
				t.Fatal("the result holds no certificate x509 accepts")
			}
			var cns []string
			for rest := got; ; {
				var b *pem.Block
				if b, rest = pem.Decode(rest); b == nil {
					break
				}
				crt, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				cns = append(cns, crt.Subject.CommonName)
			}
			if strings.Join(cns, ",") != "ocl-build test CA one,ocl-build test CA two" {
				t.Errorf("certificates read: %v", cns)
			}
		})
	}

	secret := mustYAML(t, &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "x"}})
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"Containerfile", []byte("FROM quay.io/x\nRUN dnf install -y tmux\n"), []string{"Containerfile: neither PEM certificates nor a ConfigMap with data[\"ca-bundle.crt\"]"}},
		{"secret.yaml", secret, []string{"secret.yaml: neither PEM certificates nor a ConfigMap", "found [Secret]"}},
		{"other-key.yaml", mustYAML(t, userCABundleCM(map[string]string{"ca.crt": string(ca1)})), []string{"other-key.yaml:1: ConfigMap user-ca-bundle has no data[\"ca-bundle.crt\"]", "[ca.crt]"}},
		{"key.pem", key, []string{"key.pem: PEM block 1 is a \"EC PRIVATE KEY\""}},
		{"cm-with-key.yaml", mustYAML(t, userCABundleCM(map[string]string{TrustBundleKey: string(ca1) + string(key)})), []string{"cm-with-key.yaml:1: ConfigMap user-ca-bundle data[\"ca-bundle.crt\"]: PEM block 2 is a \"EC PRIVATE KEY\""}},
		{"cm-garbage.yaml", mustYAML(t, userCABundleCM(map[string]string{TrustBundleKey: "not a certificate"})), []string{"cm-garbage.yaml:1: ConfigMap user-ca-bundle data[\"ca-bundle.crt\"]: no PEM certificate found"}},
		{"truncated.crt", []byte("-----BEGIN CERTIFICATE-----\nMIIBjTCCATOgAwIBAgIU\n-----END CERTIFICATE-----\n"), []string{"truncated.crt: PEM block 1 is not a valid certificate"}},
	} {
		t.Run("bad-"+c.name, func(t *testing.T) {
			_, err := ParseTrustBundle(c.name, c.in)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func mustYAML(t *testing.T, o any) []byte {
	t.Helper()
	b, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
