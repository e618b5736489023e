package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"go.temporal.io/sdk/worker"
)

// The Temporal SDK names a worker's binary (its "binary checksum", the build id of
// unversioned workers in the history) by the MD5 of the executable file, computed when
// the first worker in the process starts: in Start, the server's own system workers.
// bcdr's executable is about half a gigabyte, and reading and hashing it was most of a
// cold start: 3.9-4.3 s to the first engine ready on a busy two-core machine, 0.3-0.8 s
// without it.
var checksumOnce sync.Once

// SetBinaryChecksum gives the SDK a cheap identifier of this executable instead, once
// per process: a hash of its build info, path, size and modification time, which is
// stable across restarts of one binary and changes when the binary is rebuilt. It is
// process-wide: it also names the binary of bcdr's own workers in the same process.
// Start calls it; a process that runs workers without an engine (bcdr worker) calls it
// before its first worker starts.
func SetBinaryChecksum() {
	checksumOnce.Do(func() { worker.SetBinaryChecksum(binaryChecksum()) })
}

func binaryChecksum() string {
	h := sha256.New()
	if bi, ok := debug.ReadBuildInfo(); ok {
		_, _ = io.WriteString(h, bi.String())
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			fmt.Fprintf(h, "\n%s %d %d", exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
