package webui

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	"github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
)

// Handler returns the Web UI server for cfg over this build's copy of the UI's files.
//
// It wires what ui-server's server.NewServer (v2.45.0, server/server.go) wires, in the
// same way: health, API, auth and UI routes, the render route, and the Recover, CORS,
// Secure and CSRF middleware. Two differences: the Gzip middleware runs after
// servePrecompressed, so stored gzip bytes are not compressed again, and cfg.UIAssetPath
// is not read (bcdr never sets it).
func Handler(cfg *config.Config) (http.Handler, error) {
	files, err := files()
	if err != nil {
		return nil, err
	}
	return handler(cfg, files)
}

// handler is Handler over the given files.
func handler(cfg *config.Config, files assets) (http.Handler, error) {
	provider, err := config.NewConfigProviderWithRefresh(cfg)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   provider,
	}))
	e.Use(middleware.Secure())
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		CookiePath:     "/",
		CookieHTTPOnly: false,
		CookieSameSite: http.SameSiteStrictMode,
		CookieSecure:   !cfg.CORS.CookieInsecure,
		Skipper:        csrf.SkipOnAuthorizationHeader,
	}))
	if files.gzipped != nil {
		e.Use(servePrecompressed(files.gzipped))
	}
	e.Use(middleware.Gzip())

	e.Pre(route.PublicPath(cfg.PublicPath))
	route.SetHealthRoute(e)
	forward := headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"})
	if err := route.SetAPIRoutes(e, provider, []api.Middleware{forward}); err != nil {
		return nil, err
	}
	route.SetAuthRoutes(e, provider)
	if cfg.EnableUI {
		if err := route.SetUIRoutes(e, cfg.PublicPath, files.plain); err != nil {
			return nil, err
		}
		route.SetRenderRoute(e)
	}
	return e, nil
}
