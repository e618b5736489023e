package deploy

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/fixture"
)

type composeFile struct {
	Name     string
	Services map[string]struct {
		Image       string
		Build       *struct{ Context, Dockerfile string }
		Command     any
		Entrypoint  []string
		Environment map[string]string
		DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
		Ports       []string
		Volumes     []string
		ReadOnly    bool `yaml:"read_only"`
	}
	Volumes map[string]any
}

// TestComposeFile checks deploy/compose.yaml without a Docker engine: the services the
// guide promises, pinned images, bcdr's commands and configuration keys, and the
// dependencies that order the start.
func TestComposeFile(t *testing.T) {
	src := fixture.Read(t, "compose.yaml")
	var c composeFile
	require.NoError(t, yaml.Unmarshal(src, &c))

	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "bcdr-server", "bcdr-worker-primary", "bcdr-worker-recovery"} {
		require.Contains(t, c.Services, name)
	}
	known := configEnvNames()
	commands := map[string]int{}
	for name, s := range c.Services {
		assert.NotEmpty(t, s.Image, name)
		assert.NotRegexp(t, `:latest$`, s.Image, "%s: pin the image", name)
		for dep := range s.DependsOn {
			assert.Contains(t, c.Services, dep, "%s depends on %s", name, dep)
		}
		for _, v := range s.Volumes {
			vol, _, _ := strings.Cut(v, ":")
			assert.Contains(t, c.Volumes, vol, "%s mounts %s", name, vol)
		}
		for _, p := range s.Ports {
			assert.True(t, strings.HasPrefix(p, "127.0.0.1:"), "%s publishes %s beyond loopback", name, p)
		}
		if !strings.HasPrefix(name, "bcdr-") {
			continue
		}
		require.NotNil(t, s.Build, name)
		assert.Equal(t, "..", s.Build.Context)
		assert.FileExists(t, "../"+s.Build.Dockerfile)
		assert.True(t, s.ReadOnly, "%s runs on a read-only root", name)
		cmd, _ := s.Command.([]any)
		require.Len(t, cmd, 1, name)
		commands[cmd[0].(string)]++
		for k := range s.Environment {
			assert.True(t, known[k], "%s sets %s, which bcdr does not read", name, k)
		}
		assert.Equal(t, "temporal:7233", s.Environment["BCDR_TEMPORAL_ADDRESS"])
		assert.Equal(t, "bcdr", s.Environment["BCDR_TEMPORAL_NAMESPACE"])
		assert.Equal(t, "service_completed_successfully", s.DependsOn["temporal-setup"].Condition,
			"%s starts once the namespace and its search attributes exist", name)
	}
	assert.Equal(t, map[string]int{"server": 1, "worker": 2}, commands)
	assert.Equal(t, c.Services["bcdr-worker-primary"].Environment["BCDR_TEMPORAL_TASK_QUEUE"],
		c.Services["bcdr-worker-recovery"].Environment["BCDR_TEMPORAL_TASK_QUEUE"], "the two workers share one queue")

	setup := c.Services["temporal-setup"].Command.([]any)[0].(string)
	assert.Contains(t, setup, "namespace create --namespace bcdr")
	for _, sa := range []string{"BcdrRunbook", "BcdrService", "BcdrMode", "BcdrOutcome"} {
		assert.Regexp(t, regexp.MustCompile(`--name `+sa+` --type Keyword`), setup)
	}
	assert.Contains(t, c.Services["temporal"].Image, "temporalio/server:")
}
