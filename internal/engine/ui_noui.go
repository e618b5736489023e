//go:build noui

package engine

import (
	"context"
	"errors"

	"github.com/bcdr/bcdr/internal/httpserver"
)

// webUI is absent from a build with -tags noui.
type webUI struct{}

// errNoUI says why the Web UI cannot start in this build.
var errNoUI = errors.New("this bcdr was built without the Temporal Web UI (-tags noui): set dev.ui_port to 0 (--ui-port 0)")

func startUI(context.Context, string, int, string, string, string, httpserver.Timeouts) (*webUI, error) {
	return nil, errNoUI
}

func (u *webUI) stop() {}
