package evidence

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppend is the cost of one evidence write at the end of a chain that already
// holds n bundles, written by the same Store (a worker that has been running): a
// write's cost must not grow with the chain.
//
//	go test -run '^$' -bench Append -benchtime 200x ./evidence
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("chain=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "evidence")
			s, err := NewFileStore(dir)
			require.NoError(b, err)
			s.AnchorTo(filepath.Join(b.TempDir(), "evidence.anchor"))
			ctx := context.Background()
			for i := range n {
				_, err := s.Append(ctx, record(fmt.Sprintf("seed-%d", i), workflows.ModeDrill))
				require.NoError(b, err)
			}
			i := 0
			cpu := cpuTime()
			for b.Loop() {
				_, err := s.Append(ctx, record(fmt.Sprintf("run-%d", i), workflows.ModeDrill))
				require.NoError(b, err)
				i++
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "CPU-ms/op")
		})
	}
}
