// Package storehold shuts down the containers-storage stores that
// containers/image's storage transport opens behind a reference.
//
// Parsing a containers-storage: reference opens its store (storage.GetStore),
// and with overlay that bind-mounts the driver's home over itself. Nothing in
// containers/image ever shuts the store down, so without this the mount
// outlives the process: a temporary --root then cannot be removed. Readers
// take a hold for as long as they use the reference; the last release in the
// process shuts the store down. A later user of the same store is not harmed:
// containers/storage reloads the driver after a shutdown.
package storehold
