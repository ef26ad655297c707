package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// TestWidgetKeyboardAndPhone checks focus handling, Escape, and the
// full-screen panel on a phone-sized screen.
func TestWidgetKeyboardAndPhone(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)
	cu := customer{newDevice(t, root, "").first()}
	cu.load(e.shopURL())

	// Keyboard: Enter on the focused launcher opens the panel and moves the
	// focus into it; Escape closes it and gives the focus back.
	cu.eval(W+`.querySelector('.launcher').focus(), true`, nil)
	cu.do(chromedp.KeyEvent("\r")) // a full key press: keydown, keypress, keyup
	cu.waitJS("the panel to open", `!`+W+`.querySelector('.panel').hidden`)
	assert.Equal(t, "name", cu.text(W+`.activeElement && `+W+`.activeElement.name`))
	assert.Equal(t, "dialog", cu.text(W+`.querySelector('.panel').getAttribute('role')`))
	assert.Equal(t, "polite", cu.text(W+`.querySelector('.log').getAttribute('aria-live')`))
	cu.do(chromedp.KeyEvent("\x1b")) // Escape
	cu.waitJS("the panel to close", W+`.querySelector('.panel').hidden`)
	assert.Equal(t, "launcher", cu.text(W+`.activeElement && `+W+`.activeElement.className`))

	// The page's styles do not reach into the widget.
	cu.eval(`(() => { const s = document.createElement('style'); s.textContent = 'button { background: red !important; } .launcher { display: none !important; }'; document.head.append(s); return true })()`, nil)
	assert.Equal(t, "rgb(59, 91, 219)", cu.text(`getComputedStyle(`+W+`.querySelector('.launcher')).backgroundColor`))

	// Phone: the open panel fills the screen.
	ctx, cancel := context.WithTimeout(cu.ctx, waitFor)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.EmulateViewport(375, 667, chromedp.EmulateMobile))
	assert.NoError(t, err)
	cu.open()
	var size []float64
	cu.eval(`(() => { const r = `+W+`.querySelector('.panel').getBoundingClientRect(); return [r.width, r.height, innerWidth, innerHeight] })()`, &size)
	if assert.Len(t, size, 4) {
		assert.Equal(t, size[2], size[0], "panel width")
		assert.Equal(t, size[3], size[1], "panel height")
	}
}

// TestQueuedCallsAndEvents calls window.Parley before the widget has loaded:
// the calls run once it has, the panel they open gets the focus, and
// handlers see messages.
func TestQueuedCallsAndEvents(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)
	ag := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret)

	cu := customer{newDevice(t, root, "").first()}
	cu.navigate(e.shopURL() + "?stub=1")
	cu.waitJS("the queued open() to run", widgetShown+` && !`+W+`.querySelector('.panel').hidden`)
	// Opened while still hidden, the panel takes the focus once shown.
	assert.Equal(t, "name", cu.text(W+`.activeElement && `+W+`.activeElement.name`))
	cu.eval(W+`.querySelector('.prechat .link').click(), true`, nil) // skip the form
	cu.send("Queued calls work")
	ag.waitText("Queued calls work")
	ag.reply("Indeed they do")
	cu.waitText("Indeed they do")
	cu.waitJS("the message events", `window.__events.includes('message:Indeed they do')`)
	events := cu.strings(`window.__events`)
	assert.Equal(t, "open", events[0])
	assert.Contains(t, events, "message:Queued calls work")
}

// TestTransfer hands a chat to another agent, who picks it up with its
// history; the customer sees the change.
func TestTransfer(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)
	// Maria signs in first (the gateway sends the agent list in welcome)
	// and is away, so the chat goes to the demo agent first.
	maria := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	maria.signIn(siteKey, "maria", "maria-secret")
	maria.setStatus("away")
	demo := agent{tab: newDevice(t, root, "").first(), gw: e.gatewayURL()}
	demo.signIn(siteKey, agentID, agentSecret)

	cu := customer{newDevice(t, root, "").first()}
	cu.load(e.shopURL())
	cu.open()
	cu.fillPrechat("Dana", "")
	cu.send("I need someone who knows returns")
	demo.waitText("I need someone who knows returns")
	demo.reply("Maria handles returns, one moment")
	cu.waitText("Maria handles returns, one moment")

	demo.waitJS("Maria in the transfer list", pane+`.querySelector('select option[value="maria"]') !== null`)
	demo.eval(`(() => { const p = `+pane+`; p.querySelector('select').value = 'maria'; [...p.querySelectorAll('button')].find(b => b.textContent === 'Transfer').click(); return true })()`, nil)
	demo.waitJS("the chat to leave the demo agent", `document.querySelectorAll('#chats li').length === 0`)

	maria.selectChat("Dana")
	maria.waitText("I need someone who knows returns")
	maria.waitText("Maria handles returns, one moment")
	maria.reply("Hi Dana, Maria here")
	cu.waitText("Hi Dana, Maria here")
	cu.waitJS("Maria's name in the header", W+`.querySelector('.sub').textContent === 'Maria'`)
	assert.Equal(t, []string{"I need someone who knows returns", "Maria handles returns, one moment", "Hi Dana, Maria here"}, cu.texts())
}
