package dashboard

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServesThePage(t *testing.T) {
	h := Handler()
	w := get(t, h, "/ui/")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "text/html")
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "script-src 'self'")
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	assert.Contains(t, w.Body.String(), `<script type="module" src="js/main.js">`)

	w = get(t, h, "/ui/js/main.js")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "javascript", "module scripts need a JavaScript type")

	// Compressed when asked, and revalidated by ETag.
	w = get(t, h, "/ui/app.css", "Accept-Encoding", "gzip, br")
	require.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(w.Body)
	require.NoError(t, err)
	css, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Contains(t, string(css), "@media print")
	etag := w.Header().Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, http.StatusNotModified, get(t, h, "/ui/app.css", "If-None-Match", etag).Code)

	assert.Equal(t, http.StatusNotFound, get(t, h, "/ui/nope.js").Code)
	assert.Equal(t, http.StatusNotFound, get(t, h, "/ui/../dashboard.go").Code)
	r := httptest.NewRequest("POST", "/ui/", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
}

// TestReferencesResolve checks that every file the page and its modules load is
// embedded: a renamed module would otherwise only fail in a browser.
func TestReferencesResolve(t *testing.T) {
	ref := regexp.MustCompile(`(?:src|href)="([^"#:]+)"|from '(\./[^']+)'`)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js")) {
			return err
		}
		src, err := static.ReadFile(p)
		require.NoError(t, err)
		for _, m := range ref.FindAllStringSubmatch(string(src), -1) {
			target := m[1] + m[2]
			_, err := fs.Stat(static, path.Join(path.Dir(p), target))
			assert.NoError(t, err, "%s loads %s", p, target)
		}
		return nil
	})
	require.NoError(t, err)
}

// TestNoHTMLFromData checks that the scripts never parse strings as HTML: every text
// from the API (runbook names, comments, findings) goes into the page as text.
func TestNoHTMLFromData(t *testing.T) {
	bad := regexp.MustCompile(`innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write|eval\(|new Function`)
	files, err := fs.Glob(static, "static/js/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		src, err := static.ReadFile(f)
		require.NoError(t, err)
		assert.Empty(t, bad.FindAllString(string(src), -1), f)
	}
}

// TestImprovementURLIsTheItemPage: a tracker's issue links to the item's page, a route
// the dashboard's router serves (before, to the API's JSON).
func TestImprovementURLIsTheItemPage(t *testing.T) {
	link := ImprovementURL("https://bcdr.example.com/", "imp-0123456789ab")
	assert.Equal(t, "https://bcdr.example.com/ui/#/improvement/imp-0123456789ab", link)
	src, err := fs.ReadFile(static, "static/js/main.js")
	require.NoError(t, err)
	route := regexp.MustCompile(`\[/(\^#\\/improvement\\/[^,]*)/, 'improvements'`).FindSubmatch(src)
	require.NotNil(t, route, "the router's item route")
	_, fragment, _ := strings.Cut(link, "#")
	assert.Regexp(t, regexp.MustCompile(strings.ReplaceAll(string(route[1]), `\/`, `/`)), "#"+fragment)
}
