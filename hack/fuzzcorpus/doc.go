// Command fuzzcorpus writes the seed corpus of every fuzz target in the
// module to <pkg>/testdata/fuzz/<FuzzName>/<seed-name>, in Go's native corpus
// format, so plain `go test` replays every seed as a regression test.
//
//	go run ./hack/fuzzcorpus          regenerate (deterministic)
//	go run ./hack/fuzzcorpus -check   fail if the files on disk differ
//
// Files named by a hash (what `go test -fuzz` writes for a failing input)
// are findings worth keeping and are left alone.
package main
