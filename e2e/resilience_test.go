package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGatewayRestart restarts the gateway mid-chat: a message written while
// it is down is sent once it is back, and nothing is lost or doubled.
func TestGatewayRestart(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)

	ag := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret) // online: chats are assigned at once

	cu := customer{newDevice(t, root, "en-US,en").first()}
	cu.load(e.shopURL())
	cu.open()
	cu.fillPrechat("Ben", "")
	cu.send("Before the restart")
	ag.waitText("Before the restart")
	ag.reply("Got it")
	cu.waitText("Got it")

	e.stop()
	cu.waitJS("the reconnecting banner", `!`+W+`.querySelector('.banner').hidden`)
	cu.send("While the gateway is down")
	cu.waitText("While the gateway is down")
	assert.Equal(t, "sending", cu.text(W+`.querySelector('.row.mine:last-of-type').dataset.state`))

	e.restart()
	cu.waitJS("the widget to reconnect", W+`.querySelector('.banner').hidden`)
	cu.waitJS("the queued message to be acknowledged", `[...`+W+`.querySelectorAll('.row.mine')].every(r => r.dataset.state !== 'sending')`)
	ag.waitText("While the gateway is down")
	ag.reply("After the restart")
	cu.waitText("After the restart")

	want := []string{"Before the restart", "Got it", "While the gateway is down", "After the restart"}
	assert.Equal(t, want, cu.texts())
	assert.Equal(t, want, ag.texts())

	// A reload after all that still shows each message once.
	cu.load(e.shopURL())
	cu.open()
	cu.waitText("After the restart")
	assert.Equal(t, want, cu.texts())
}

// TestNoScriptInjection sends markup both ways: it shows as literal text and
// nothing runs.
func TestNoScriptInjection(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)
	payloads := []string{`<img src=x onerror=alert(1)>`, `<script>alert(1)</script>`}

	ag := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret)

	cu := customer{newDevice(t, root, "en-US,en").first()}
	cu.load(e.shopURL())
	cu.open()
	cu.fillPrechat(`<img src=x onerror=alert(2)>`, "")
	var want []string
	for _, p := range payloads {
		// The reply differs from the message, so that waiting for it
		// cannot stop at the customer's own copy.
		back := p + " back"
		cu.send(p)
		ag.waitText(p)
		ag.reply(back)
		cu.waitText(back)
		want = append(want, p, back)
	}
	assert.Equal(t, want, cu.texts())
	assert.Equal(t, want, ag.texts())

	// No element was created from the payloads, and no dialog opened.
	assert.Equal(t, "0", cu.text(`String(`+W+`.querySelectorAll('.log img, .log script').length)`))
	assert.Equal(t, "0", ag.text(`String(document.querySelectorAll('#chats img, .chat img, .chat script, #queue img').length)`))
	assert.Equal(t, `<img src=x onerror=alert(2)>`, ag.text(`document.querySelector('#chats li .name').textContent`))
	assert.Zero(t, cu.dialogs.Load(), "a dialog opened in the widget")
	assert.Zero(t, ag.dialogs.Load(), "a dialog opened in the console")
}

// TestConsoleHeaders checks the console's CSP and that signing in sets no
// cookie anywhere.
func TestConsoleHeaders(t *testing.T) {
	e := newEnv(t)
	res, err := http.Get(e.gatewayURL() + "/console")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	csp := res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "script-src 'self';")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.Empty(t, res.Cookies())

	root := newBrowser(t)
	ag := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	ag.recordCSPViolations()
	ag.signIn(siteKey, agentID, agentSecret)
	// The console works under its CSP, and keeps its session in
	// sessionStorage, not in a cookie.
	assert.Empty(t, ag.strings(`window.__csp`), "CSP violations in the console")
	assert.Equal(t, "", ag.text(`document.cookie`))
	assert.NotEmpty(t, ag.text(`JSON.parse(sessionStorage.getItem('parley-console')).token`))

	// A reload signs back in from sessionStorage.
	ag.navigate(e.gatewayURL() + "/console")
	ag.waitJS("the console to sign back in", `!document.getElementById('app').hidden`)
	assert.Equal(t, "", ag.text(`document.cookie`))
	assert.Empty(t, ag.strings(`window.__csp`), "CSP violations in the console")

	// The demo page, under its own strict CSP, loads and runs the widget.
	demo := customer{newDevice(t, root, "").first()}
	demo.recordCSPViolations()
	demo.load(e.gatewayURL() + "/demo")
	demo.open()
	demo.eval(W+`.querySelector('.prechat .link').click(), true`, nil)
	demo.send("Hello from the demo page")
	ag.waitText("Hello from the demo page")
	assert.Empty(t, demo.strings(`window.__csp`), "CSP violations on the demo page")

	// A wrong secret shows an error.
	bad := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	bad.navigate(e.gatewayURL() + "/console")
	bad.eval(`(() => { const f = document.getElementById('signin-form'); f.site.value = 'demo'; f.agent.value = 'demo'; f.secret.value = 'wrong'; f.requestSubmit(); return true })()`, nil)
	bad.waitJS("the sign-in error", `!document.getElementById('signin-error').hidden`)
}
