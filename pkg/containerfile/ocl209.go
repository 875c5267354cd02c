package containerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL209: ENV/ARG names that look like secrets.
var _ = register(rules.OCL209, func(c *ctx) {
	for _, in := range c.insts {
		switch x := in.parsed.(type) {
		case *instructions.EnvCommand:
			for _, kv := range x.Env {
				if looksSecret(kv.Key) {
					c.addAt(in, "ENV %s looks like a secret: ENV values are stored in the image, readable by anyone who can pull it", kv.Key)
				}
			}
		case *instructions.ArgCommand:
			for _, kv := range x.Args {
				if looksSecret(kv.Key) {
					c.addAt(in, "ARG %s looks like a secret: ARG values are stored in the image history; use RUN --mount=type=secret", kv.Key)
				}
			}
		}
	}
})

var secretWords = map[string]bool{"PASSWORD": true, "PASSWD": true, "PASS": true, "PASSPHRASE": true, "PWD": false,
	"TOKEN": true, "TOKENS": true, "SECRET": true, "SECRETS": true, "KEY": true, "APIKEY": true, "CREDENTIAL": true,
	"CREDENTIALS": true, "CREDS": true, "AUTH": true, "PRIVATE": true}

// looksSecret splits NAME_LIKE_THIS (and camelCase) into words.
func looksSecret(name string) bool {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, strings.ToUpper(cur.String()))
			cur.Reset()
		}
	}
	for i, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			flush()
		case r >= 'A' && r <= 'Z' && i > 0 && name[i-1] >= 'a' && name[i-1] <= 'z':
			flush()
			cur.WriteRune(r)
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	hit := false
	for _, w := range words {
		switch w {
		case "PUBLIC", "PUB", "FILE", "PATH", "DIR", "ID", "URL", "NAME":
			return false
		}
		if secretWords[w] {
			hit = true
		}
	}
	return hit
}
