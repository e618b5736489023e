// Package duration holds Duration, the configuration's duration type: a time.Duration
// that reads and prints in bcdr's one duration format. It lives apart from package
// config so that the packages whose configuration types carry durations (api's triggers,
// notify's acknowledgement links) need not import config, which builds them.
package duration

import (
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// Duration is a time.Duration that reads and prints in bcdr's one duration format
// (runbooks.ParseDuration: "30d", "1h30m"; Go's "720h" is read too).
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// MarshalText prints d as runbooks write it ("30d", "1h30m").
func (d Duration) MarshalText() ([]byte, error) {
	if d < 0 { // runbooks.Duration has no negative form; validation names the key
		return []byte(time.Duration(d).String()), nil
	}
	return []byte(runbooks.Duration(d).String()), nil
}

// UnmarshalText reads a duration: "90d", "1h30m", "720h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := runbooks.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
