package awstest

import (
	"slices"
	"sync"
)

// CallLog records the operations a fake AWS received, in order; a test reads it to say
// what was called, and how often. The zero value is ready to use.
type CallLog struct {
	mu  sync.Mutex
	ops []string
}

// Add records one call of op.
func (l *CallLog) Add(op string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, op)
}

// Count is how many calls of op were recorded.
func (l *CallLog) Count(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, o := range l.ops {
		if o == op {
			n++
		}
	}
	return n
}

// Ops is every call recorded, in order.
func (l *CallLog) Ops() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ops)
}
