//go:build !noui

// The Temporal Web UI: a build with -tags noui (bcdr built for a cluster only) leaves it
// out; see ui_noui.go. Its files come from package webui, either its precompressed copy
// (make build, -tags uigz) or the ui-server module's own (a plain go build).

package engine

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	uiconfig "github.com/temporalio/ui-server/v2/server/config"

	"github.com/bcdr/bcdr/internal/engine/webui"
	"github.com/bcdr/bcdr/internal/httpserver"
)

// webUI is the Temporal Web UI served from this process.
type webUI struct {
	server *http.Server
	done   chan error
}

// startUI serves the Web UI on ip:port for the frontend at frontendAddr and
// returns once it answers its health route.
//
// bcdr listens itself and serves webui's handler from an http.Server with the timeouts
// t, as every bcdr listener (internal/httpserver): a client that dribbles its headers or
// body is cut off, and a port taken since reservePorts checked it is an error here.
func startUI(ctx context.Context, ip string, port int, frontendAddr, namespace, codecEndpoint string, t httpserver.Timeouts) (*webUI, error) {
	h, err := webui.Handler(&uiconfig.Config{
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true}, // plain http on loopback
		HideLogs:            true,
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint},
	})
	if err != nil {
		return nil, fmt.Errorf("web ui: %w", err)
	}
	ln, err := net.Listen("tcp", hostPort(ip, port))
	if err != nil {
		return nil, fmt.Errorf("web ui: %w", err)
	}
	w := &webUI{server: httpserver.New(h, t), done: make(chan error, 1)}
	go func() { w.done <- w.server.Serve(ln) }()

	url := "http://" + hostPort(dialIP(ip), port) + "/healthz"
	err = poll(ctx, func(ctx context.Context) error {
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
		w.stop()
		return nil, fmt.Errorf("web ui on %s did not answer: %w", hostPort(ip, port), err)
	}
	return w, nil
}

func (u *webUI) stop() {
	_ = u.server.Close()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}
