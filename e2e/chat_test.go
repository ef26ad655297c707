package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChat walks one support chat through the real widget and console: the
// queue, accepting, answers both ways, typing and read receipts, a reload,
// a second tab, and closing.
func TestChat(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)

	agentDev := newDevice(t, root, "")
	ag := agent{tab: agentDev.first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret)
	ag.setStatus("away") // so the chat waits in the queue to be accepted

	custDev := newDevice(t, root, "en-US,en")
	cu := customer{custDev.first()}
	cu.load(e.shopURL())
	cu.open()
	cu.fillPrechat("Ana", "ana@example.com")
	cu.send("Hello, my order has not arrived")
	cu.waitText("Hello, my order has not arrived")
	cu.waitJS("the message to be acknowledged", W+`.querySelector('.row.mine').dataset.state === 'sent' || `+W+`.querySelector('.row.mine').dataset.state === 'read'`)
	cu.waitJS("the queue position", W+`.querySelector('.info').textContent.includes('in line')`)

	ag.accept("my order has not arrived")
	ag.waitText("Hello, my order has not arrived")
	cu.waitInLog("joined")
	cu.waitJS("the customer's message to be read", W+`.querySelector('.row.mine').dataset.state === 'read'`)

	// Typing, both ways.
	ag.focusInput()
	ag.typeText("Let me")
	cu.waitJS("the agent's typing indicator", `!`+W+`.querySelector('.typing').hidden && `+W+`.querySelector('.typing').textContent.includes('Demo Agent is typing')`)
	ag.typeText(" check that for you.\r")
	cu.waitText("Let me check that for you.")
	cu.waitJS("the typing indicator to go", W+`.querySelector('.typing').hidden`)

	cu.focusInput()
	cu.typeText("Thank")
	ag.waitJS("the customer's typing indicator", `!`+pane+`.querySelector('.typing').hidden`)
	cu.typeText("s!\r")
	ag.waitText("Thanks!")

	want := []string{"Hello, my order has not arrived", "Let me check that for you.", "Thanks!"}
	assert.Equal(t, want, cu.texts())
	assert.Equal(t, want, ag.texts())

	// A reload shows the same history, each message once.
	cu.load(e.shopURL())
	cu.open()
	cu.waitText("Thanks!")
	cu.waitInLog("joined")
	assert.Equal(t, want, cu.texts())

	// A second tab continues the same conversation, live in both.
	tab2 := customer{custDev.newTab()}
	tab2.load(e.shopURL())
	tab2.open()
	tab2.waitText("Thanks!")
	assert.Equal(t, want, tab2.texts())
	ag.reply("Your parcel arrives tomorrow.")
	cu.waitText("Your parcel arrives tomorrow.")
	tab2.waitText("Your parcel arrives tomorrow.")
	tab2.send("Great, from my second tab")
	cu.waitText("Great, from my second tab")
	ag.waitText("Great, from my second tab")
	want = append(want, "Your parcel arrives tomorrow.", "Great, from my second tab")
	assert.Equal(t, want, cu.texts())
	assert.Equal(t, want, tab2.texts())
	assert.Equal(t, want, ag.texts())

	// The agent's title counts nothing unread while the chat is open.
	assert.Equal(t, "Parley console", ag.text(`document.title`))

	// Closing ends the chat in the widget, with a way to start again.
	ag.eval(pane+`.querySelector('.danger').click(), true`, nil)
	cu.waitJS("the closed notice", `!`+W+`.querySelector('.ended').hidden`)
	require.True(t, tab2.text(W+`.querySelector('.composer').hidden ? 'hidden' : 'shown'`) == "hidden" ||
		tab2.text(W+`.querySelector('.ended').hidden ? 'open' : 'ended'`) == "ended")
	cu.eval(W+`.querySelector('.ended button').click(), true`, nil)
	cu.waitJS("a fresh conversation", W+`.querySelectorAll('.log .row:not(.greet)').length === 0`)
	cu.send("A new question")
	ag.setStatus("online")
	ag.selectChat("Ana")
	ag.waitJS("the new chat", `[...document.querySelectorAll('.chat .log .row .text')].some(e => e.textContent === 'A new question')`)

	assert.Zero(t, cu.dialogs.Load())
	assert.Zero(t, ag.dialogs.Load())
}
