package deploy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

func TestGuideCommandsParse(t *testing.T) {
	md := []byte("text\n```sh\n# a comment\nbcdr worker   # inline comment\nhelm upgrade --install bcdr x \\\n  -f a.yaml \\\n  -f 'b c.yaml'\n```\n```yaml\nbcdr: not a command\n```\n")
	assert.Equal(t, []string{"bcdr worker"}, GuideCommands(md, "bcdr"))
	helm := GuideCommands(md, "helm")
	require.Len(t, helm, 1)
	assert.Equal(t, []string{"helm", "upgrade", "--install", "bcdr", "x", "-f", "a.yaml", "-f", "b c.yaml"}, Args(helm[0]))
}

func guide(t *testing.T) []byte {
	t.Helper()
	md := fixture.Read(t, "../docs/production.md")
	return md
}

// TestGuideHelmCommands renders and lints the chart with the values files each of the
// guide's helm commands names.
func TestGuideHelmCommands(t *testing.T) {
	cmds := GuideCommands(guide(t), "helm")
	require.NotEmpty(t, cmds)
	for _, line := range cmds {
		args := Args(line)
		var files []string
		var chart string
		for i := 1; i < len(args); i++ {
			switch a := args[i]; {
			case a == "-f" || a == "--values":
				i++
				files = append(files, strings.TrimPrefix(args[i], "deploy/"))
			case a == "--namespace" || a == "-n" || a == "--version":
				i++
			case strings.HasPrefix(a, "deploy/helm/"):
				chart = strings.TrimPrefix(a, "deploy/")
			}
		}
		require.Equal(t, chartDir, chart, "%s: the chart is deploy/helm/bcdr", line)
		t.Run(line, func(t *testing.T) {
			render(t, readValues(t, files...))
		})
	}
}

// TestGuideDockerCommands: the guide builds the image from deploy/Dockerfile with the
// repository as context and starts deploy/compose.yaml.
func TestGuideDockerCommands(t *testing.T) {
	cmds := GuideCommands(guide(t), "docker")
	require.NotEmpty(t, cmds)
	built, composed := false, false
	for _, line := range cmds {
		args := Args(line)
		switch {
		case len(args) > 1 && args[1] == "build":
			assert.Contains(t, line, "-f deploy/Dockerfile")
			assert.Equal(t, ".", args[len(args)-1], "the context is the repository root")
			built = true
		case len(args) > 1 && args[1] == "compose":
			assert.Contains(t, line, "-f deploy/compose.yaml")
			composed = true
		}
		for _, a := range args {
			if strings.HasPrefix(a, "deploy/") {
				assert.FileExists(t, "../"+a, line)
			}
		}
	}
	assert.True(t, built && composed, "the guide builds the image and starts the compose file")
}
