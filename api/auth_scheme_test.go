package api

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/config"
)

// The Authorization scheme is case-insensitive (RFC 9110 section 11.1: "It uses a
// case-insensitive token to identify the authentication scheme"); "bearer" was refused.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	auth := NewAuthenticator(config.Auth{Tokens: []config.Token{{Name: "alice", Hash: HashToken("alice-token")}}}, nil, nil)
	for _, header := range []string{"Bearer alice-token", "bearer alice-token", "BEARER alice-token", "bEaReR  alice-token"} {
		r := httptest.NewRequest("GET", "/v1/runs", nil)
		r.Header.Set("Authorization", header)
		id, err := auth.Authenticate(r)
		require.NoError(t, err, header)
		assert.Equal(t, "alice", id.Name, header)
	}
	for _, header := range []string{"Basic alice-token", "Bearer", "Bearer ", "Beareralice-token", "alice-token"} {
		r := httptest.NewRequest("GET", "/v1/runs", nil)
		r.Header.Set("Authorization", header)
		_, err := auth.Authenticate(r)
		assert.ErrorIs(t, err, errUnauthenticated, header)
	}
}
