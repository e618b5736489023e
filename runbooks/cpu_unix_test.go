//go:build unix

package runbooks

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user and system, every thread: the
// garbage collector's work counts).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
