package awstest

import (
	"bytes"
	"sync"
)

// SyncBuffer is a bytes.Buffer that a child process's output streams may write while a
// test reads it: a moto server's log, a bcdr process's in the end-to-end tests. The zero
// value is ready to use.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
