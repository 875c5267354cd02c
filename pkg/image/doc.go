// Package image opens container images on every containers/image transport
// (and plain local directories) and streams their layers, so callers can read
// single files out of an image without extracting it.
package image
