package catalogue

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse checks that Parse and ImportBackstage never panic, that every diagnostic
// has a place and a message, and that a catalogue Parse accepts can be planned,
// reported on and written back.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "testdata/*/*.yaml", "../runbooks/library/catalogue/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, diags := Parse("fuzz.yaml", src)
		_, more := ImportBackstage("fuzz.yaml", src, "fuzz")
		for _, d := range append(diags, more...) {
			if d.Line < 1 || d.Col < 1 || d.Message == "" {
				t.Fatalf("diagnostic without a place or message: %+v", d)
			}
		}
		if c == nil {
			return
		}
		for i := range c.Scenarios {
			_, _ = PlanScenario(c, c.Scenarios[i].Name, Runbooks{}, nil)
		}
		_ = Coverage(c, nil, nil, time.Time{})
		if err := WriteYAML(discard{}, c); err != nil {
			t.Fatal(err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
