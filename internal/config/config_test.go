package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) (func(string) string, []string) {
	var environ []string
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	return func(k string) string { return vars[k] }, environ
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bcdr.yaml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func flags(args ...string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("data-dir", "", "")
	fs.String("temporal.namespace", "", "")
	fs.Int("dev.ui_port", 0, "")
	_ = fs.Parse(args)
	return fs
}

func TestPrecedenceFlagOverEnvOverFileOverDefault(t *testing.T) {
	file := writeFile(t, "data_dir: /from/file\ntemporal:\n  namespace: file-ns\n  task_queue: file-q\ndev:\n  ui_port: 9000\n")
	getenv, environ := env(map[string]string{
		"HOME": "/home/x", "BCDR_DATA_DIR": "/from/env", "BCDR_TEMPORAL_NAMESPACE": "env-ns",
	})
	c, err := Load(Source{File: file, Flags: flags("--data-dir", "/from/flag"), Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.Equal(t, "/from/flag", c.DataDir, "flag beats env and file")
	assert.Equal(t, "env-ns", c.Temporal.Namespace, "env beats file")
	assert.Equal(t, "file-q", c.Temporal.TaskQueue, "file beats default")
	assert.Equal(t, 9000, c.Dev.UIPort, "an unset flag does not override the file")
	assert.Equal(t, "127.0.0.1:7233", c.Temporal.Address, "default")
	assert.Equal(t, 720*time.Hour, c.Dev.Retention.Std())
}

func TestDefaultDataDirIsUnderDataHome(t *testing.T) {
	getenv, _ := env(map[string]string{"HOME": "/home/x", "USER": "alice"})
	c, err := Load(Source{Getenv: getenv})
	require.NoError(t, err)
	assert.Equal(t, "/home/x/.local/share/bcdr", c.DataDir)
	assert.Equal(t, "alice", c.Identity.User)
}

func TestErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		vars       map[string]string
		want       []string
	}{
		{"unknown file key", "temporal:\n  adress: x\n", nil, []string{`unknown key "temporal.adress"`}},
		{"unknown env var", "", map[string]string{"BCDR_TEMPORAL_ADRESS": "x"}, []string{"BCDR_TEMPORAL_ADRESS names no configuration key"}},
		{"bad port type", "dev:\n  ui_port: lots\n", nil, []string{"ui_port"}},
		{"bad values", "temporal:\n  address: nowhere\nlog:\n  level: loud\ndev:\n  retention: 1h\n", nil,
			[]string{"temporal.address", "log.level", "dev.retention"}},
		{"bad duration", "dev:\n  retention: soon\n", nil, []string{"retention"}},
		{"mtls half", "temporal:\n  tls:\n    cert_file: /x\n", nil, []string{"temporal.tls.cert_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"HOME": "/home/x"}
			for k, v := range tc.vars {
				vars[k] = v
			}
			getenv, environ := env(vars)
			src := Source{Getenv: getenv, Environ: environ}
			if tc.file != "" {
				src.File = writeFile(t, tc.file)
			}
			_, err := Load(src)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestMissingConfigFileNamedByFlagIsAnError(t *testing.T) {
	_, err := Load(Source{File: "/no/such/bcdr.yaml", Getenv: func(string) string { return "" }})
	assert.ErrorContains(t, err, "/no/such/bcdr.yaml")
}

func TestGroupsAndMasking(t *testing.T) {
	file := writeFile(t, "temporal:\n  api_key: topsecret\ngroups:\n  incident-commanders: [alice, bob]\n  dba: [bob]\n")
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, []string{"dba", "incident-commanders"}, c.GroupsOf("bob"))
	assert.Empty(t, c.GroupsOf("eve"))
	assert.Equal(t, "***", c.Masked().Temporal.APIKey)
	assert.Equal(t, "topsecret", c.Temporal.APIKey)
}

// The portfolio's catalogue: the catalogue key, else the first runbook folder's
// catalogue.yaml, else none.
func TestCataloguePath(t *testing.T) {
	empty, withCatalogue := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(withCatalogue, CatalogueFile), []byte("kind: Catalogue\n"), 0o600))
	c := &Config{Drills: Drills{RunbookDirs: []string{empty}}}
	assert.Empty(t, c.CataloguePath(), "no folder holds one")
	c.Drills.RunbookDirs = append(c.Drills.RunbookDirs, withCatalogue)
	assert.Equal(t, filepath.Join(withCatalogue, CatalogueFile), c.CataloguePath())
	c.Catalogue = "/etc/bcdr/shop.yaml"
	assert.Equal(t, "/etc/bcdr/shop.yaml", c.CataloguePath(), "the key wins")
}

// The production guide sets keys by BCDR_* variables; identity.key_file (the key every
// server, worker and direct CLI shares) had no default, so its variable was refused as
// naming no key.
func TestIdentityKeyFileFromTheEnvironment(t *testing.T) {
	getenv, environ := env(map[string]string{"HOME": "/home/x", "BCDR_IDENTITY_KEY_FILE": "/etc/bcdr/identity.key"})
	c, err := Load(Source{Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.Equal(t, "/etc/bcdr/identity.key", c.IdentityKeyFile())
}
