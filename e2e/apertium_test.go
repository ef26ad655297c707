package e2e

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate"
	"github.com/parley-chat/parley/translate/translatetest"
)

// TestChatTranslatedByApertium runs a Spanish customer and an English agent
// through a real Apertium APY: each browser shows what the provider made
// of the other side's words, with the original at hand.
func TestChatTranslatedByApertium(t *testing.T) {
	apy := translatetest.StartAPY(t) // skips without apertium-apy, fails under PARLEY_REQUIRE_INTEGRATION=1
	tr, err := translate.New(translate.Config{Provider: "apertium", Apertium: translate.ApertiumConfig{URL: apy}},
		session.NewMemory(session.MemoryConfig{}), slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	expect := func(text, from, to string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := tr.Translate(ctx, text, from, to)
		require.NoError(t, err)
		require.NotEqual(t, text, out, "Apertium translated %q", text)
		return out
	}
	question := "Necesito ayuda con mi pedido, por favor."
	answer := "Thank you, I will check your order now."
	wantEN, wantES := expect(question, "es", "en"), expect(answer, "en", "es")

	e := newEnv(t, func(c *gateway.Config) {
		c.Translation = gateway.Translation{Translator: tr, Budget: 3 * time.Second}
	})
	root := newBrowser(t)
	ag := agent{tab: newDevice(t, root, "en-US,en").first(), gw: e.gatewayURL()}
	ag.signIn(siteKey, agentID, agentSecret)

	es := customer{newDevice(t, root, "es-ES,es").first()}
	es.load(e.gatewayURL() + "/demo")
	es.open()
	es.fillPrechat("Lucía", "lucia@example.com")
	es.send(question)

	ag.waitText(wantEN)
	ag.waitInPane(question) // the original beside the translation
	ag.reply(answer)
	es.waitText(wantES)
	es.waitInLog("Traducido del inglés")
}
