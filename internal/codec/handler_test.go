package codec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

const uiOrigin = "http://127.0.0.1:8233"

func testHandler(t *testing.T, c *Codec) *httptest.Server {
	srv := httptest.NewServer(http.StripPrefix("/codec", Handler(c, HandlerOptions{
		Origins: []string{uiOrigin},
		Authorize: func(r *http.Request) error {
			switch r.Header.Get("Authorization") {
			case "Bearer operator":
				return nil
			case "Bearer viewer":
				return fmt.Errorf("viewer: %w", ErrForbidden)
			}
			return errors.New("authentication required")
		},
	})))
	t.Cleanup(srv.Close)
	return srv
}

// TestHandlerSpeaksTheRemoteCodecProtocol uses the SDK's own remote codec client, as
// the Temporal CLI and Web UI do.
func TestHandlerSpeaksTheRemoteCodecProtocol(t *testing.T) {
	c := staticCodec(t, newKey(t))
	srv := testHandler(t, c)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: srv.URL + "/codec",
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer operator")
			r.Header.Set("X-Namespace", "default")
			return nil
		},
	})
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"` + secret + `"`)}})
	require.NoError(t, err)
	dec, err := remote.Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, `"`+secret+`"`, string(dec[0].Data))

	reenc, err := remote.Encode(dec)
	require.NoError(t, err)
	assert.Equal(t, Encoding, string(reenc[0].Metadata["encoding"]))
	back, err := c.Decode(reenc)
	require.NoError(t, err)
	assert.Equal(t, dec[0].Data, back[0].Data)
}

func TestHandlerRefusesWithoutAuthorisation(t *testing.T) {
	c := staticCodec(t, newKey(t))
	srv := testHandler(t, c)
	enc, err := c.Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	require.NoError(t, err)
	body := `{"payloads":[{"metadata":{"encoding":"` + b64(Encoding) + `","encryption-cipher":"` + b64(cipherName) +
		`","encryption-key-id":"` + b64(string(enc[0].Metadata[MetaKeyID])) + `"},"data":"` + b64(string(enc[0].Data)) + `"}]}`

	cases := []struct {
		name, method, path, auth, ctype, body string
		want                                  int
	}{
		{"no credentials", "POST", "/codec/decode", "", "application/json", body, http.StatusUnauthorized},
		{"bad credentials", "POST", "/codec/decode", "Bearer guess", "application/json", body, http.StatusUnauthorized},
		{"role without decryption", "POST", "/codec/decode", "Bearer viewer", "application/json", body, http.StatusForbidden},
		{"allowed", "POST", "/codec/decode", "Bearer operator", "application/json", body, http.StatusOK},
		{"GET", "GET", "/codec/decode", "Bearer operator", "", "", http.StatusMethodNotAllowed},
		{"other path", "POST", "/codec/keys", "Bearer operator", "application/json", body, http.StatusNotFound},
		{"wrong content type", "POST", "/codec/decode", "Bearer operator", "text/plain", body, http.StatusUnsupportedMediaType},
		{"malformed JSON", "POST", "/codec/decode", "Bearer operator", "application/json", `{"payloads":[`, http.StatusBadRequest},
		{"oversized body", "POST", "/codec/decode", "Bearer operator", "application/json", `{"payloads":[],"x":"` + strings.Repeat("a", maxRequestBody) + `"}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want != http.StatusOK {
				buf := make([]byte, 4096)
				n, _ := resp.Body.Read(buf)
				assert.NotContains(t, string(buf[:n]), secret)
			}
		})
	}
}

func TestHandlerCORS(t *testing.T) {
	srv := testHandler(t, staticCodec(t, newKey(t)))
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/codec/decode", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	ok := preflight(uiOrigin)
	assert.Equal(t, http.StatusNoContent, ok.StatusCode)
	assert.Equal(t, uiOrigin, ok.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, ok.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")
	assert.Equal(t, "true", ok.Header.Get("Access-Control-Allow-Credentials"))

	evil := preflight("http://evil.example")
	assert.Equal(t, http.StatusForbidden, evil.StatusCode)
	assert.Empty(t, evil.Header.Get("Access-Control-Allow-Origin"))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
