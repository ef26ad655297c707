package widget

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func TestRoutesAndContentTypes(t *testing.T) {
	h := Handler(Config{})
	cases := []struct {
		path, ctype, contains string
	}{
		{"/widget.js", "text/javascript", "data-site"},
		{"/widget/app.js", "text/javascript", "attachShadow"},
		{"/widget/conn.js", "text/javascript", "parley.v1"},
		{"/widget/i18n.js", "text/javascript", "export function strings"},
		{"/widget/widget.css", "text/css", ":host"},
		{"/console", "text/html", "Parley console"},
		{"/console/", "text/html", "Parley console"},
		{"/console/console.js", "text/javascript", "sessionStorage"},
		{"/console/console.css", "text/css", ".chat-tab"},
		{"/demo", "text/html", `data-site="demo"`},
		{"/demo/demo.css", "text/css", ".hero"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			res := get(t, h, c.path)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), c.ctype), res.Header.Get("Content-Type"))
			assert.Contains(t, body(t, res), c.contains)
			assert.Empty(t, res.Header.Values("Set-Cookie"), "no cookies, ever")
		})
	}
}

func TestNotFound(t *testing.T) {
	h := Handler(Config{})
	for _, p := range []string{"/widget/nope.js", "/console/nope.js", "/nope", "/demo.html.tmpl", "/widget/../demo.html.tmpl"} {
		res := get(t, h, p)
		assert.NotEqual(t, http.StatusOK, res.StatusCode, p)
		assert.NotContains(t, body(t, res), "{{.SiteKey}}", p)
	}
	res := get(t, h, "/")
	assert.Equal(t, http.StatusFound, res.StatusCode)
	assert.Equal(t, "/demo", res.Header.Get("Location"))
}

func TestWidgetIsLoadableCrossOrigin(t *testing.T) {
	h := Handler(Config{})
	for _, p := range []string{"/widget.js", "/widget/app.js", "/widget/widget.css"} {
		res := get(t, h, p, "Origin", "https://shop.example")
		assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"), p)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), p)
		assert.NotEmpty(t, res.Header.Get("Cache-Control"), p)
	}
}

func TestETagRevalidation(t *testing.T) {
	h := Handler(Config{})
	for _, p := range []string{"/widget.js", "/widget/app.js", "/console/console.js", "/console"} {
		res := get(t, h, p)
		tag := res.Header.Get("ETag")
		require.NotEmpty(t, tag, p)
		again := get(t, h, p, "If-None-Match", tag)
		assert.Equal(t, http.StatusNotModified, again.StatusCode, p)
		other := get(t, h, p, "If-None-Match", `"other"`)
		assert.Equal(t, http.StatusOK, other.StatusCode, p)
	}
}

func TestConsoleSecurityHeaders(t *testing.T) {
	h := Handler(Config{})
	for _, p := range []string{"/console", "/console/", "/console/console.js"} {
		res := get(t, h, p)
		assert.Equal(t, consoleCSP, res.Header.Get("Content-Security-Policy"), p)
		assert.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), p)
		assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"), p)
		assert.Empty(t, res.Header.Values("Set-Cookie"), p)
	}
}

func TestDemoPage(t *testing.T) {
	res := get(t, Handler(Config{DemoSiteKey: `shop"<x>`}), "/demo")
	page := body(t, res)
	assert.Contains(t, page, `<script src="/widget.js" data-site="shop&#34;&lt;x&gt;" async></script>`)
	csp := res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self';")
	assert.Contains(t, csp, "frame-ancestors 'none'")

	res = get(t, Handler(Config{GatewayURL: "https://chat.example.com/"}), "/demo")
	page = body(t, res)
	assert.Contains(t, page, `<script src="https://chat.example.com/widget.js" data-site="demo" async></script>`)
	csp = res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self' https://chat.example.com;")
	assert.Contains(t, csp, "style-src 'self' https://chat.example.com;")
	assert.Contains(t, csp, "connect-src 'self' https://chat.example.com ws: wss:;")
}

// TestNoInlineCodeOrHTMLInjection keeps the pages CSP-clean and the
// scripts free of HTML parsing of data.
func TestNoInlineCodeOrHTMLInjection(t *testing.T) {
	root, err := fs.Sub(assets, "assets")
	require.NoError(t, err)
	inlineScript := regexp.MustCompile(`<script(?:[^>](?:[^s]|s[^r]|sr[^c]))*>\s*[^<\s]`)
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		require.NoError(t, err)
		s := string(b)
		switch {
		case strings.HasSuffix(p, ".js"):
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
				assert.NotContains(t, s, bad, p)
			}
		case strings.Contains(p, ".html"):
			assert.NotRegexp(t, inlineScript, s, p)
			assert.NotContains(t, s, "<style", p)
			assert.NotContains(t, s, " style=", p)
			assert.NotRegexp(t, `\son[a-z]+=`, s, p)
		}
		return nil
	})
	require.NoError(t, err)
}

// TestWidgetSizeBudget keeps everything a customer's browser loads for the
// widget under 25 KB gzipped.
func TestWidgetSizeBudget(t *testing.T) {
	h := Handler(Config{})
	var total int
	for _, p := range []string{"/widget.js", "/widget/app.js", "/widget/conn.js", "/widget/i18n.js", "/widget/widget.css"} {
		res := get(t, h, p)
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		require.NoError(t, err)
		_, err = io.Copy(zw, res.Body)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		t.Logf("%s: %d bytes gzipped", p, buf.Len())
		total += buf.Len()
	}
	t.Logf("widget total: %d bytes gzipped", total)
	assert.LessOrEqual(t, total, 25*1024)
}

// TestWidgetImportsAreAllServed checks that every module the widget
// imports is in the size budget list above and served.
func TestWidgetImportsAreAllServed(t *testing.T) {
	h := Handler(Config{})
	imp := regexp.MustCompile(`from '\./([a-z0-9]+\.js)'`)
	for _, p := range []string{"/widget/app.js", "/widget/conn.js", "/widget/i18n.js"} {
		for _, m := range imp.FindAllStringSubmatch(body(t, get(t, h, p)), -1) {
			assert.Contains(t, []string{"app.js", "conn.js", "i18n.js"}, m[1])
			assert.Equal(t, http.StatusOK, get(t, h, "/widget/"+m[1]).StatusCode)
		}
	}
}
