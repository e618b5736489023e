package deploy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
	line      int
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	src := fixture.Read(t, path)
	var out []instruction
	var cur *instruction
	for i, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur == nil {
			cmd, args, _ := strings.Cut(trimmed, " ")
			cur = &instruction{cmd: strings.ToUpper(cmd), line: i + 1}
			trimmed = args
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.args += strings.TrimSuffix(trimmed, "\\") + " "
		if !cont {
			cur.args = strings.Join(strings.Fields(cur.args), " ")
			out = append(out, *cur)
			cur = nil
		}
	}
	require.Nil(t, cur, "the Dockerfile ends in a continuation")
	return out
}

// TestDockerfile checks what can be checked without a Docker engine: known
// instructions, exec-form entrypoint, a static build, stages that exist, a distroless
// non-root final image, and files copied from the context that exist.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	valid := map[string]bool{"ARG": true, "FROM": true, "WORKDIR": true, "COPY": true, "RUN": true, "ENV": true,
		"USER": true, "EXPOSE": true, "ENTRYPOINT": true, "CMD": true, "LABEL": true}
	stages := map[string]bool{}
	var final []instruction
	for _, in := range ins {
		require.True(t, valid[in.cmd], "line %d: unknown instruction %s", in.line, in.cmd)
		if in.cmd == "FROM" {
			final = nil
			f := strings.Fields(in.args)
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
		}
		final = append(final, in)
		if in.cmd == "COPY" {
			var from string
			var paths []string
			for _, f := range strings.Fields(in.args) {
				switch {
				case strings.HasPrefix(f, "--from="):
					from = strings.TrimPrefix(f, "--from=")
				case strings.HasPrefix(f, "--"):
				default:
					paths = append(paths, f)
				}
			}
			if from != "" {
				assert.True(t, stages[from], "line %d: COPY --from=%s names no stage", in.line, from)
				continue
			}
			for _, src := range paths[:len(paths)-1] {
				if src != "." {
					_, err := os.Stat("../" + src)
					assert.NoError(t, err, "line %d: COPY %s", in.line, src)
				}
			}
		}
	}
	require.NotEmpty(t, final)
	assert.Equal(t, "gcr.io/distroless/static-debian12:nonroot", final[0].args, "a static, shell-less, non-root base")
	var user, entrypoint string
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "RUN":
			t.Errorf("line %d: the final image has no shell to RUN in", in.line)
		}
	}
	assert.Equal(t, "65532:65532", user)
	var argv []string
	require.NoError(t, json.Unmarshal([]byte(entrypoint), &argv), "exec-form ENTRYPOINT: there is no shell")
	assert.Equal(t, []string{"/usr/local/bin/bcdr"}, argv)

	// The image's binary is `make build`'s, so the tests and the cluster harness, which
	// run bin/bcdr from `make build`, run what ships.
	var build []string
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			t.Errorf("line %d: the image builds with `make build`, not its own go build: %s", in.line, in.args)
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "make build") {
			build = append(build, in.args)
		}
	}
	require.Len(t, build, 1, "one RUN make build")
	assert.NotContains(t, build[0], "TAGS=", "the Makefile's tags, not the image's own")
	recipe := makeRecipe(t, "../Makefile", "build")
	assert.Contains(t, recipe, "CGO_ENABLED=0 $(GO) build", "a static binary: distroless/static has no libc")
	assert.Contains(t, recipe, "-tags '$(TAGS)'")
	assert.Contains(t, recipe, "./cmd/bcdr")

	ignore := fixture.Read(t, "Dockerfile.dockerignore")
	assert.Contains(t, strings.Fields(string(ignore)), "bin", "the bin/ folder stays out of the context")
}

// makeRecipe returns the recipe lines of a Makefile target, joined.
func makeRecipe(t *testing.T, path, target string) string {
	t.Helper()
	src := fixture.Read(t, path)
	var recipe []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, target+":"):
			in = true
		case in && strings.HasPrefix(line, "\t"):
			recipe = append(recipe, strings.TrimSpace(line))
		case in:
			in = false
		}
	}
	require.NotEmpty(t, recipe, "%s: no %s target", path, target)
	return strings.Join(recipe, "\n")
}
