//go:build !uigz

package webui

import (
	"io/fs"

	"github.com/temporalio/ui-server/v2/ui"
)

// Precompressed reports whether this build embeds the precompressed copy of the UI
// (-tags uigz).
const Precompressed = false

// files returns the ui-server module's own embedded UI, uncompressed.
func files() (assets, error) {
	all, err := ui.Assets()
	if err != nil {
		return assets{}, err
	}
	local, err := fs.Sub(all, "local") // the self-hosted UI; "cloud" is Temporal Cloud's
	return assets{plain: local}, err
}
