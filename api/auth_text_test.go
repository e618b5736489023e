package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAWrongTokenIsNotToldToSendOne(t *testing.T) {
	s := testServer(t)
	w, e := call(s, "GET", "/v1/runs", "not-a-token", "", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.NotContains(t, e.Message, "send Authorization", "a token was sent")
	assert.Contains(t, e.Message, "the credential sent in Authorization was not accepted")
	assert.Contains(t, e.Message, "BCDR_SERVER_TOKEN")

	w, e = call(s, "GET", "/v1/runs", "", "", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, e.Message, "send Authorization: Bearer", "no token was sent")
}
