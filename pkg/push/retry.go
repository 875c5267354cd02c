package push

import "github.com/ocl-build/ocl-build/internal/regretry"

// IsTransient reports whether a failed push is worth retrying (5xx, 429,
// connection reset or refused, timeout, truncated response, a stall);
// authentication and other 4xx failures are final. The rules live in
// internal/regretry, shared with pkg/image (rpmdiff, inspect).
func IsTransient(err error) bool { return regretry.IsTransient(err) }
