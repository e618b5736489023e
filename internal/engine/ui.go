//go:build !noui

// The Temporal Web UI's assets are most of the binary's size: a build with -tags noui
// (the production container image, whose engine is a cluster, not bcdr dev) leaves them
// out; see ui_noui.go.

package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"time"
	"unsafe"

	"github.com/labstack/echo/v4"

	"github.com/bcdr/bcdr/internal/httpserver"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI is the Temporal Web UI served from this process.
type webUI struct {
	server *http.Server
	done   chan error
}

// startUI serves the Web UI on ip:port for the frontend at frontendAddr and
// returns once it answers its health route.
//
// The UI server's own Start listens without read timeouts (echo's Start with a bare
// http.Server) and exits the process when it cannot listen. So bcdr listens itself and
// serves the UI's handler from an http.Server with the timeouts t, as every bcdr
// listener (internal/httpserver): a client that dribbles its headers or body is cut off.
func startUI(ctx context.Context, ip string, port int, frontendAddr, namespace, codecEndpoint string, t httpserver.Timeouts) (*webUI, error) {
	ui := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                bracketIPv6(ip),
		Port:                port,
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true}, // plain http on loopback
		HideLogs:            true,
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint},
	}))
	h, err := uiHandler(ui)
	if err != nil {
		return nil, err
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

// uiHandler returns the UI server's HTTP handler: its echo instance, which
// ui-server's Server keeps in the unexported field httpServer (server/server.go,
// NewServer builds it with every route and middleware; Start only listens). The
// field is read by reflection; a ui-server that renames it fails here, at start,
// and TestWebUIListenerCutsOffDribbledRequests.
func uiHandler(s *uiserver.Server) (http.Handler, error) {
	f := reflect.ValueOf(s).Elem().FieldByName("httpServer")
	if !f.IsValid() || f.Type() != reflect.TypeOf((*echo.Echo)(nil)) {
		return nil, errors.New("web ui: this ui-server version keeps no echo instance in Server.httpServer; build with -tags noui or update internal/engine/ui.go")
	}
	e := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*echo.Echo)
	if e == nil {
		return nil, errors.New("web ui: the ui-server built no echo instance")
	}
	return e, nil
}

func (u *webUI) stop() {
	_ = u.server.Close()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}
