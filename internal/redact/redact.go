// Package redact removes credentials from text the tool prints or logs:
// the userinfo of URLs (https://user:pass@host, a proxy's
// http://user:pass@proxy:3128) and the value of proxy variables given
// without a scheme (HTTPS_PROXY=user:pass@proxy:3128). One function for
// every error line and every log line, so no path prints them.
package redact

import (
	"regexp"

	"github.com/sirupsen/logrus"
)

// Mask replaces what was removed.
const Mask = "REDACTED"

var (
	// scheme://userinfo@ : userinfo may hold any character but /, @ and space.
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']+@`)
	// NAME=user:pass@host or --name user:pass@host, for proxy settings
	// written without a scheme.
	proxyUserinfo = regexp.MustCompile(`(?i)((?:https?_proxy|no_proxy|all_proxy|--https?-proxy|--no-proxy)["']?[=:\s]\s*["']?)[^/@\s"':]+:[^/@\s"']*@`)
)

// String returns s with every URL userinfo and every proxy credential
// replaced by Mask.
func String(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}"+Mask+"@")
	return proxyUserinfo.ReplaceAllString(s, "${1}"+Mask+"@")
}

// Hook is a logrus hook that redacts every entry's message and string
// fields before any formatter sees them; the CLI installs it for the
// libraries' logs (buildah, containers/image, containers/storage).
type Hook struct{}

func (Hook) Levels() []logrus.Level { return logrus.AllLevels }

func (Hook) Fire(e *logrus.Entry) error {
	e.Message = String(e.Message)
	for k, v := range e.Data {
		switch v := v.(type) {
		case string:
			e.Data[k] = String(v)
		case error:
			e.Data[k] = String(v.Error())
		}
	}
	return nil
}
