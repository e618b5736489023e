package runbooks

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/fixture"
)

// The hostile corpus: malformed or malicious runbooks (YAML bombs, deep nesting,
// expression abuse, floods of keys, steps or expressions, huge files). Each must be
// rejected with errors that carry a place, within bounded time and memory: a runbook
// reaches bcdr from people and, through the API and the catalogue, from other systems.
//
// Files in testdata/hostile say what they want with "# want: line:col: message" like the
// invalid fixtures (every want must be among the diagnostics; others may come with it);
// the generated cases are too large to keep in the repository. Paths in `runbook` steps
// that leave the runbook's folder (testdata/hostile/traversal) are the loaders' to
// refuse: see cmd/bcdr and api.

// Bounds on one Parse of a hostile input: CPU time (this process's, so that a loaded
// machine does not fail the test) and bytes allocated. Before the limits in limits.go
// the worst inputs took 9 to 12 seconds and 0.9 to 1.3 GB.
const (
	hostileTime  = 4 * time.Second
	hostileAlloc = 512 << 20 // bytes allocated in total, not held
)

// parseMeasured parses src and reports what it cost.
func parseMeasured(name string, src []byte, reg *Registry) (*Runbook, Diagnostics, time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := cpuTime()
	rb, diags := Parse(name, src, reg)
	took := cpuTime() - start
	runtime.ReadMemStats(&after)
	return rb, diags, took, after.TotalAlloc - before.TotalAlloc
}

// checkRejected asserts the common contract: no runbook, errors, every one placed, and
// the cost within bounds.
func checkRejected(t *testing.T, rb *Runbook, diags Diagnostics, took time.Duration, alloc uint64) {
	t.Helper()
	assert.Nil(t, rb, "a hostile runbook is rejected")
	assert.True(t, diags.HasErrors())
	for _, d := range diags {
		if d.Line < 1 || d.Col < 1 || d.Message == "" || d.File == "" {
			t.Errorf("diagnostic without a place: %+v", d)
			break
		}
	}
	assert.Less(t, took, hostileTime, "CPU time")
	assert.Less(t, alloc, uint64(hostileAlloc), "bytes allocated")
	t.Logf("%d diagnostics, %v CPU, %d MiB allocated", len(diags), took.Round(time.Millisecond), alloc>>20)
}

func TestHostileCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/hostile/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 40, "the corpus holds at least 40 hostile runbooks")
	reg := fixtureRegistry(t)
	var worst cost
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src := fixture.Read(t, file)
			wants := fixture.Wants(src)
			require.NotEmpty(t, wants, "a hostile fixture says what it wants with # want: line:col: message")
			rb, diags, took, alloc := parseMeasured(filepath.Base(file), src, reg)
			worst.add(took, alloc, !t.Failed() && rb == nil)
			checkRejected(t, rb, diags, took, alloc)
			for _, w := range wants {
				found := false
				for _, d := range diags {
					if d.Line == w.Line && d.Col == w.Col && strings.Contains(d.Message, w.Text) {
						found = true
						break
					}
				}
				assert.True(t, found, "missing diagnostic %d:%d: %s\ngot:\n%s", w.Line, w.Col, w.Text, head(diags, 10))
			}
		})
	}
	worst.report(t, len(files))
}

// cost is the worst of a set of parses, for the suite's figures.
type cost struct {
	cpu      time.Duration
	alloc    uint64
	rejected int
}

func (c *cost) add(cpu time.Duration, alloc uint64, rejected bool) {
	c.cpu, c.alloc = max(c.cpu, cpu), max(c.alloc, alloc)
	if rejected {
		c.rejected++
	}
}

// report logs the figures, and appends them to $BCDR_RELIABILITY_REPORT (make reliability).
func (c *cost) report(t *testing.T, inputs int) {
	figures.Report(t, "inputs=%d rejected=%d worst_cpu=%s worst_alloc=%dMiB (bounds %s, %dMiB)",
		inputs, c.rejected, c.cpu.Round(time.Millisecond), c.alloc>>20, hostileTime, hostileAlloc>>20)
}

// hostileHeader is a valid runbook up to its steps.
const hostileHeader = "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: hostile}\n"

// fill repeats line until src is just under the 4 MiB limit.
func fill(prefix string, line func(i int) string, suffix string) []byte {
	var b bytes.Buffer
	b.WriteString(prefix)
	for i := 0; ; i++ {
		l := line(i)
		if b.Len()+len(l)+len(suffix) > MaxSourceSize {
			break
		}
		b.WriteString(l)
	}
	b.WriteString(suffix)
	return b.Bytes()
}

