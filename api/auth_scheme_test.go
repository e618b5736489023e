package api

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Authorization scheme is case-insensitive (RFC 9110 section 11.1: "It uses a
// case-insensitive token to identify the authentication scheme"); "bearer" was refused.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	auth := NewAuthenticator(Auth{Tokens: []Token{{Name: "alice", Hash: HashToken("alice-token")}}}, nil, nil)
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

// A webhook trigger's token is read with the same case-insensitive scheme.
func TestTriggerBearerSchemeIsCaseInsensitive(t *testing.T) {
	s := testServer(t)
	body := []byte(`{"alerts":[]}`)
	for _, header := range []string{"Bearer hook-token", "bearer hook-token", "BEARER hook-token"} {
		r := httptest.NewRequest("POST", "/v1/triggers/am", nil)
		r.Header.Set("Authorization", header)
		assert.NoError(t, s.checkSender(r, "am", s.opts.Triggers["am"], body), header)
	}
	r := httptest.NewRequest("POST", "/v1/triggers/am", nil)
	r.Header.Set("Authorization", "Basic hook-token")
	assert.Error(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
}
