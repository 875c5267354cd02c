package containerfile

import "strings"

// pkgName strips a version or operator from a package argument.
func pkgName(a string) string {
	if i := strings.IndexAny(a, " <>=!"); i >= 0 {
		a = a[:i]
	}
	parts := strings.Split(a, "-")
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 0 || parts[i][0] < '0' || parts[i][0] > '9' {
			continue
		}
		release := i == len(parts)-2 && len(parts[i+1]) > 0 && parts[i+1][0] >= '0' && parts[i+1][0] <= '9'
		if strings.ContainsAny(parts[i], ".:") || release {
			return strings.Join(parts[:i], "-")
		}
	}
	return a
}

func versioned(a string) bool {
	if strings.HasPrefix(a, "@") || strings.ContainsAny(a, "=<>/*?[") || strings.HasSuffix(a, ".rpm") {
		return true
	}
	return pkgName(a) != a
}
