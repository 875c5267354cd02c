// Package testutil holds the test helpers that several packages' tests
// share: the containers/storage re-exec entry point, seeding a private
// containers-storage store, writing an OCI layout, and listing mounts.
// Only _test.go files import it.
package testutil
