package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/bcdr/bcdr/internal/lazy"
)

// HashToken returns the form in which a static API token is configured: "sha256:<hex>".
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// NewToken returns a new random API token ("bcdr_" and 43 characters).
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "bcdr_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Auth says who may use the bcdr API and what they may do.
type Auth struct {
	// Tokens are static API tokens, stored as hashes ("bcdr token hash" prints one).
	Tokens []Token `mapstructure:"tokens" yaml:"tokens" json:"tokens"`
	OIDC   OIDC    `mapstructure:"oidc" yaml:"oidc" json:"oidc"`
	// Bindings grant roles to users and groups, on every service or on the ones named.
	Bindings []Binding `mapstructure:"bindings" yaml:"bindings" json:"bindings"`
}

// Token is one static API token.
type Token struct {
	Name   string   `mapstructure:"name" yaml:"name" json:"name"` // who the token authenticates
	Hash   string   `mapstructure:"hash" yaml:"hash" json:"hash"` // "sha256:<hex>" of the token
	Groups []string `mapstructure:"groups" yaml:"groups" json:"groups"`
	Roles  []string `mapstructure:"roles" yaml:"roles" json:"roles"` // on every service
}

// OIDC validates bearer JWTs from an OpenID Connect issuer against its published keys.
type OIDC struct {
	Issuer        string `mapstructure:"issuer" yaml:"issuer" json:"issuer"`
	Audience      string `mapstructure:"audience" yaml:"audience" json:"audience"`
	UsernameClaim string `mapstructure:"username_claim" yaml:"username_claim" json:"username_claim"`
	GroupsClaim   string `mapstructure:"groups_claim" yaml:"groups_claim" json:"groups_claim"`
	RolesClaim    string `mapstructure:"roles_claim" yaml:"roles_claim" json:"roles_claim"` // "" = roles from bindings only
}

// Authenticator says who sent a request: a static token from configuration or an OIDC
// bearer JWT.
type Authenticator struct {
	tokens map[string]Token // by hash
	oidc   *oidcVerifier
	policy policy
}

// NewAuthenticator builds an authenticator from the auth configuration. groupsOf adds
// the groups the configuration gives a user (config groups; nil for none); httpClient
// fetches the OIDC issuer's discovery document and keys (nil: http.DefaultClient).
func NewAuthenticator(cfg Auth, groupsOf func(user string) []string, httpClient *http.Client) *Authenticator {
	a := &Authenticator{tokens: map[string]Token{}, policy: policy{bindings: cfg.Bindings, groupsOf: groupsOf}}
	for _, t := range cfg.Tokens {
		a.tokens[t.Hash] = t
	}
	if cfg.OIDC.Issuer != "" {
		a.oidc = newOIDCVerifier(cfg.OIDC, httpClient)
	}
	return a
}

// errUnauthenticated is a missing or bad credential; the message never says which.
var errUnauthenticated = errors.New("authentication required: send Authorization: Bearer <API token or OIDC token>")

// Authenticate returns the caller's identity with its groups and roles.
func (a *Authenticator) Authenticate(r *http.Request) (*Identity, error) {
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return nil, errUnauthenticated
	}
	var id *Identity
	if t, ok := a.tokens[HashToken(raw)]; ok {
		id = &Identity{Name: t.Name, Groups: append([]string(nil), t.Groups...), Grants: rolesOf(t.Roles), Via: "token"}
	} else if a.oidc != nil && strings.Count(raw, ".") == 2 {
		var err error
		if id, err = a.oidc.verify(r.Context(), raw); err != nil {
			return nil, fmt.Errorf("%w (%v)", errUnauthenticated, err)
		}
	} else {
		return nil, errUnauthenticated
	}
	a.policy.complete(id)
	return id, nil
}

// oidcVerifier checks JWTs against the issuer's published keys. The issuer is discovered
// on first use, so the server starts while the identity provider is away.
type oidcVerifier struct {
	cfg    OIDC
	client *http.Client
	now    func() time.Time // tests

	verifier lazy.Value[*oidc.IDTokenVerifier]
}

func newOIDCVerifier(cfg OIDC, client *http.Client) *oidcVerifier {
	o := &oidcVerifier{cfg: cfg, client: client}
	o.verifier.New = o.discover
	return o
}

// discover finds the issuer's keys.
func (o *oidcVerifier) discover(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	if o.client != nil {
		ctx = oidc.ClientContext(ctx, o.client)
	}
	// The provider keeps ctx's client for fetching keys later; it must outlive the request.
	ctx = context.WithoutCancel(ctx)
	p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC issuer %s: %w", o.cfg.Issuer, err)
	}
	return p.Verifier(&oidc.Config{ClientID: o.cfg.Audience, Now: o.now}), nil
}

func (o *oidcVerifier) verify(ctx context.Context, raw string) (*Identity, error) {
	v, err := o.verifier.Get(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, err
	}
	name, _ := claims[o.cfg.UsernameClaim].(string)
	if name == "" {
		name = tok.Subject
	}
	id := &Identity{Name: name, Groups: claimStrings(claims[o.cfg.GroupsClaim]), Via: "oidc"}
	if o.cfg.RolesClaim != "" {
		id.Grants = rolesOf(claimStrings(claims[o.cfg.RolesClaim]))
	}
	return id, nil
}

// claimStrings reads a claim that is a list of strings or one string.
func claimStrings(v any) []string {
	switch c := v.(type) {
	case string:
		return []string{c}
	case []any:
		var out []string
		for _, e := range c {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// bearerToken returns the credentials of an "Authorization: Bearer <token>" header. The
// scheme is matched without regard to case (RFC 9110 section 11.1: "It uses a
// case-insensitive token to identify the authentication scheme").
func bearerToken(header string) (string, bool) {
	scheme, raw, ok := strings.Cut(header, " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return "", false
	}
	return raw, true
}
