package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
)

// phrasebook is a translator for the browser tests: a fixed table of
// phrases, so that what the browsers must show is known exactly. Phrases in
// slow take longer than the gateway's budget, so they go out pending and the
// translation follows in a translation frame.
type phrasebook struct {
	table map[string]string // "from>to:text" -> translation
	slow  map[string]bool
}

func (p phrasebook) Translate(ctx context.Context, text, from, to string) (string, error) {
	key := base(from) + ">" + base(to) + ":" + text
	if p.slow[key] {
		select {
		case <-time.After(800 * time.Millisecond):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if tr, ok := p.table[key]; ok {
		return tr, nil
	}
	return text, nil
}

func base(tag string) string {
	b, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return b
}

var book = phrasebook{
	table: map[string]string{
		"es>en:Hola, mi pedido no llegó. ¿Me pueden ayudar?":     "Hello, my order did not arrive. Can you help me?",
		"en>es:Sorry to hear that! Let me check your order.":     "¡Lamento oír eso! Déjame revisar tu pedido.",
		"es>en:Gracias, es el pedido 1042.":                      "Thanks, it is order 1042.",
		"en>es:Found it: it ships tomorrow morning.":             "Lo encontré: se envía mañana por la mañana.",
		"en>es:One moment, please.":                              "Un momento, por favor.",
		"de>en:Hallo! Kann ich meine Lieferadresse noch ändern?": "Hello! Can I still change my delivery address?",
		"en>de:Of course. Which address should we use?":          "Natürlich. Welche Adresse sollen wir verwenden?",
		"es>en:¡Muchas gracias!":                                 "Thank you very much!",
	},
	slow: map[string]bool{"en>es:One moment, please.": true},
}

// TestTranslatedChat has a Spanish customer and a German customer talk to
// an English agent: each reads the other's messages in their own language,
// with the original at hand. It also writes the screenshots of the docs.
func TestTranslatedChat(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) {
		c.Translation = gateway.Translation{Translator: book, Budget: 300 * time.Millisecond}
	})
	root := newBrowser(t)
	dir := artifactsDir(t)

	ag := agent{tab: newDevice(t, root, "en-US,en").first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret)

	// The Spanish customer writes from the gateway's own demo shop page.
	es := customer{newDevice(t, root, "es-ES,es").first()}
	es.load(e.gatewayURL() + "/demo")
	es.open()
	es.fillPrechat("Lucía", "lucia@example.com")
	assert.Equal(t, "Chatea con nosotros", es.text(W+`.querySelector('h2').textContent`))
	es.send("Hola, mi pedido no llegó. ¿Me pueden ayudar?")

	ag.waitText("Hello, my order did not arrive. Can you help me?")
	ag.waitInPane("Original (es")
	ag.waitInPane("Hola, mi pedido no llegó. ¿Me pueden ayudar?")

	ag.reply("Sorry to hear that! Let me check your order.")
	ag.waitInPane("Customer reads (es")
	es.waitText("¡Lamento oír eso! Déjame revisar tu pedido.")
	es.waitInLog("Traducido del inglés")

	// Show original, and back.
	es.eval(W+`.querySelector('.row.theirs:not(.greet) .link').click(), true`, nil)
	es.waitText("Sorry to hear that! Let me check your order.")
	es.eval(W+`.querySelector('.row.theirs:not(.greet) .link').click(), true`, nil)
	es.waitText("¡Lamento oír eso! Déjame revisar tu pedido.")

	// A translation that misses the budget arrives after the original.
	ag.reply("One moment, please.")
	es.waitText("Un momento, por favor.")

	es.send("Gracias, es el pedido 1042.")
	ag.waitText("Thanks, it is order 1042.")
	ag.reply("Found it: it ships tomorrow morning.")
	es.waitText("Lo encontré: se envía mañana por la mañana.")

	assert.Equal(t, []string{
		"Hola, mi pedido no llegó. ¿Me pueden ayudar?",
		"¡Lamento oír eso! Déjame revisar tu pedido.",
		"Un momento, por favor.",
		"Gracias, es el pedido 1042.",
		"Lo encontré: se envía mañana por la mañana.",
	}, es.texts())
	assert.Equal(t, []string{
		"Hello, my order did not arrive. Can you help me?",
		"Sorry to hear that! Let me check your order.",
		"One moment, please.",
		"Thanks, it is order 1042.",
		"Found it: it ships tomorrow morning.",
	}, ag.texts())

	// A German customer on the test shop: a second chat for the agent.
	de := customer{newDevice(t, root, "de-DE,de").first()}
	de.load(e.shopURL())
	de.open()
	de.fillPrechat("Jonas", "")
	de.send("Hallo! Kann ich meine Lieferadresse noch ändern?")
	ag.waitJS("the second chat", `document.querySelectorAll('#chats li').length === 2`)
	ag.waitJS("an unread badge", `[...document.querySelectorAll('#chats .badge')].some(b => !b.hidden && b.textContent === '1')`)
	ag.waitJS("the title count", `document.title === '(1) Parley console'`)
	ag.selectChat("Jonas")
	ag.waitText("Hello! Can I still change my delivery address?")
	ag.waitJS("the title count to clear", `document.title === 'Parley console'`)
	ag.reply("Of course. Which address should we use?")
	de.waitText("Natürlich. Welche Adresse sollen wir verwenden?")

	// Screenshots: the widget open with the Spanish conversation, and the
	// console with both chats, the Spanish one showing.
	ag.selectChat("Lucía")
	ag.waitText("Thanks, it is order 1042.")
	es.focusInput()
	es.typeText("¿Puedo")
	ag.waitJS("the typing indicator", `!`+pane+`.querySelector('.typing').hidden`)
	es.eval(`document.activeElement && document.activeElement.blur(), true`, nil)
	widgetPNG := es.screenshot(dir, "widget.png")
	consolePNG := ag.screenshot(dir, "console.png")
	if os.Getenv("PARLEY_UPDATE_SCREENSHOTS") == "1" {
		copyFile(t, widgetPNG, filepath.Join("..", "docs", "screenshot-widget.png"))
		copyFile(t, consolePNG, filepath.Join("..", "docs", "screenshot-console.png"))
	}

	es.eval(W+`.querySelector('textarea').value = '', true`, nil) // drop the draft

	// With translation off, the agent reads the customer's own words.
	ag.eval(pane+`.querySelector('input[type="checkbox"]').click(), true`, nil)
	ag.waitJS("the originals", `![...`+pane+`.querySelectorAll('.text')].some(e => e.textContent === 'Thanks, it is order 1042.')`)
	ag.waitText("Gracias, es el pedido 1042.")
	es.send("¡Muchas gracias!")
	ag.waitText("¡Muchas gracias!")
	assert.NotContains(t, ag.texts(), "Thank you very much!")

	assert.Zero(t, es.dialogs.Load()+de.dialogs.Load()+ag.dialogs.Load())
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}
