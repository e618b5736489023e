package runbooks

import (
	"fmt"
	"strings"
	"testing"
)

// generated returns a runbook of n steps shaped like a large real one: each step needs
// one or two earlier steps, reads an upstream output and a parameter, and every tenth
// has a condition, a rollback and a drill variant.
func generated(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: generated}\n")
	b.WriteString("parameters:\n  - {name: region, default: eu-west-1}\n  - {name: n, type: number, default: 2}\nsteps:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - id: s%d\n    uses: noop\n    with:\n      output: {v: %d, region: \"${{ params.region }}\"}\n", i, i)
		if i > 0 {
			needs := fmt.Sprintf("s%d", i-1)
			if i > 10 {
				needs += fmt.Sprintf(", s%d", i-10)
			}
			fmt.Fprintf(&b, "      fail: \"${{ steps.s%d.outputs.v > %d ? 'boom' : '' }}\"\n    needs: [%s]\n", i-1, n, needs)
		}
		if i%10 == 5 {
			fmt.Fprintf(&b, "    when: steps.s%d.outputs.v * params.n >= 0\n", i-1)
			fmt.Fprintf(&b, "    rollback: {uses: noop, with: {output: {undo: \"${{ steps.s%d.outputs.v }}\"}}}\n", i)
			b.WriteString("    drill: {with: {sleep: 1s}}\n")
		}
		b.WriteString("    timeout: 1m\n    estimate: 1s\n")
	}
	return []byte(b.String())
}

func TestGeneratedRunbookIsValid(t *testing.T) {
	rb, diags := Parse("gen.yaml", generated(200), nil)
	require_ := diags.HasErrors()
	if require_ {
		t.Fatal(diags.Error())
	}
	if got := len(NewPlan(rb, nil).Layers); got != 200 {
		t.Fatalf("want 200 layers, got %d", got)
	}
}

// BenchmarkParse5000 parses and validates a generated 5,000-step runbook.
func BenchmarkParse5000(b *testing.B) {
	const steps = 5000
	src := generated(steps)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rb, diags := Parse("gen.yaml", src, nil)
		if rb == nil {
			b.Fatal(diags.Error())
		}
	}
	b.ReportMetric(float64(steps*b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkNewPlan5000 plans the same runbook.
func BenchmarkNewPlan5000(b *testing.B) {
	rb, diags := Parse("gen.yaml", generated(5000), nil)
	if rb == nil {
		b.Fatal(diags.Error())
	}
	b.ResetTimer()
	for b.Loop() {
		NewPlan(rb, nil)
	}
}
