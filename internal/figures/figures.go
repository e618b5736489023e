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
	appendLine(t, line)
}

// appendLine appends line to $BCDR_RELIABILITY_REPORT when it is set.
func appendLine(t testing.TB, line string) {
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

// Attacks counts the attacks a test tries for one finding of the security review and
// how many were refused; at the end of the test it reports one line, "ATTACK <finding>
// <what>: tried=N refused=M (TestName)", like Report, so that make reliability prints
// the attacks as one table. A test that fails reports its line with "test FAILED".
type Attacks struct {
	tried, refused int
}

// NewAttacks starts the count of finding's attacks (what names them) for t.
func NewAttacks(t testing.TB, finding, what string) *Attacks {
	a := &Attacks{}
	t.Cleanup(func() {
		line := fmt.Sprintf("ATTACK %s %s: tried=%d refused=%d (%s)", finding, what, a.tried, a.refused, t.Name())
		if t.Failed() {
			line += " test FAILED"
		}
		t.Log(line)
		appendLine(t, line)
	})
	return a
}

// Try counts one attack, refused when the test saw it refused.
func (a *Attacks) Try(refused bool) {
	a.tried++
	if refused {
		a.refused++
	}
}
