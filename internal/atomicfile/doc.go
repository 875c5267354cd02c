// Package atomicfile writes files so that a reader (or a crash) sees either
// the previous content or the complete new content, never a partial file.
package atomicfile
