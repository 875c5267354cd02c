// Package fuzzseed builds the named seed inputs of the module's fuzz targets.
// The fuzz tests and hack/fuzzcorpus (which writes them to each package's
// testdata/fuzz as Go's native seed corpus) share these builders, so the
// corpus on disk and the tests that assert on individual seeds never drift.
package fuzzseed
