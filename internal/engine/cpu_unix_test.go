//go:build unix

package engine

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used so far (server, worker
// and client alike), or 0 where unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
}
