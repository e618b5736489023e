//go:build !unix

package engine

// lockFile is a no-op where flock is unavailable: two engines on one data
// folder are then not prevented.
func lockFile(string) (func() error, error) {
	return func() error { return nil }, nil
}
