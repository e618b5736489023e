//go:build !noui

// The Temporal Web UI's assets are most of the binary's size: a build with -tags noui
// (the production container image, whose engine is a cluster, not bcdr dev) leaves them
// out; see ui_noui.go.

package engine

import (
	"context"
	"fmt"
	"net/http"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI is the Temporal Web UI served from this process.
type webUI struct {
	server *uiserver.Server
	done   chan error
}

// startUI serves the Web UI on ip:port for the frontend at frontendAddr and
// returns once it answers its health route.
//
// The UI server listens inside its blocking Start and exits the process if
// that fails; reservePorts checked the port just before, so the remaining
// risk is another process taking it within that instant.
func startUI(ctx context.Context, ip string, port int, frontendAddr, namespace, codecEndpoint string) (*webUI, error) {
	srv := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                bracketIPv6(ip),
		Port:                port,
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true}, // plain http on loopback
		HideLogs:            true,
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint},
	}))
	ui := &webUI{server: srv, done: make(chan error, 1)}
	go func() { ui.done <- srv.Start() }()

	url := "http://" + hostPort(dialIP(ip), port) + "/healthz"
	err := poll(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	})
	if err != nil {
		ui.stop()
		return nil, fmt.Errorf("web ui on %s did not answer: %w", hostPort(ip, port), err)
	}
	return ui, nil
}

func (u *webUI) stop() {
	u.server.Stop()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}
