package registry

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/pkg/docker/config"
	"github.com/containers/image/v5/types"
)

func write(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func authJSON(host, user, pass string) string {
	b, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}}})
	return string(b)
}

// (Moved from pkg/image, whose SystemContext this replaces.)
func TestSystemContext(t *testing.T) {
	dir := t.TempDir()
	envAuth := write(t, dir, "env.json", `{"auths":{}}`, 0o600)
	flagAuth := write(t, dir, "flag.json", `{"auths":{}}`, 0o600)
	certs := filepath.Join(dir, "certs")
	if err := os.Mkdir(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvAuthFile, envAuth)
	sys, done, err := Options{CertDir: certs, TLSVerify: types.OptionalBoolFalse}.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	done()
	if sys.AuthFilePath != envAuth || sys.DockerCertPath != certs || sys.DockerInsecureSkipTLSVerify != types.OptionalBoolTrue {
		t.Fatalf("%+v", sys)
	}
	sys, _, err = Options{AuthFile: flagAuth}.SystemContext()
	if err != nil || sys.AuthFilePath != flagAuth {
		t.Fatalf("--authfile must win over REGISTRY_AUTH_FILE: %v %+v", err, sys)
	}
}

// The three-way --tls-verify: only an explicit choice overrides
// registries.conf (an explicit false used to be set by build, refusing a
// registry that registries.conf marks insecure).
func TestTLSVerifyThreeWay(t *testing.T) {
	t.Setenv(EnvAuthFile, "")
	for _, tc := range []struct {
		in   types.OptionalBool
		want types.OptionalBool
	}{
		{types.OptionalBoolUndefined, types.OptionalBoolUndefined},
		{types.OptionalBoolTrue, types.OptionalBoolFalse},
		{types.OptionalBoolFalse, types.OptionalBoolTrue},
	} {
		sys, _, err := Options{TLSVerify: tc.in}.SystemContext()
		if err != nil {
			t.Fatal(err)
		}
		if sys.DockerInsecureSkipTLSVerify != tc.want {
			t.Errorf("TLSVerify %v: DockerInsecureSkipTLSVerify %v, want %v", tc.in, sys.DockerInsecureSkipTLSVerify, tc.want)
		}
	}
	conf := write(t, t.TempDir(), "registries.conf", "[[registry]]\nlocation = \"reg.example:5000\"\ninsecure = true\n", 0o644)
	sys, _, err := Options{RegistriesConf: conf}.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	if !Insecure(sys, "reg.example:5000") || Insecure(sys, "other.example") {
		t.Error("registries.conf's insecure = true is not what decides with --tls-verify unset")
	}
	sys, _, _ = Options{RegistriesConf: conf, TLSVerify: types.OptionalBoolTrue}.SystemContext()
	if Insecure(sys, "reg.example:5000") {
		t.Error("--tls-verify=true does not override registries.conf")
	}
}

func TestRegistriesConfEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := write(t, dir, "env.conf", "", 0o644)
	flag := write(t, dir, "flag.conf", "", 0o644)
	t.Setenv(EnvRegistriesConf, env)
	sys, _, err := Options{}.SystemContext()
	if err != nil || sys.SystemRegistriesConfPath != env {
		t.Fatalf("$%s not honoured: %v %q", EnvRegistriesConf, err, sys.SystemRegistriesConfPath)
	}
	sys, _, err = Options{RegistriesConf: flag}.SystemContext()
	if err != nil || sys.SystemRegistriesConfPath != flag {
		t.Fatalf("--registries-conf must win: %v %q", err, sys.SystemRegistriesConfPath)
	}
	t.Setenv(EnvRegistriesConf, filepath.Join(dir, "missing.conf"))
	if _, _, err := (Options{}).SystemContext(); err == nil || !strings.Contains(err.Error(), "registries.conf") {
		t.Errorf("a missing $%s file: %v", EnvRegistriesConf, err)
	}
}

