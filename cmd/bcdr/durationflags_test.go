package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryDurationFlagTakesTheOneFormat walks the whole command tree: every flag that
// takes a duration takes bcdr's one format ("1d12h", "90d"), as runbooks, schedules and
// `runs --since` do. watch --interval, --hold-on-failure and dev --retention took only
// Go's ("36h").
func TestEveryDurationFlagTakesTheOneFormat(t *testing.T) {
	var out bytes.Buffer
	root := NewRootCommand(&app{stdout: &out, stderr: &out, stdin: strings.NewReader(""), getenv: func(string) string { return "" }})
	var seen []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			if f.Value.Type() != "duration" {
				return
			}
			seen = append(seen, c.CommandPath()+" --"+f.Name)
			assert.NoError(t, f.Value.Set("1d12h"), "%s --%s 1d12h", c.CommandPath(), f.Name)
			assert.Equal(t, "1d12h", f.Value.String(), "%s --%s prints the one format", c.CommandPath(), f.Name)
			assert.Error(t, f.Value.Set("soon"), "%s --%s soon", c.CommandPath(), f.Name)
		}
		c.LocalFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, want := range []string{"bcdr watch --interval", "bcdr run --hold-on-failure", "bcdr scenario run --hold-on-failure", "bcdr dev --retention", "bcdr schedule create --every"} {
		require.Contains(t, seen, want)
	}
}
