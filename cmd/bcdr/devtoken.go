package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
)

// devTokenFile holds bcdr dev's local admin token, in the data folder.
const devTokenFile = "dev-admin.token"

// devSignIn gives a plain `bcdr dev` (no auth.tokens, no OIDC) a local admin token, so its
// dashboard can be used at all: made at first start, kept in the data folder readable by
// its owner only (0600), and reused after. It adds the token to cfg.Auth as
// "local-admin" and returns it; with tokens or OIDC configured it does nothing and
// returns "". Only `bcdr dev` calls it, never `bcdr server`, whose callers are
// configured.
func devSignIn(cfg *config.Config) (string, error) {
	if len(cfg.Auth.Tokens) > 0 || cfg.Auth.OIDC.Issuer != "" {
		return "", nil
	}
	path := filepath.Join(cfg.DataDir, devTokenFile)
	tok, err := readDevToken(path)
	if errors.Is(err, fs.ErrNotExist) {
		if tok, err = api.NewToken(); err == nil {
			err = writeDevToken(path, tok)
		}
	}
	if err != nil {
		return "", err
	}
	cfg.Auth.Tokens = append(cfg.Auth.Tokens, api.Token{Name: "local-admin", Hash: api.HashToken(tok), Roles: []string{string(api.Admin)}})
	return tok, nil
}

func readDevToken(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s can be read by others (mode %v): it holds an admin token; remove it (bcdr dev makes a new one) or chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s is empty: remove it and bcdr dev makes a new token", path)
	}
	return tok, nil
}

func writeDevToken(path, tok string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keep the dev sign-in token: %w", err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// signInLink opens the dashboard signed in with tok. The token travels in the fragment,
// which browsers never send to the server, so it stays out of access logs and Referer.
func signInLink(httpAt, tok string) string {
	return "http://" + httpAt + "/ui/#token=" + tok
}
