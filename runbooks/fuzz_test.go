package runbooks

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that every diagnostic has a place, and
// that a runbook it accepts can be planned and documented.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "library/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("steps:\n  - id: x\n    uses: noop\n    with: {output: ${{ 1 }}}\n"))
	reg := fuzzRegistry(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		rb, diags := Parse("fuzz.yaml", src, reg)
		for _, d := range diags {
			if d.Line < 1 || d.Col < 1 || d.Message == "" {
				t.Fatalf("diagnostic without a place or message: %+v", d)
			}
		}
		if diags.HasErrors() != (rb == nil) {
			t.Fatalf("runbook returned with errors, or no runbook without error: %v", diags)
		}
		if rb == nil {
			return
		}
		plan := NewPlan(rb, reg)
		_ = plan.WriteText(io.Discard)
		_ = plan.WriteMermaid(io.Discard)
		_ = plan.WriteDot(io.Discard)
		_ = WriteDoc(io.Discard, rb, reg)
		_, _ = ResolveParams(rb, nil)
	})
}

func fuzzRegistry(f *testing.F) *Registry {
	reg, err := DefaultRegistry(testKinds()...)
	if err != nil {
		f.Fatal(err)
	}
	return reg
}
