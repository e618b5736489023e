package lazy

import (
	"context"
	"sync"
)

// Value is a value made by New on the first Get that succeeds. The zero Value with New
// set is ready to use; a Value must not be copied after its first use.
type Value[T any] struct {
	New func(context.Context) (T, error)

	mu   sync.Mutex
	v    T
	made bool
}

// Get returns the value, making it first when no Get has made it yet. A failure is
// returned and not kept: the next Get tries again.
func (l *Value[T]) Get(ctx context.Context) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.made {
		return l.v, nil
	}
	v, err := l.New(ctx)
	if err != nil {
		return v, err
	}
	l.v, l.made = v, true
	return v, nil
}
