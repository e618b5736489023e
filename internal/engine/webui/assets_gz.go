//go:build uigz

package webui

import (
	"embed"
	"io/fs"
)

// gz is written by ./precompress; `make build` runs it before building with -tags uigz.
// A build with the tag and without that folder fails here: run `make build`.
//
//go:embed all:gz
var gz embed.FS

// Precompressed reports whether this build embeds the precompressed copy of the UI
// (-tags uigz).
const Precompressed = true

// files returns the precompressed UI.
func files() (assets, error) {
	sub, err := fs.Sub(gz, "gz")
	if err != nil {
		return assets{}, err
	}
	return gzipAssets(sub), nil
}
