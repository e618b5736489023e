package codec

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// maxRequestBody bounds a codec request (the Web UI sends a page of payloads at a time;
// Temporal limits one payload to 2 MiB).
const maxRequestBody = 16 << 20

// ErrForbidden is what an Authorize function returns for a caller it knows but does
// not let decrypt; any other error is an authentication failure (401).
var ErrForbidden = errors.New("not allowed to use the payload codec")

// HandlerOptions configures Handler.
type HandlerOptions struct {
	// Authorize says whether a request may use the codec: nil lets it in, ErrForbidden
	// (or an error wrapping it) answers 403, any other error 401. Required: a handler
	// without it refuses everything.
	Authorize func(r *http.Request) error
	// Origins are the browser origins (the Temporal Web UI, e.g.
	// "http://127.0.0.1:8233") allowed to call the codec from a page (CORS).
	Origins []string
}

// Handler serves Temporal's remote codec protocol: POST <prefix>/encode and
// <prefix>/decode with a JSON body {"payloads": [...]}, answered with the payloads
// encoded or decoded by c. Preflight (OPTIONS) requests from the allowed origins are
// answered without authorisation, as browsers send them without credentials.
func Handler(c converter.PayloadCodec, o HandlerOptions) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(o.Origins, origin)
		if allowed {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			if !allowed {
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace, Caller-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			http.Error(w, "method not allowed: POST .../encode or .../decode", http.StatusMethodNotAllowed)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/encode") && !strings.HasSuffix(r.URL.Path, "/decode") {
			http.NotFound(w, r)
			return
		}
		if err := authorize(o.Authorize, r); err != nil {
			status := http.StatusUnauthorized
			if errors.Is(err, ErrForbidden) {
				status = http.StatusForbidden
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="bcdr payload codec"`)
			}
			http.Error(w, err.Error(), status)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
			http.Error(w, "content type must be application/json", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		w.Header().Set("Cache-Control", "no-store")
		inner.ServeHTTP(w, r)
	})
}

func authorize(f func(*http.Request) error, r *http.Request) error {
	if f == nil {
		return errors.New("payload codec: no authorisation configured")
	}
	return f(r)
}
