package gateway_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

func botEnv(t *testing.T, botTimeout time.Duration, tr *dictionary) *env {
	return newEnv(t, func(c *gateway.Config) {
		c.Sites[0].FirstResponder = "bot"
		c.Sites[0].BotTimeout = gateway.Duration(botTimeout)
		if tr != nil {
			c.Translation = gateway.Translation{Translator: tr, Detector: wordsDetector{}, Budget: time.Second}
		}
	})
}

func (e *env) bot(site string) *client {
	e.t.Helper()
	c, err := e.dial(gateway.RoleBot, site, nil)
	require.NoError(e.t, err)
	c.name = "bot"
	c.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleBot, Site: site, Agent: "bot", Secret: "pw-bot"})
	c.expect(gateway.TypeWelcome, nil)
	return c
}

func TestBotAnswersFirstThenHandsOffToAHuman(t *testing.T) {
	e := botEnv(t, time.Minute, nil)
	bot := e.bot("s1")
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "where is my parcel").Conv

	f := bot.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, session.StateBot, f.Conversation.State)
	bot.expectText("where is my parcel")
	bot.say(conv, "Parcels arrive within 3 days.")
	cust.expectText("Parcels arrive within 3 days.")
	_, assigned := alice.find(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv }, 200*time.Millisecond)
	assert.False(t, assigned, "no human while the bot handles it")

	bot.send(gateway.Frame{Type: gateway.TypeHandoff, ID: "h", Conv: conv, Reason: "customer is upset"})
	bot.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "h" })
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	// The human sees the whole history, bot part included.
	alice.expectText("where is my parcel")
	alice.expectText("Parcels arrive within 3 days.")
	handed := alice.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventRequeued })
	assert.Equal(t, "customer is upset", handed.Message.Text)

	alice.say(conv, "Hi, I am Alice")
	cust.expectText("Hi, I am Alice")
	_, botGot := bot.find(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Text == "Hi, I am Alice" }, 200*time.Millisecond)
	assert.False(t, botGot, "after hand-off the bot receives nothing more")
	bot.send(gateway.Frame{Type: gateway.TypeMessage, ID: "late", Conv: conv, Text: "one more thing"})
	assert.Equal(t, gateway.CodeForbidden, bot.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.ID == "late" }).Code)
}

func TestCustomerAskingForAPersonIsHandedOff(t *testing.T) {
	e := botEnv(t, time.Minute, nil)
	bot := e.bot("s1")
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hello").Conv
	bot.expectText("hello")
	cust.say(conv, "I want to talk to a real person please")
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })

	// A customer can also press the widget's button.
	other := e.customer("s1", gateway.Frame{})
	conv2 := other.say("", "hola").Conv
	bot.expectText("hola")
	other.send(gateway.Frame{Type: gateway.TypeHandoff, ID: "btn", Conv: conv2})
	ack := other.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "btn" })
	assert.Equal(t, session.StateQueued, ack.Conversation.State)
}

func TestBotTimeoutHandsOff(t *testing.T) {
	e := botEnv(t, 300*time.Millisecond, nil)
	bot := e.bot("s1")
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "anyone?").Conv
	bot.expectText("anyone?")
	f := alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, "alice", f.Conversation.AgentID)
	ev := cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventRequeued })
	assert.Equal(t, "bot did not answer", ev.Message.Text)
}

func TestWithoutItsBotNewConversationsQueue(t *testing.T) {
	e := botEnv(t, time.Minute, nil)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hello?").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
}

func TestEnglishBotServesASpanishCustomer(t *testing.T) {
	e := botEnv(t, time.Minute, &dictionary{})
	bot := e.bot("s1")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
	conv := cust.say("", "Hola, mi pedido no llegó").Conv
	in := bot.expectText("Hola, mi pedido no llegó")
	assert.Equal(t, "hello, my order did not arrive", in.Message.Translations["en"], "the bot reads its own language")
	bot.say(conv, "Sorry, let me check your order now")
	out := cust.expectText("Sorry, let me check your order now")
	assert.Equal(t, "lo siento, déjame revisar tu pedido ahora", out.Message.Translations["es"])
}
