package api

import "net/http"

// unauthenticated is what a caller without a valid credential reads. It never says which
// check failed (unknown token, bad signature, expired), but it does not tell someone who
// sent a token to send one: that they sent one, they know.
func unauthenticated(r *http.Request) string {
	if r.Header.Get("Authorization") == "" {
		return errUnauthenticated.Error()
	}
	return "authentication required: the credential sent in Authorization was not accepted (an unknown or revoked " +
		"API token, or an OIDC token that is expired or not for this server); check the token you use " +
		"(server.token / BCDR_SERVER_TOKEN, or sign in to the dashboard again)"
}
