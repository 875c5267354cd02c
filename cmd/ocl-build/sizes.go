package main

import "fmt"

// humanSize is n bytes in SI units (kB, MB: 1000-based), as podman prints
// image sizes.
func humanSize(n int64) string { return formatSize(n, 1000, "kMGTPE", "B") }

// humanBytes is n bytes in binary units (KiB, MiB: 1024-based), for layer
// sizes.
func humanBytes(n int64) string { return formatSize(n, 1024, "KMGTPE", "iB") }

func formatSize(n, unit int64, prefixes, suffix string) string {
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := unit, 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %c%s", float64(n)/float64(div), prefixes[exp], suffix)
}
