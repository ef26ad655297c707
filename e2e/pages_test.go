package e2e

import (
	"github.com/chromedp/chromedp"
)

// W is the widget's shadow root in page expressions.
const W = `document.querySelector('parley-widget').shadowRoot`

// widgetShown is true once the widget is on the page and shown: it stays
// hidden, and cannot take the focus, until its styles have loaded.
const widgetShown = `!!(window.Parley && window.Parley.ready && document.querySelector('parley-widget') && !document.querySelector('parley-widget').hidden)`

// customer drives the widget on the customer site.
type customer struct{ *tab }

// load opens the page and waits for the widget to be ready.
func (c customer) load(url string) {
	c.t.Helper()
	c.navigate(url)
	c.waitJS("the widget to load", widgetShown)
}

// open opens the chat panel.
func (c customer) open() {
	c.t.Helper()
	c.eval(`window.Parley.open(), true`, nil)
	c.waitJS("the panel to open", W+`.querySelector('.panel') && !`+W+`.querySelector('.panel').hidden`)
}

// fillPrechat answers the optional pre-chat form.
func (c customer) fillPrechat(name, email string) {
	c.t.Helper()
	c.waitJS("the pre-chat form", `!`+W+`.querySelector('.prechat').hidden`)
	c.eval(jsf(`(() => { const f = `+W+`.querySelector('.prechat'); f.name.value = %s; f.email.value = %s; f.requestSubmit(); return true })()`, name, email), nil)
	c.waitJS("the composer", `!`+W+`.querySelector('.composer').hidden`)
}

// send types a message and presses Enter.
func (c customer) send(text string) {
	c.t.Helper()
	c.focusInput()
	c.typeText(text)
	c.typeText("\r")
}

// focusInput puts the keyboard focus in the message box, waiting until it
// can take it: keys typed before then would go to the page.
func (c customer) focusInput() {
	c.t.Helper()
	c.waitJS("the message box to take the focus", `(() => { const i = `+W+`.querySelector('textarea'); i.focus(); return `+W+`.activeElement === i })()`)
}

// texts returns the text of every chat message shown, in order.
func (c customer) texts() []string {
	c.t.Helper()
	return c.strings(`[...` + W + `.querySelectorAll('.log .row:not(.greet) .text')].map(e => e.textContent)`)
}

// waitText waits until a message with exactly this text is shown.
func (c customer) waitText(text string) {
	c.t.Helper()
	c.waitJS("the widget to show "+js(text), jsf(`[...`+W+`.querySelectorAll('.log .row .text')].some(e => e.textContent === %s)`, text))
}

// waitInLog waits until the log (messages and events) contains text.
func (c customer) waitInLog(text string) {
	c.t.Helper()
	c.waitJS("the widget log to contain "+js(text), jsf(W+`.querySelector('.log').textContent.includes(%s)`, text))
}

// agent drives the agent console.
type agent struct {
	*tab
	gw string
}

// signIn opens the console and signs in.
func (a agent) signIn(site, id, secret string) {
	a.t.Helper()
	a.navigate(a.gw + "/console")
	a.do(
		chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.CSS(`#signin-form input[name="site"]`), site),
		chromedp.SendKeys(chromedp.CSS(`#signin-form input[name="agent"]`), id),
		chromedp.SendKeys(chromedp.CSS(`#signin-form input[name="secret"]`), secret),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
	)
	a.waitJS("the console to sign in", `!document.getElementById('app').hidden`)
}

// setStatus switches availability (online or away).
func (a agent) setStatus(status string) {
	a.t.Helper()
	a.eval(jsf(`(() => { const s = document.getElementById('status'); s.value = %s; s.dispatchEvent(new Event('change')); return true })()`, status), nil)
}

// accept accepts the queued chat whose preview contains text.
func (a agent) accept(preview string) {
	a.t.Helper()
	sel := jsf(`[...document.querySelectorAll('#queue li')].find(li => li.textContent.includes(%s))`, preview)
	a.waitJS("the queue to show "+js(preview), "!!"+sel)
	a.eval(sel+`.querySelector('button').click(), true`, nil)
	a.waitJS("the chat to open", `!!document.querySelector('.chat:not([hidden])')`)
}

// pane is the expression of the visible chat pane.
const pane = `document.querySelector('.chat:not([hidden])')`

// selectChat switches to the chat whose tab contains name.
func (a agent) selectChat(name string) {
	a.t.Helper()
	sel := jsf(`[...document.querySelectorAll('#chats li')].find(li => li.textContent.includes(%s))`, name)
	a.waitJS("a chat with "+name, "!!"+sel)
	a.eval(sel+`.click(), true`, nil)
}

// reply types a message into the visible chat and presses Enter.
func (a agent) reply(text string) {
	a.t.Helper()
	a.focusInput()
	a.typeText(text)
	a.typeText("\r")
}

// focusInput puts the keyboard focus in the visible chat's reply box.
func (a agent) focusInput() {
	a.t.Helper()
	a.eval(pane+`.querySelector('textarea').focus(), true`, nil)
}

// texts returns the messages of the visible chat, as shown.
func (a agent) texts() []string {
	a.t.Helper()
	return a.strings(`[...` + pane + `.querySelectorAll('.log .row .text')].map(e => e.textContent)`)
}

// waitText waits until the visible chat shows a message with exactly text.
func (a agent) waitText(text string) {
	a.t.Helper()
	a.waitJS("the console to show "+js(text), jsf(`!!`+pane+` && [...`+pane+`.querySelectorAll('.log .row .text')].some(e => e.textContent === %s)`, text))
}

// waitInPane waits until the visible chat contains text anywhere.
func (a agent) waitInPane(text string) {
	a.t.Helper()
	a.waitJS("the chat pane to contain "+js(text), jsf(`!!`+pane+` && `+pane+`.textContent.includes(%s)`, text))
}
