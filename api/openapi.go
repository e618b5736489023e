package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3 description; a test checks it against the routes.
//
//go:embed openapi.yaml
var OpenAPI []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ *Identity) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(OpenAPI)
	return nil
}
