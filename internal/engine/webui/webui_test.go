package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/temporalio/ui-server/v2/server/config"

	"github.com/bcdr/bcdr/internal/fixture"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func gunzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func testConfig() *config.Config {
	return &config.Config{TemporalGRPCAddress: "127.0.0.1:1", EnableUI: true, HideLogs: true,
		CORS: config.CORS{CookieInsecure: true}}
}

// get sends a request with exactly the Accept-Encoding given (Go's client adds none and
// inflates nothing when the header is set by hand or the transport's compression is off).
func get(t *testing.T, srv *httptest.Server, method, path, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	require.NoError(t, err)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestPrecompressedFilesAreServedAsStoredOrInflated(t *testing.T) {
	js := []byte(strings.Repeat("export const a = 1;\n", 200))
	index := []byte(`<!doctype html><html><head><script type="module" src="/_app/immutable/entry/app.X1.js"></script></head></html>`)
	tree := fstest.MapFS{
		"index.html.gz":                     {Data: gzipped(t, index)},
		"_app/immutable/entry/app.X1.js.gz": {Data: gzipped(t, js)},
		"favicon.ico.gz":                    {Data: gzipped(t, []byte("\x00\x00\x01\x00icon"))},
	}
	h, err := handler(testConfig(), gzipAssets(tree))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	const asset = "/_app/immutable/entry/app.X1.js"

	resp, body := get(t, srv, http.MethodGet, asset, "br, gzip;q=0.8")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
	assert.Equal(t, tree["_app/immutable/entry/app.X1.js.gz"].Data, body, "the stored bytes, not compressed again")
	assert.Equal(t, js, gunzipped(t, body))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "the Secure middleware still runs")

	for _, ae := range []string{"", "identity", "br, *;q=0"} {
		resp, body = get(t, srv, http.MethodGet, asset, ae)
		require.Equal(t, http.StatusOK, resp.StatusCode, ae)
		assert.Empty(t, resp.Header.Get("Content-Encoding"), "Accept-Encoding %q", ae)
		assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"), ae)
		assert.Equal(t, js, body, "Accept-Encoding %q: inflated on the fly", ae)
	}

	resp, body = get(t, srv, http.MethodHead, asset, "gzip")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Empty(t, body)

	// Every page of the app is index.html, plain or compressed once by the Gzip middleware.
	resp, body = get(t, srv, http.MethodGet, "/namespaces/default/workflows", "gzip")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, index, gunzipped(t, body))
	resp, body = get(t, srv, http.MethodGet, "/", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, index, body)

	resp, _ = get(t, srv, http.MethodGet, "/_app/immutable/entry/missing.js", "gzip")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = get(t, srv, http.MethodGet, "/_app/", "gzip")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "folders are not listed")
	resp, _ = get(t, srv, http.MethodGet, "/healthz", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "x-gzip": true, "deflate, gzip;q=1.0, *;q=0.5": true,
		"gzip;q=0": false, "gzip; q=0.000": false, "br": false, "*": true, "*;q=0": false,
		"gzip;q=0, *": false, "identity, *;q=0.1": true, "br;q=1, gzip;q=0.001": true,
	} {
		assert.Equal(t, want, acceptsGzip([]string{ae}), "%q", ae)
	}
	assert.True(t, acceptsGzip([]string{"br", "gzip"}), "several header lines")
}

// moduleAssets is the ui-server module's ui/assets/local folder in the module cache: the
// original files that every build's copy must reproduce byte for byte.
func moduleAssets(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/temporalio/ui-server/v2").Output()
	require.NoError(t, err, "go list -m github.com/temporalio/ui-server/v2")
	dir := filepath.Join(strings.TrimSpace(string(out)), "ui", "assets", "local")
	_, err = os.Stat(dir)
	require.NoError(t, err, "the ui-server module in the module cache (go mod download)")
	return dir
}

// TestThisBuildServesTheUIsOwnBytes loads index.html and every script and style sheet it
// names from this build's UI (precompressed under -tags uigz, the module's own without)
// and checks each against the module's original file, with and without gzip.
func TestThisBuildServesTheUIsOwnBytes(t *testing.T) {
	t.Logf("precompressed: %v", Precompressed)
	orig := moduleAssets(t)
	h, err := Handler(testConfig())
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, index := get(t, srv, http.MethodGet, "/", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html", resp.Header.Get("Content-Type"))
	want := fixture.Read(t, filepath.Join(orig, "index.html"))
	assert.Equal(t, want, index)

	refs := regexp.MustCompile(`"(/_app/immutable/[^"]+\.(?:js|css))"`).FindAllSubmatch(index, -1)
	require.NotEmpty(t, refs, "index.html names the app's scripts")
	for _, m := range append(refs, [][]byte{nil, []byte("/favicon.ico")}) {
		path := string(m[1])
		want := fixture.Read(t, filepath.Join(orig, filepath.FromSlash(path)))
		resp, body := get(t, srv, http.MethodGet, path, "gzip")
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), path)
		assert.Equal(t, want, gunzipped(t, body), path)
		if strings.HasSuffix(path, ".js") {
			assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"), path)
		}
		resp, body = get(t, srv, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Empty(t, resp.Header.Get("Content-Encoding"), path)
		assert.Equal(t, want, body, path)
	}
}
