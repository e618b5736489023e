package main

import (
	"bytes"
	"context"
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
	var seen []string
	walkFlags(func(c *cobra.Command, f *pflag.Flag) {
		if f.Value.Type() != "duration" {
			return
		}
		seen = append(seen, c.CommandPath()+" --"+f.Name)
		assert.NoError(t, f.Value.Set("1d12h"), "%s --%s 1d12h", c.CommandPath(), f.Name)
		assert.Equal(t, "1d12h", f.Value.String(), "%s --%s prints the one format", c.CommandPath(), f.Name)
		assert.Error(t, f.Value.Set("soon"), "%s --%s soon", c.CommandPath(), f.Name)
	})
	for _, want := range []string{"bcdr watch --interval", "bcdr run --hold-on-failure", "bcdr scenario run --hold-on-failure", "bcdr dev --retention", "bcdr schedule create --every"} {
		require.Contains(t, seen, want)
	}
}

// TestEveryOutputFlagRefusesAnUnknownFormat walks the whole command tree: every --output
// (and report --format) takes only the formats its help lists, and refuses another when
// the command line is parsed, naming the choices. evidence verify and list, improvements
// and schedule printed text for any --output.
func TestEveryOutputFlagRefusesAnUnknownFormat(t *testing.T) {
	var seen []string
	walkFlags(func(c *cobra.Command, f *pflag.Flag) {
		if f.Name != "output" && !(c.Name() == "report" && f.Name == "format") {
			return
		}
		seen = append(seen, c.CommandPath()+" --"+f.Name)
		def := f.Value.String()
		assert.Contains(t, f.Usage, def, "%s --%s: the default is one of the listed formats", c.CommandPath(), f.Name)
		assert.NoError(t, f.Value.Set(def), "%s --%s %s", c.CommandPath(), f.Name, def)
		err := f.Value.Set("yaml-ish")
		if assert.Error(t, err, "%s --%s yaml-ish", c.CommandPath(), f.Name) {
			assert.Contains(t, err.Error(), "must be one of", "%s --%s", c.CommandPath(), f.Name)
		}
	})
	for _, want := range []string{"bcdr evidence verify --output", "bcdr evidence list --output", "bcdr improvements --output",
		"bcdr schedule --output", "bcdr report --format", "bcdr bcp --output", "bcdr validate --output"} {
		require.Contains(t, seen, want)
	}

	// On the command line: exit 1, the flag, the value and the choices, and where to look.
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"evidence", "list", "-o", "yaml"}, strings.NewReader(""), &out, &errOut, func(string) string { return "" }, nil)
	assert.Equal(t, 1, code)
	assert.Empty(t, out.String())
	assert.Contains(t, errOut.String(), `--output "yaml": must be one of text, json; see 'bcdr evidence list --help'`)
	assert.NotContains(t, errOut.String(), "invalid argument", "said once, in bcdr's words")
}

// walkFlags calls visit with every command of the tree and each flag it declares.
func walkFlags(visit func(*cobra.Command, *pflag.Flag)) {
	var out bytes.Buffer
	root := NewRootCommand(&app{stdout: &out, stderr: &out, stdin: strings.NewReader(""), getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { visit(c, f) })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
