package api

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashToken(t *testing.T) {
	assert.Equal(t, "sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b", HashToken("secret"))
	a, err := NewToken()
	require.NoError(t, err)
	b, err := NewToken()
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^bcdr_[A-Za-z0-9_-]{43}$`, a)
}

func bearer(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/v1/whoami", nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

func TestStaticTokens(t *testing.T) {
	auth := NewAuthenticator(Auth{
		Tokens:   []Token{{Name: "alice", Hash: HashToken("alice-token"), Groups: []string{"sre"}, Roles: []string{"operator"}}},
		Bindings: []Binding{{Roles: []string{"approver"}, Groups: []string{"incident-commanders"}, Services: []string{"payments"}}},
	}, func(u string) []string {
		if u == "alice" {
			return []string{"incident-commanders"}
		}
		return nil
	}, nil)

	id, err := auth.Authenticate(bearer("alice-token"))
	require.NoError(t, err)
	assert.Equal(t, "alice", id.Name)
	assert.Equal(t, []string{"incident-commanders", "sre"}, id.Groups, "token groups and configured groups")
	assert.True(t, id.Can(Operator, "anything"))
	assert.True(t, id.Can(Viewer, "anything"), "every role includes viewer")
	assert.False(t, id.Can(IncidentCommander, "anything"))
	assert.True(t, id.Can(Approver, "payments"), "bound through a configured group")
	assert.False(t, id.Can(Approver, "billing"), "the binding is for payments only")

	for _, tok := range []string{"", "alice-token2", "sha256:" + HashToken("alice-token")[7:]} {
		_, err := auth.Authenticate(bearer(tok))
		assert.ErrorIs(t, err, errUnauthenticated, "token %q", tok)
	}
	r := bearer("")
	r.Header.Set("Authorization", "Basic YWxpY2U6eA==")
	_, err = auth.Authenticate(r)
	assert.ErrorIs(t, err, errUnauthenticated)
}

func TestRoleInclusion(t *testing.T) {
	admin := &Identity{Grants: []Grant{{Role: Admin}}}
	ic := &Identity{Grants: []Grant{{Role: IncidentCommander}}}
	for _, r := range []Role{Viewer, Operator, IncidentCommander, Approver, Author, Admin} {
		assert.True(t, admin.Can(r, "x"), r)
	}
	assert.True(t, ic.Can(Operator, "x"))
	assert.False(t, ic.Can(Approver, "x"))
	assert.False(t, ic.Can(Author, "x"))
	assert.False(t, (&Identity{}).CanAny(Viewer), "no grant, no access")
}

// issuer is a tiny OpenID Connect issuer on 127.0.0.1 with a generated RSA key.
type issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys", "authorization_endpoint": is.srv.URL + "/auth",
			"token_endpoint": is.srv.URL + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) token(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	require.NoError(t, err)
	tok, err := jwt.Signed(sig).Claims(claims).Serialize()
	require.NoError(t, err)
	return tok
}

func TestOIDCTokens(t *testing.T) {
	is := newIssuer(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	auth := NewAuthenticator(Auth{
		OIDC:     OIDC{Issuer: is.srv.URL, Audience: "bcdr", UsernameClaim: "email", GroupsClaim: "groups"},
		Bindings: []Binding{{Roles: []string{"incident-commander"}, Groups: []string{"sre"}}},
	}, nil, is.srv.Client())
	now := time.Now()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"iss": is.srv.URL, "aud": "bcdr", "sub": "u-123", "email": "carol@example.com",
			"groups": []string{"sre", "dba"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}

	id, err := auth.Authenticate(bearer(is.token(t, is.key, claims(nil))))
	require.NoError(t, err)
	assert.Equal(t, "carol@example.com", id.Name)
	assert.Equal(t, []string{"dba", "sre"}, id.Groups)
	assert.Equal(t, "oidc", id.Via)
	assert.True(t, id.Can(IncidentCommander, "payments"), "role from the groups claim through a binding")

	id, err = auth.Authenticate(bearer(is.token(t, is.key, claims(func(c map[string]any) { delete(c, "email") }))))
	require.NoError(t, err)
	assert.Equal(t, "u-123", id.Name, "the subject when the username claim is missing")

	for name, tok := range map[string]string{
		"expired":         is.token(t, is.key, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })),
		"wrong issuer":    is.token(t, is.key, claims(func(c map[string]any) { c["iss"] = "https://evil.example" })),
		"wrong audience":  is.token(t, is.key, claims(func(c map[string]any) { c["aud"] = "someone-else" })),
		"bad signature":   is.token(t, other, claims(nil)),
		"not a JWT":       "a.b.c",
		"tampered claims": tamper(is.token(t, is.key, claims(nil))),
	} {
		_, err := auth.Authenticate(bearer(tok))
		assert.ErrorIs(t, err, errUnauthenticated, name)
	}
}

// tamper swaps a signed JWT's payload for another.
func tamper(tok string) string {
	parts := splitDots(tok)
	return parts[0] + "." + "eyJzdWIiOiJtYWxsb3J5IiwiZW1haWwiOiJtYWxsb3J5In0" + "." + parts[2]
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := range s {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
