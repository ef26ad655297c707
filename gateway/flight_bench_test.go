package gateway_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/gateway"
)

// BenchmarkTranslatedMessage measures a customer's message from send to
// the agent's screen over real WebSockets, with a provider of fixed latency:
// one that answers within the budget, and one that never does, where the
// original must go out after the budget and not later.
func BenchmarkTranslatedMessage(b *testing.B) {
	for _, tc := range []struct {
		name            string
		latency, budget time.Duration
	}{
		{"provider-5ms-budget-100ms", 5 * time.Millisecond, 100 * time.Millisecond},
		{"provider-500ms-budget-20ms", 500 * time.Millisecond, 20 * time.Millisecond},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, func(c *gateway.Config) {
				c.RatePerSecond, c.RateBurst = 1e6, 1e6
				c.Translation = gateway.Translation{Translator: &dictionary{delay: tc.latency}, Detector: wordsDetector{}, Budget: tc.budget}
			})
			alice := e.agent("s1", "alice")
			cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
			conv := cust.say("", "Hola, mi pedido no llegó").Conv
			alice.expectText("Hola, mi pedido no llegó")
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				text := fmt.Sprintf("hola pedido %d", i)
				cust.send(gateway.Frame{Type: gateway.TypeMessage, ID: text, Conv: conv, Text: text})
				alice.expectText(text)
				cust.backlog, alice.backlog = nil, nil
			}
		})
	}
}
