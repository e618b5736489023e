package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// assets is the UI's files: plain is what the ui-server routes read; gzipped, when the
// build embeds the precompressed copy, holds each file as NAME.gz.
type assets struct {
	plain   fs.FS
	gzipped fs.FS
}

// gzipAssets serves a tree of NAME.gz files: as they are to clients that accept gzip,
// inflated to everyone else.
func gzipAssets(gzipped fs.FS) assets {
	return assets{plain: gunzipFS{gzipped}, gzipped: gzipped}
}

// gunzipFS opens NAME by inflating NAME.gz into memory (the largest file of the UI is
// about a megabyte). Directories are not listed: http.FileServer answers them 404.
type gunzipFS struct{ gz fs.FS }

func (g gunzipFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	b, err := fs.ReadFile(g.gz, name+".gz")
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{Reader: bytes.NewReader(data), name: path.Base(name), size: int64(len(data))}, nil
}

// memFile is an inflated file; it seeks, as http.FileServer needs.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} } // as embed.FS: no Last-Modified
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

// indexRoute is ui-server's catch-all route, which answers index.html (rewritten for the
// public path) for every page of the single-page app; only the asset routes are files.
const indexRoute = "/*"

// servePrecompressed answers a GET or HEAD of an asset route with the stored gzip bytes
// when the client accepts gzip and the file is there, and passes everything else on.
// Content-Type is what http.FileServer would send for the file (by its extension), and
// Vary: Accept-Encoding tells caches that the body depends on that header (RFC 9110
// §12.5.5).
func servePrecompressed(gzipped fs.FS) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if c.Path() == indexRoute || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
				return next(c)
			}
			if !acceptsGzip(r.Header.Values(echo.HeaderAcceptEncoding)) {
				// The Gzip middleware sets Vary only where it compresses.
				c.Response().Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
				return next(c)
			}
			name := strings.TrimPrefix(r.URL.Path, "/")
			if !fs.ValidPath(name) || name == "." {
				return next(c)
			}
			b, err := fs.ReadFile(gzipped, name+".gz")
			if err != nil {
				return next(c)
			}
			c.Response().Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
			ctype := mime.TypeByExtension(path.Ext(name))
			if ctype == "" {
				ctype = echo.MIMEOctetStream
			}
			h := c.Response().Header()
			h.Set(echo.HeaderContentEncoding, "gzip")
			h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
			return c.Blob(http.StatusOK, ctype, b)
		}
	}
}

// acceptsGzip reports whether Accept-Encoding values admit gzip: "gzip" (or its alias
// "x-gzip") or "*" with a weight above zero, where an explicit gzip entry takes
// precedence over "*" (RFC 9110 §12.5.3).
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
