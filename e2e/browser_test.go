package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath is where Debian (and the CI image) install Chromium.
const chromiumPath = "/usr/bin/chromium"

// waitFor bounds every wait on the browser.
const waitFor = 20 * time.Second

// requireIntegration reports whether missing integration dependencies must
// fail the test instead of skipping it.
func requireIntegration() bool { return os.Getenv("PARLEY_REQUIRE_INTEGRATION") == "1" }

// artifactsDir is where screenshots go: $PARLEY_ARTIFACTS or a temporary
// directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PARLEY_ARTIFACTS"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// newBrowser starts headless Chromium for the test and returns the context
// of its first tab; it is stopped when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if requireIntegration() {
			t.Fatalf("chromium not found at %s (PARLEY_REQUIRE_INTEGRATION=1): %v", chromiumPath, err)
		}
		t.Skipf("chromium not found at %s; install it to run the browser tests: %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "starting chromium")
	return ctx
}

// device is one browser profile (a separate BrowserContext: own storage,
// own cookies), like a second computer.
type device struct {
	t    *testing.T
	ctx  context.Context
	lang string
}

// newDevice opens a fresh browser context whose navigator.languages start
// with acceptLang (e.g. "es-ES,es"), or the browser's default when empty.
func newDevice(t *testing.T, root context.Context, acceptLang string) *device {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	d := &device{t: t, ctx: ctx, lang: acceptLang}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	d.setup(ctx)
	return d
}

// tab is one browser tab of a device.
type tab struct {
	t       *testing.T
	ctx     context.Context
	dialogs *atomic.Int32
}

// first returns the device's first tab.
func (d *device) first() *tab {
	return d.watch(d.ctx)
}

// newTab opens another tab of the device (same storage).
func (d *device) newTab() *tab {
	ctx, cancel := chromedp.NewContext(d.ctx)
	d.t.Cleanup(cancel)
	require.NoError(d.t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	d.setup(ctx)
	return d.watch(ctx)
}

func (d *device) setup(ctx context.Context) {
	if d.lang == "" {
		return
	}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	require.NoError(d.t, err)
	ua := strings.Replace(v.UserAgent, "HeadlessChrome", "Chrome", 1)
	_, err = chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: ua, AcceptLanguage: d.lang,
	})
	require.NoError(d.t, err)
}

// watch counts (and dismisses) every JavaScript dialog the tab opens: an
// alert means injected code ran.
func (d *device) watch(ctx context.Context) *tab {
	n := &atomic.Int32{}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			n.Add(1)
			d.t.Logf("javascript dialog opened: %q", ev.Message)
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, _ = chromedp.Call(c, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			cancel()
		}
	}()
	return &tab{t: d.t, ctx: ctx, dialogs: n}
}

// do runs actions with a bounded wait.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// navigate opens url in the tab.
func (b *tab) navigate(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
}

// eval evaluates a JavaScript expression and decodes its JSON value into v.
func (b *tab) eval(expr string, v any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	require.NoError(b.t, err, "evaluating %s", expr)
	if v != nil {
		require.NoError(b.t, json.Unmarshal(raw, v), "decoding %s", raw)
	}
}

// strings evaluates an expression that yields an array of strings.
func (b *tab) strings(expr string) []string {
	b.t.Helper()
	var out []string
	b.eval(expr, &out)
	return out
}

// text evaluates an expression that yields a string.
func (b *tab) text(expr string) string {
	b.t.Helper()
	var out string
	b.eval(expr, &out)
	return out
}

// waitJS waits until the expression is truthy.
func (b *tab) waitJS(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	var err error
	for range 100 { // bounded by the deadline too
		_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingTimeout(waitFor), chromedp.WithPollingInterval(50*time.Millisecond)))
		// A page that is still settling can swap its JavaScript context
		// under a poll; poll again in the new one.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		var state string
		c2, cancel2 := context.WithTimeout(b.ctx, 5*time.Second)
		state, _ = chromedp.Run(c2, chromedp.Evaluate[string](`document.title + " | " + (document.querySelector('parley-widget')?.shadowRoot?.textContent || document.body.innerText).slice(0, 2000)`))
		cancel2()
		b.t.Fatalf("waiting for %s: %v\npage: %s", what, err, state)
	}
}

// typeText types keys into the focused element, as a person would; a
// trailing "\r" presses Enter.
func (b *tab) typeText(keys string) {
	b.t.Helper()
	text, enter := strings.CutSuffix(keys, "\r")
	if text != "" {
		b.do(chromedp.KeyEvent(text))
	}
	if enter {
		b.do(pressEnter)
	}
}

// pressEnter presses Enter the way a browser delivers it to a page that
// handles it on keydown: KeyEvent("\r") would add a char event that inserts
// a line break although keydown was canceled.
var pressEnter chromedp.Action[chromedp.Void] = func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return chromedp.Void{}, err
		}
	}
	return chromedp.Void{}, nil
}

// screenshot saves a PNG of the tab's viewport as name in dir.
func (b *tab) screenshot(dir, name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err)
	p := filepath.Join(dir, name)
	require.NoError(b.t, os.WriteFile(p, png, 0o644))
	b.t.Logf("screenshot: %s", p)
	return p
}

// recordCSPViolations makes every page the tab loads from now on collect
// its Content-Security-Policy violations in window.__csp.
func (b *tab) recordCSPViolations() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`})
	require.NoError(b.t, err)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsf formats a JavaScript expression with %s arguments quoted by js.
func jsf(format string, args ...string) string {
	q := make([]any, len(args))
	for i, a := range args {
		q[i] = js(a)
	}
	return fmt.Sprintf(format, q...)
}
