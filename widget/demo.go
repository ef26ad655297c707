package widget

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

// demoPage is the data of the demo page template.
type demoPage struct {
	SiteKey   string
	ScriptURL string
}

// newDemo returns the handler of the demo shop page and its stylesheet,
// rendered once: the page embeds the widget with the one-line snippet a
// customer site would use.
func newDemo(cfg Config, root fs.FS) http.Handler {
	tmpl, err := template.ParseFS(root, "demo.html.tmpl")
	if err != nil {
		return http.NotFoundHandler()
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, demoPage{SiteKey: cfg.DemoSiteKey, ScriptURL: cfg.GatewayURL + "/widget.js"}); err != nil {
		return http.NotFoundHandler()
	}
	page := buf.Bytes()
	gw := ""
	if cfg.GatewayURL != "" {
		gw = " " + originOf(cfg.GatewayURL)
	}
	csp := "default-src 'self'; script-src 'self'" + gw + "; style-src 'self'" + gw +
		"; connect-src 'self'" + gw + " ws: wss:; img-src 'self' data:; frame-ancestors 'none'; " +
		"base-uri 'none'; form-action 'self'"
	return strict(csp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	}))
}

// originOf returns the scheme://host part of an absolute URL.
func originOf(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}