// --authfile takes the three forms pkg/pullsecret reads; containers/image
// then finds the credentials in each, and the private copy is gone after
// done.
func TestAuthFileForms(t *testing.T) {
	t.Setenv(EnvAuthFile, "")
	dir := t.TempDir()
	host := "reg.example:5000"
	cred := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	dcj := authJSON(host, "alice", "s3cret")
	forms := map[string]string{
		"dockerconfigjson": dcj,
		"dockercfg":        `{"` + host + `":{"auth":"` + cred + `"}}`,
		"secret": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: " +
			base64.StdEncoding.EncodeToString([]byte(dcj)) + "\n",
	}
	for name, content := range forms {
		t.Run(name, func(t *testing.T) {
			p := write(t, dir, name, content, 0o600)
			sys, done, err := Options{AuthFile: p}.SystemContext()
			if err != nil {
				t.Fatal(err)
			}
			c, err := config.GetCredentials(sys, host)
			if err != nil || c.Username != "alice" || c.Password != "s3cret" {
				t.Errorf("containers/image reads %q from the %s form: %v", c.Username, name, err)
			}
			copied := sys.AuthFilePath != p
			if copied != (name != "dockerconfigjson") {
				t.Errorf("%s: handed over %s", name, sys.AuthFilePath)
			}
			if copied {
				if fi, err := os.Stat(sys.AuthFilePath); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("private copy: %v %v", fi, err)
				}
			}
			done()
			if _, err := os.Stat(sys.AuthFilePath); copied && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("private copy left after done: %v", err)
			}
		})
	}
	// Broken JSON: the error names the file and where, and what is accepted.
	bad := write(t, dir, "bad.json", "{\"auths\": {\n  \"x\": }\n", 0o600)
	_, _, err := Options{AuthFile: bad}.SystemContext()
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "Secret") {
		t.Errorf("broken auth file: %v", err)
	}
}

func TestCreds(t *testing.T) {
	sys, _, err := Options{Creds: "bob:pw:with:colons"}.SystemContext()
	if err != nil || sys.DockerAuthConfig == nil || sys.DockerAuthConfig.Username != "bob" || sys.DockerAuthConfig.Password != "pw:with:colons" {
		t.Fatalf("--creds: %v %+v", err, sys)
	}
	for _, bad := range []string{"bob", ":pw", "bob:"} {
		_, _, err := Options{Creds: bad}.SystemContext()
		if err == nil || !strings.Contains(err.Error(), "--creds") {
			t.Errorf("--creds %q: %v", bad, err)
		}
		if err != nil && bad != "bob" && strings.Contains(err.Error(), strings.Trim(bad, ":")) {
			t.Errorf("--creds error echoes the value: %v", err)
		}
	}
}

func TestWarnsOnReadableAuthFile(t *testing.T) {
	dir := t.TempDir()
	var warned []string
	warn := func(m string) { warned = append(warned, m) }
	private := write(t, dir, "private.json", `{"auths":{}}`, 0o600)
	if _, _, err := (Options{AuthFile: private, Warn: warn}).SystemContext(); err != nil || len(warned) != 0 {
		t.Fatalf("0600 file: %v %v", err, warned)
	}
	open := write(t, dir, "open.json", `{"auths":{}}`, 0o600)
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (Options{AuthFile: open, Warn: warn}).SystemContext(); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], open) || !strings.Contains(warned[0], "0644") || !strings.Contains(warned[0], "chmod 600") {
		t.Errorf("world-readable auth file: warnings %q", warned)
	}
}

func TestSpeakAndDescribe(t *testing.T) {
	dir := t.TempDir()
	auth := write(t, dir, "auth.json", authJSON("quay.io", "u", "p"), 0o600)
	o := Options{AuthFile: auth}
	notFound := fmt.Errorf("reading digest latest in reg.example/x: %w", errors.New(`StatusCode: 404, ""`))
	err := o.Describe("image reg.example/x:latest", "reg.example", notFound, 1)
	if got := err.Error(); got != "image reg.example/x:latest: reading digest latest in reg.example/x: manifest unknown (HTTP 404) (1 attempt)" {
		t.Errorf("404: %q", got)
	}
	if !errors.Is(err, notFound) {
		t.Error("the reworded error no longer wraps the original")
	}
	unauth := errors.New("reading manifest latest in reg.example/x: unauthorized: authentication required")
	got := o.Describe("pulling reg.example/x:latest", "reg.example", unauth, 1).Error()
	if !strings.Contains(got, "unauthorized: no entry for reg.example in "+auth) {
		t.Errorf("no entry: %q", got)
	}
	got = o.Describe("pulling quay.io/x:latest", "quay.io", unauth, 1).Error()
	if !strings.Contains(got, "the credentials for quay.io in "+auth+" were refused") {
		t.Errorf("refused entry: %q", got)
	}
	got = o.Describe("push to r/x", "r", errors.New("received unexpected HTTP status: 503 Service Unavailable"), 4).Error()
	if !strings.HasSuffix(got, "(4 attempts)") || strings.Count(got, "push to r/x") != 1 {
		t.Errorf("attempts: %q", got)
	}
	// A prefix repeated by nested wrapping is said once.
	if got := Speak(errors.New("push to r/x: push to r/x: writing blob: x")).Error(); got != "push to r/x: writing blob: x" {
		t.Errorf("dedupe: %q", got)
	}
	var b bytes.Buffer
	b.WriteString(Speak(errors.New("sha256:abc: x")).Error())
	if b.String() != "sha256:abc: x" {
		t.Errorf("digests must survive: %q", b.String())
	}
}
