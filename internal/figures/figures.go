// Package figures is how the reliability suite's tests report what they measured: one
// line per test, "FIGURES TestName: key=value ...", logged and, when
// $BCDR_RELIABILITY_REPORT names a file (make reliability), appended to it, so that one
// run of the suite prints every figure in one place.
package figures

import (
	"fmt"
	"os"
	"testing"
)

// Report logs the test's figures on one line and appends the line to
// $BCDR_RELIABILITY_REPORT when it is set.
func Report(t testing.TB, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf("FIGURES %s: "+format, append([]any{t.Name()}, args...)...)
	t.Log(line)
	f := os.Getenv("BCDR_RELIABILITY_REPORT")
	if f == "" {
		return
	}
	out, err := os.OpenFile(f, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Logf("figures: %v", err)
		return
	}
	defer out.Close()
	fmt.Fprintln(out, line)
}
