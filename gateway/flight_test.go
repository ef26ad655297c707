package gateway_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// dictionary is a translator with a fixed latency that knows a few
// sentences; it stands for a provider, whose real clients are tested in the
// translate package.
type dictionary struct {
	delay time.Duration
	fail  bool
	calls atomic.Int64
}

var phrases = map[string]string{
	"es>en:hola, mi pedido no llegó":           "hello, my order did not arrive",
	"en>es:sorry, let me check your order now": "lo siento, déjame revisar tu pedido ahora",
}

func (d *dictionary) Translate(ctx context.Context, text, from, to string) (string, error) {
	d.calls.Add(1)
	select {
	case <-time.After(d.delay):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if d.fail {
		return "", errors.New("provider down")
	}
	if out, ok := phrases[from+">"+to+":"+strings.ToLower(text)]; ok {
		return out, nil
	}
	return "", errors.New("unknown phrase")
}

// wordsDetector tells Spanish from English by a few words.
type wordsDetector struct{}

func (wordsDetector) Detect(text string) (string, bool) {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "hola") || strings.Contains(t, "pedido"):
		return "es", true
	case strings.Contains(t, "sorry") || strings.Contains(t, "order"):
		return "en", true
	}
	return "", false
}

func translatingEnv(t *testing.T, d *dictionary, budget time.Duration) *env {
	return newEnv(t, func(c *gateway.Config) {
		c.Translation = gateway.Translation{Translator: d, Detector: wordsDetector{}, Budget: budget}
	})
}

func TestMessagesArriveTranslatedBothWays(t *testing.T) {
	d := &dictionary{delay: 5 * time.Millisecond}
	e := translatingEnv(t, d, time.Second)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es-ES", "es"}})
	conv := cust.say("", "Hola, mi pedido no llegó").Conv

	in := alice.expectText("Hola, mi pedido no llegó")
	assert.Equal(t, "es", in.Message.Lang)
	assert.Equal(t, "hello, my order did not arrive", in.Message.Translations["en"])
	assert.False(t, in.Pending)

	mine := alice.say(conv, "Sorry, let me check your order now")
	out := cust.expectText("Sorry, let me check your order now")
	assert.Equal(t, "en", out.Message.Lang)
	assert.Equal(t, "lo siento, déjame revisar tu pedido ahora", out.Message.Translations["es"])
	// The agent sees what the customer reads: the ack carries the message
	// with its translation, and stands for its echo.
	require.NotNil(t, mine.Message)
	assert.Equal(t, out.Message.Translations, mine.Message.Translations)
	_, echoed := alice.find(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Seq == mine.Seq }, 100*time.Millisecond)
	assert.False(t, echoed, "the sender gets its message once, in the ack")

	hist, err := e.store.History(context.Background(), conv, 0, 0)
	require.NoError(t, err)
	var stored []session.Message
	for _, m := range hist {
		if m.Kind == session.KindText {
			stored = append(stored, m)
		}
	}
	require.Len(t, stored, 2)
	assert.Equal(t, "hello, my order did not arrive", stored[0].Translations["en"], "history keeps translations")
}

func TestSlowProviderNeverHoldsTheOriginalPastTheBudget(t *testing.T) {
	d := &dictionary{delay: 400 * time.Millisecond}
	e := translatingEnv(t, d, 50*time.Millisecond)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
	conv := cust.say("", "Hola, mi pedido no llegó").Conv
	in := alice.expectText("Hola, mi pedido no llegó")
	assert.Empty(t, in.Message.Translations, "the original goes out before its translation")
	late := alice.expect(gateway.TypeTranslation, func(f gateway.Frame) bool { return f.Seq == in.Seq })

	// Live, the original is marked pending.
	ack := alice.say(conv, "Sorry, let me check your order now")
	assert.Empty(t, ack.Message.Translations)
	out := cust.expectText("Sorry, let me check your order now")
	assert.True(t, out.Pending, "the original goes out marked pending")
	cust.expect(gateway.TypeTranslation, func(f gateway.Frame) bool { return f.Seq == out.Seq && f.Lang == "es" })
	assert.Equal(t, conv, late.Conv)
	assert.Equal(t, "en", late.Lang)
	assert.Equal(t, "hello, my order did not arrive", late.Text)

	require.Eventually(t, func() bool {
		hist, err := e.store.History(context.Background(), conv, in.Seq-1, 1)
		return err == nil && len(hist) == 1 && hist[0].Translations["en"] != ""
	}, wait, 10*time.Millisecond, "the late translation is stored for resume")
}

func TestDeadProviderLeavesTheOriginal(t *testing.T) {
	d := &dictionary{fail: true}
	e := translatingEnv(t, d, time.Second)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
	cust.say("", "Hola, mi pedido no llegó")
	in := alice.expectText("Hola, mi pedido no llegó")
	assert.Empty(t, in.Message.Translations)
	assert.False(t, in.Pending)
}

func TestSameLanguageIsNotTranslated(t *testing.T) {
	d := &dictionary{}
	e := translatingEnv(t, d, time.Second)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"en"}})
	conv := cust.say("", "Sorry, where is my order").Conv
	alice.expectText("Sorry, where is my order")
	calls := d.calls.Load() // into Spanish, for maria, while it waited
	alice.say(conv, "Sorry, checking your order")
	cust.expectText("Sorry, checking your order")
	assert.Equal(t, calls, d.calls.Load(), "English to English asks no provider")
}

func TestAgentCanSwitchTranslationOff(t *testing.T) {
	d := &dictionary{}
	e := translatingEnv(t, d, time.Second)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
	conv := cust.say("", "Hola, mi pedido no llegó").Conv
	alice.expectText("Hola, mi pedido no llegó")
	alice.send(gateway.Frame{Type: gateway.TypeTranslate, ID: "off", Conv: conv, Enabled: ptr(false)})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "off" })
	calls := d.calls.Load()
	alice.say(conv, "Sorry, let me check your order now")
	out := cust.expectText("Sorry, let me check your order now")
	assert.Empty(t, out.Message.Translations)
	assert.Equal(t, calls, d.calls.Load())
}

func TestSpanishCustomerGoesToTheSpanishSpeakingAgent(t *testing.T) {
	e := translatingEnv(t, &dictionary{}, time.Second)
	alice := e.agent("s1", "alice")
	maria := e.agent("s1", "maria")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es-MX"}})
	conv := cust.say("", "Hola, mi pedido no llegó").Conv
	f := maria.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, "maria", f.Conversation.AgentID)
	_, got := alice.find(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv }, 200*time.Millisecond)
	assert.False(t, got)

	// With maria full, a Spanish customer still gets an agent, with translation.
	for range 2 {
		c := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
		c.say("", "Hola, mi pedido no llegó")
	}
	alice.expect(gateway.TypeConversation, nil)
}