// TestHostileGenerated covers inputs as large as the parser accepts (4 MiB), built here.
func TestHostileGenerated(t *testing.T) {
	steps := hostileHeader + "steps:\n"
	cases := []struct {
		name string
		src  func() []byte
		want string
	}{
		{"over the size limit", func() []byte { return bytes.Repeat([]byte("# padding\n"), MaxSourceSize/10+1) }, "the limit is 4194304 (4 MiB)"},
		{"4 MiB of unknown fields", func() []byte {
			return fill(steps+"  - id: a\n    uses: noop\n", func(i int) string { return fmt.Sprintf("    f%d: 1\n", i) }, "")
		}, `unknown field "f0" in step`},
		{"4 MiB of steps", func() []byte {
			return fill(steps, func(i int) string { return fmt.Sprintf("  - {id: s%d, uses: noop}\n", i) }, "")
		}, "the limit is 10000"},
		{"4 MiB of distinct expressions", func() []byte {
			return fill(steps+"  - id: a\n    uses: noop\n    with:\n      output:\n",
				func(i int) string { return fmt.Sprintf("        k%d: \"${{ %d * params.nope }}\"\n", i, i) }, "")
		}, `undefined parameter "nope"`},
		{"4 MiB of one expression", func() []byte {
			return fill(steps+"  - id: a\n    uses: noop\n    with: {fail: \"${{ 0", func(int) string { return " + 1" }, " }}\"}\n")
		}, "bytes; the limit is 4096"},
		{"4 MiB of needs", func() []byte {
			return fill(steps+"  - {id: a, uses: noop}\n  - id: b\n    uses: noop\n    needs:\n", func(i int) string { return fmt.Sprintf("      - n%d\n", i) }, "")
		}, `step "b" needs unknown step "n0"`},
		{"lists nested to the YAML depth limit", func() []byte {
			return []byte(steps + "  - id: a\n    uses: noop\n    with: {output: {x: " + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + "}}\n")
		}, "value nested more than 64 deep"},
		{"200 lists nested 9,990 deep", func() []byte {
			deep := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
			return fill(steps+"  - id: a\n    uses: noop\n    with:\n      output:\n", func(i int) string { return fmt.Sprintf("        k%d: %s\n", i, deep) }, "")
		}, "value nested more than 64 deep"},
		{"50,000 unknown fields", func() []byte {
			return fill(steps+"  - id: a\n    uses: noop\n", func(i int) string {
				if i >= 50_000 {
					return strings.Repeat("#", MaxSourceSize)
				}
				return fmt.Sprintf("    f%d: 1\n", i)
			}, "")
		}, "too many errors: only the first 1000 are shown"},
		{"20,000 anchors", func() []byte {
			return fill(steps+"  - id: a\n    uses: noop\n    with:\n      nope: 1\n      output:\n", func(i int) string {
				if i >= 20_000 {
					return strings.Repeat("#", MaxSourceSize)
				}
				return fmt.Sprintf("        k%d: &a%d v\n", i, i)
			}, "")
		}, `unknown input "nope" for step kind "noop"`},
		{"block mappings nested 1,500 deep", func() []byte {
			var b strings.Builder
			b.WriteString(steps + "  - id: a\n    uses: noop\n    with:\n      output:\n")
			for i := range 1500 {
				b.WriteString(strings.Repeat(" ", i+7) + "k:\n")
			}
			b.WriteString(strings.Repeat(" ", 1507) + "v\n")
			return []byte(b.String())
		}, "value nested more than 64 deep"},
		{"10,001 steps, each needing the one before", func() []byte {
			var b strings.Builder
			b.WriteString(steps + "  - {id: s0, uses: noop}\n")
			for i := 1; i <= MaxSteps; i++ {
				fmt.Fprintf(&b, "  - {id: s%d, uses: noop, needs: s%d}\n", i, i-1)
			}
			return []byte(b.String())
		}, "runbook has 10001 steps; the limit is 10000"},
		{"12,000 expressions", func() []byte {
			var b strings.Builder
			b.WriteString(steps + "  - id: a\n    uses: noop\n    with:\n      output:\n")
			for i := range 12_000 {
				fmt.Fprintf(&b, "        k%05d: '${{ %d }}'\n", i, i)
			}
			return []byte(b.String())
		}, "runbook has more than 10000 expressions; the limit is 10000"},
		{"40,000 expressions in one string", func() []byte {
			return []byte(steps + "  - id: a\n    uses: noop\n    with: {fail: \"" + strings.Repeat("${{ 1 }}", 40_000) + "\"}\n")
		}, "runbook has more than 10000 expressions"},
		{"a step id of 100,000 characters", func() []byte {
			return []byte(steps + "  - id: " + strings.Repeat("a", 100_000) + "\n    uses: noop\n")
		}, "characters; the limit is 64"},
		{"an expression of 30,000 nodes", func() []byte {
			return []byte(steps + "  - id: a\n    uses: noop\n    with: {fail: '${{ " + strings.Repeat("1 + ", 30_000) + "1 }}'}\n")
		}, "the limit is 4096"},
		{"a pipeline of 5,000 stages", func() []byte {
			return []byte(steps + "  - id: a\n    uses: noop\n    with: {fail: '${{ 1..3 " + strings.Repeat("| map(# + 1) ", 5000) + "}}'}\n")
		}, "the limit is 4096"},
		{"a 4 MiB string", func() []byte {
			return []byte(steps + "  - id: a\n    uses: noop\n    with: {fail: \"" + strings.Repeat("x", MaxSourceSize-200) + "\"}\n    oops: 1\n")
		}, `unknown field "oops" in step`},
	}
	reg := fixtureRegistry(t)
	var worst cost
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src()
			rb, diags, took, alloc := parseMeasured("generated.yaml", src, reg)
			t.Logf("%d bytes", len(src))
			checkRejected(t, rb, diags, took, alloc)
			assert.Contains(t, diags.Error(), tc.want)
			worst.add(took, alloc, !t.Failed())
		})
	}
	worst.report(t, len(cases))
}

// head is the first n diagnostics, for messages.
func head(ds Diagnostics, n int) string {
	return ds[:min(n, len(ds))].Error()
}
