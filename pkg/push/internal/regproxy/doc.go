// Package regproxy is a reverse proxy on 127.0.0.1 in front of a real
// registry, for measuring and testing pushes: it counts the blob bytes
// clients upload and the cross-repository mounts they ask for, and can
// answer 503 to the first N blob upload requests (fault injection, the one
// place a test double stands in for the registry's behaviour).
package regproxy
