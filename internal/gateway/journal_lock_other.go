//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package gateway

import "os"

// lockFile does nothing where flock is missing: there, keep one
// security server per data directory.
func lockFile(*os.File) error { return nil }
