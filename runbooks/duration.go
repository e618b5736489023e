package runbooks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// ParseDuration reads a duration in Go syntax ("90s", "5m", "1h30m") with days as an
// extra unit in front ("2d", "1d12h"). Negative durations are an error.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. \"90s\", \"5m\", \"1h30m\" or \"2d\"", s)
		}
		days = time.Duration(n * float64(day))
		s = s[i+1:]
		if s == "" {
			return Duration(days), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want e.g. \"90s\", \"5m\", \"1h30m\" or \"2d\"", s)
	}
	if d < 0 || days+d < 0 {
		return 0, fmt.Errorf("invalid duration %q: negative or too long", s)
	}
	return Duration(days + d), nil
}

// String formats d the way runbooks write it: "2d", "1h30m", "90ms".
func (d Duration) String() string {
	t := time.Duration(d)
	if t <= 0 {
		return "0s"
	}
	days := t / day
	rest := t % day
	s := ""
	if days > 0 {
		s = strconv.FormatInt(int64(days), 10) + "d"
		if rest == 0 {
			return s
		}
	}
	return s + trimZeroUnits(rest.String())
}

// trimZeroUnits drops the zero units Go prints between others: "1h0m0s" becomes "1h",
// "1h30m0s" "1h30m" and "2h0m30s" "2h30s".
func trimZeroUnits(s string) string {
	if strings.HasSuffix(s, "m0s") || strings.HasSuffix(s, "h0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	if i := strings.Index(s, "h0m"); i >= 0 {
		s = s[:i+1] + s[i+3:]
	}
	return s
}

// FormatDuration prints a measured duration in the one format bcdr shows everywhere (the
// runbook syntax: "90d", "1h30m", "3m47s"), rounded to what a person reads: milliseconds
// under a second, hundredths of a second under a minute, seconds above.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	switch {
	case d < time.Second:
		d = d.Round(time.Millisecond)
	case d < time.Minute:
		d = d.Round(10 * time.Millisecond)
	default:
		d = d.Round(time.Second)
	}
	return Duration(d).String()
}

// Set parses s as ParseDuration does, so a Duration serves as a command-line flag value
// that takes "90d" as well as "1h30m".
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Type names the flag value's kind in help texts.
func (d *Duration) Type() string { return "duration" }

// AsDuration converts a step input value to a Duration: a Duration, a time.Duration, a
// duration string ("5m", "2d") or a number of seconds.
func AsDuration(v any) (Duration, error) {
	switch x := v.(type) {
	case Duration:
		return x, nil
	case time.Duration:
		return Duration(x), nil
	case string:
		return ParseDuration(x)
	case int:
		return Duration(time.Duration(x) * time.Second), nil
	case int64:
		return Duration(time.Duration(x) * time.Second), nil
	case float64:
		return Duration(x * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("want a duration like \"90s\", got %s", typeName(v))
}
