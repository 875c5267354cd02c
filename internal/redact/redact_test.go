package redact

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

const pass = "s3cr3t-Pa55"

func TestString(t *testing.T) {
	for _, in := range []string{
		"proxyconnect tcp: dial http://alice:" + pass + "@proxy.example:3128: refused",
		`HTTPS_PROXY=http://alice:` + pass + `@proxy:3128 NO_PROXY=.svc`,
		`https_proxy="alice:` + pass + `@proxy:3128"`,
		"--http-proxy alice:" + pass + "@proxy:3128",
		"HTTP_PROXY=alice:" + pass + "@proxy:3128",
		`config = {"env":["HTTP_PROXY=socks5://bob:` + pass + `@10.0.0.1:1080"]}`,
		"Get \"https://u:" + pass + "@registry.example/v2/\": EOF",
	} {
		out := String(in)
		if strings.Contains(out, pass) {
			t.Errorf("String(%q) = %q: the password is still there", in, out)
		}
		if !strings.Contains(out, Mask) {
			t.Errorf("String(%q) = %q: nothing marked as removed", in, out)
		}
	}
	for _, keep := range []string{
		"docker://quay.io/openshift/ocp@sha256:abc",
		"http://proxy.example:3128",
		"user alice on registry.example:5000",
		"containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]abc",
	} {
		if out := String(keep); out != keep {
			t.Errorf("String(%q) = %q: changed text without credentials", keep, out)
		}
	}
}

func TestHookAtEveryLevel(t *testing.T) {
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetLevel(logrus.TraceLevel)
	l.AddHook(Hook{})
	msg := "using proxy http://alice:" + pass + "@proxy:3128"
	for _, lv := range logrus.AllLevels {
		if lv == logrus.PanicLevel || lv == logrus.FatalLevel {
			continue
		}
		l.WithField("proxy", "http://alice:"+pass+"@p:1").WithError(errors.New(msg)).Log(lv, msg)
	}
	if strings.Contains(buf.String(), pass) {
		t.Errorf("log output holds the password:\n%s", buf.String())
	}
	if strings.Count(buf.String(), Mask) < 5 {
		t.Errorf("too few redactions:\n%s", buf.String())
	}
}
