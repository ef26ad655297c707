// Package widget serves Parley's browser side: the embeddable customer
// widget (/widget.js and /widget/...), the agent console (/console) and a
// demo shop page (/demo). The assets are plain JavaScript modules and CSS
// embedded in the binary; there is no build step.
package widget

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var assets embed.FS

// Config configures Handler. The zero value is usable.
type Config struct {
	// DemoSiteKey is the site key the demo page embeds the widget with.
	// Default "demo".
	DemoSiteKey string
	// GatewayURL is the absolute base URL of the gateway (for example
	// "https://chat.example.com") that the demo page loads the widget from.
	// Default: empty, the demo page loads it from the origin it was served
	// from.
	GatewayURL string
}

// Security headers of the pages the gateway itself serves (console, demo).
const (
	consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; " +
		"base-uri 'none'; form-action 'self'"
	// assetCache lets browsers keep assets briefly and revalidate them by
	// ETag; asset URLs are not versioned, so the lifetime stays short.
	assetCache = "public, max-age=300"
)

// Handler returns the http.Handler of the widget, console and demo routes.
func Handler(cfg Config) http.Handler {
	if cfg.DemoSiteKey == "" {
		cfg.DemoSiteKey = "demo"
	}
	cfg.GatewayURL = strings.TrimRight(cfg.GatewayURL, "/")

	root, err := fs.Sub(assets, "assets")
	if err != nil {
		// The embedded tree is fixed at build time; fs.Sub fails only
		// on an invalid path literal.
		panic("widget: " + err.Error())
	}
	tags := newETags(root)
	sub := func(dir string) fs.FS {
		f, err := fs.Sub(root, dir)
		if err != nil {
			panic("widget: " + err.Error())
		}
		return f
	}

	mux := http.NewServeMux()
	files := http.FileServerFS(root)
	widgetFiles := http.StripPrefix("/widget/", http.FileServerFS(sub("widget")))
	consoleFiles := http.StripPrefix("/console/", http.FileServerFS(sub("console")))

	mux.Handle("GET /widget.js", crossOrigin(tags.wrap("widget.js", files)))
	mux.Handle("GET /widget/", crossOrigin(etagByPath(tags, "widget/", "/widget/", widgetFiles)))
	mux.Handle("GET /console", strict(consoleCSP, serveFile(tags, root, "console/index.html")))
	mux.Handle("GET /console/{$}", strict(consoleCSP, serveFile(tags, root, "console/index.html")))
	mux.Handle("GET /console/", strict(consoleCSP, etagByPath(tags, "console/", "/console/", consoleFiles)))
	mux.Handle("GET /demo", newDemo(cfg, root))
	mux.Handle("GET /demo/", etagByPath(tags, "demo/", "/demo/", http.StripPrefix("/demo/", http.FileServerFS(sub("demo")))))
	mux.Handle("GET /{$}", http.RedirectHandler("/demo", http.StatusFound))
	return mux
}

// crossOrigin lets any site load the wrapped assets: the widget is embedded
// on other origins and loads its modules with CORS.
func crossOrigin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// strict adds the security headers of a page Parley controls.
func strict(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}
