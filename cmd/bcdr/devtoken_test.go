package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/demo"
	"github.com/bcdr/bcdr/internal/engine"
)

func TestPlainDevMakesALocalAdminToken(t *testing.T) {
	cfg := &config.Config{DataDir: filepath.Join(t.TempDir(), "data")}
	tok, err := devSignIn(cfg)
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	fi, err := os.Stat(filepath.Join(cfg.DataDir, devTokenFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "readable by its owner only")
	require.Len(t, cfg.Auth.Tokens, 1)
	assert.Equal(t, api.HashToken(tok), cfg.Auth.Tokens[0].Hash, "the configuration holds its hash, as for any token")
	assert.Equal(t, []string{"admin"}, cfg.Auth.Tokens[0].Roles)

	// The server authenticates it as the local admin.
	auth := api.NewAuthenticator(cfg.Auth, nil, nil)
	assert.NotNil(t, auth)

	again := &config.Config{DataDir: cfg.DataDir}
	tok2, err := devSignIn(again)
	require.NoError(t, err)
	assert.Equal(t, tok, tok2, "the same token after a restart: a bookmarked link keeps working")

	assert.Equal(t, "http://127.0.0.1:8080/ui/#token="+tok, signInLink("127.0.0.1:8080", tok))
}

func TestDevWithConfiguredCallersMakesNoToken(t *testing.T) {
	cfg := &config.Config{DataDir: t.TempDir()}
	cfg.Auth.Tokens = []api.Token{{Name: "ci", Hash: api.HashToken("x"), Roles: []string{"operator"}}}
	tok, err := devSignIn(cfg)
	require.NoError(t, err)
	assert.Empty(t, tok)
	assert.Len(t, cfg.Auth.Tokens, 1)
	assert.NoFileExists(t, filepath.Join(cfg.DataDir, devTokenFile))

	cfg = &config.Config{DataDir: t.TempDir()}
	cfg.Auth.OIDC.Issuer = "https://id.example.com"
	tok, err = devSignIn(cfg)
	require.NoError(t, err)
	assert.Empty(t, tok)
}

func TestAReadableDevTokenIsRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, devTokenFile), []byte("secret\n"), 0o644))
	_, err := devSignIn(&config.Config{DataDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "can be read by others")
	assert.Contains(t, err.Error(), "chmod 600")
}

func TestDevBannerNamesTheDashboardSignInAndDemo(t *testing.T) {
	d := &dev{engine: &engine.Server{}, httpAt: "127.0.0.1:8080", data: "/var/lib/bcdr", token: "tok123"}
	b := d.banner()
	assert.Contains(t, b, "dashboard http://127.0.0.1:8080/ui/\n")
	assert.Contains(t, b, "sign in   http://127.0.0.1:8080/ui/#token=tok123\n")
	assert.Contains(t, b, "/var/lib/bcdr/dev-admin.token")
	assert.Contains(t, b, "'bcdr dev --demo'")

	svc, err := demo.Start()
	require.NoError(t, err)
	defer svc.Close()
	d.token, d.demo = "", svc
	b = d.banner()
	assert.NotContains(t, b, "sign in", "no link when dev made no token (auth configured)")
	assert.Contains(t, b, "demo      router "+svc.Router)
	assert.Contains(t, b, "bcdr run runbooks/library/demo-failover.yaml --mode drill")
}

// TestDevDemoServesWhereTheRunbookLooks keeps `bcdr dev --demo` and the library runbook's
// defaults in step, so the README's drill example reaches the demo service.
func TestDevDemoServesWhereTheRunbookLooks(t *testing.T) {
	_, params := libraryDemoRunbook(t)
	assert.Equal(t, "http://"+demo.DefaultRouter, params["router_url"])
	assert.Equal(t, "http://"+demo.DefaultPrimary, params["primary_url"])
	assert.Equal(t, "http://"+demo.DefaultStandby, params["standby_url"])
}
