// Package buildtest makes a tiny base image from the host's own bash and
// coreutils and serves it from an in-process registry on 127.0.0.1, so build
// tests run in seconds without the fixture world.
package buildtest
