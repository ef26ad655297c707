package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIdentity continues a logged-in user's conversation on another device,
// and refuses a forged identity with a visible error.
func TestIdentity(t *testing.T) {
	e := newEnv(t)
	root := newBrowser(t)
	identify := func(c customer, id, hash string) {
		c.eval(jsf(`window.Parley.identify({id: %s, name: 'Chloé', email: 'chloe@example.com', hash: %s}), true`, id, hash), nil)
	}

	laptop := customer{newDevice(t, root, "fr-FR,fr").first()}
	laptop.load(e.shopURL())
	identify(laptop, "u-42", identityHash("u-42"))
	laptop.open()
	laptop.waitJS("no pre-chat form for a known user", W+`.querySelector('.prechat').hidden && !`+W+`.querySelector('.composer').hidden`)
	laptop.send("Written on my laptop")
	laptop.waitJS("the message to be acknowledged", W+`.querySelector('.row.mine').dataset.state !== 'sending'`)

	phone := customer{newDevice(t, root, "fr-FR,fr").first()}
	phone.load(e.shopURL())
	identify(phone, "u-42", identityHash("u-42"))
	phone.open()
	phone.waitText("Written on my laptop")
	phone.send("And now on my phone")
	laptop.waitText("And now on my phone")
	assert.Equal(t, []string{"Written on my laptop", "And now on my phone"}, phone.texts())
	assert.Equal(t, []string{"Written on my laptop", "And now on my phone"}, laptop.texts())

	forger := customer{newDevice(t, root, "").first()}
	forger.load(e.shopURL())
	var errors []string
	forger.eval(`(window.__errs = [], window.Parley.on('error', e => window.__errs.push(e.code)), true)`, nil)
	identify(forger, "u-42", identityHash("u-43"))
	forger.open()
	forger.waitJS("the identity error", `!`+W+`.querySelector('.error').hidden`)
	assert.Contains(t, forger.text(W+`.querySelector('.error').textContent`), "could not verify")
	forger.eval(`window.__errs`, &errors)
	assert.Contains(t, errors, "unauthorized")
	assert.Empty(t, forger.texts(), "a forged identity sees nothing")
}
