package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
)

func testBot(t *testing.T) *bot {
	log := testlog.New(t, slog.LevelDebug)
	b := newBot("faqbot", builtinFAQ, 3*time.Second, time.Second, log)
	b.welcome(gateway.Frame{Type: gateway.TypeWelcome,
		Agents:        []session.Agent{{ID: "faqbot", Languages: []string{"en"}}},
		Conversations: []session.Conversation{{ID: "c1", State: session.StateBot, BotID: "faqbot"}}})
	return b
}

func customerMsg(conv string, seq int64, text string) gateway.Frame {
	return gateway.Frame{Type: gateway.TypeMessage, Conv: conv, Seq: seq, Message: &session.Message{
		ConversationID: conv, Seq: seq, Kind: session.KindText, Role: session.RoleCustomer, Text: text, Lang: "en"}}
}

func texts(fs []gateway.Frame) []string {
	var out []string
	for _, f := range fs {
		if f.Type == gateway.TypeMessage {
			out = append(out, f.Text)
		} else {
			out = append(out, f.Type+":"+f.Reason)
		}
	}
	return out
}

func TestBotGreetsOnceAndDedupesBySeq(t *testing.T) {
	b := testBot(t)
	now := time.Now()
	out := b.handle(customerMsg("c1", 1, "shipping?"), now)
	assert.Equal(t, []string{greeting, builtinFAQ[0].Answer}, texts(out))
	assert.Equal(t, "greet-c1", out[0].ID)
	assert.Equal(t, "re-c1-1", out[1].ID)
	assert.Empty(t, b.handle(customerMsg("c1", 1, "shipping?"), now), "a replayed seq is not answered again")
	assert.Equal(t, []string{builtinFAQ[2].Answer}, texts(b.handle(customerMsg("c1", 3, "opening hours"), now)))
	assert.Empty(t, b.handle(customerMsg("c1", 2, "refund"), now), "an older seq is a duplicate")
	assert.Equal(t, map[string]int64{"c1": 3}, b.resume())
}

func TestBotIgnoresItsOwnMessagesEventsAndOthersConversations(t *testing.T) {
	b := testBot(t)
	now := time.Now()
	own := customerMsg("c1", 1, "shipping")
	own.Message.Role = session.RoleBot
	assert.Empty(t, b.handle(own, now))
	ev := customerMsg("c1", 2, "")
	ev.Message.Kind, ev.Message.Event, ev.Message.Role = session.KindEvent, session.EventQueued, session.RoleSystem
	assert.Empty(t, b.handle(ev, now))
	assert.Empty(t, b.handle(customerMsg("elsewhere", 1, "shipping"), now))
	assert.Empty(t, b.handle(gateway.Frame{Type: gateway.TypeMessage, Conv: "c1", Seq: 9}, now), "no message body")
}

func TestBotHandsOffOnRequestWithoutWriting(t *testing.T) {
	b := testBot(t)
	out := b.handle(customerMsg("c1", 1, "Can I talk to a human?"), time.Now())
	require.Len(t, out, 1)
	assert.Equal(t, gateway.TypeHandoff, out[0].Type)
	assert.Equal(t, "customer asked for a person", out[0].Reason)
	assert.Empty(t, b.handle(customerMsg("c1", 2, "shipping?"), time.Now()), "nothing after the hand-off")

	// The gateway had handed it off already: the conflict is not retried.
	b.handle(gateway.Frame{Type: gateway.TypeError, ID: out[0].ID, Code: gateway.CodeConflict}, time.Now())
	assert.Empty(t, b.out)
	b.handle(gateway.Frame{Type: gateway.TypeConversation, Conv: "c1", Conversation: &session.Conversation{ID: "c1", State: session.StateQueued}}, time.Now())
	assert.Empty(t, b.convs, "a conversation that left is forgotten")
}

func TestBotHandsOffAfterTwoMissesInARow(t *testing.T) {
	b := testBot(t)
	now := time.Now()
	assert.Equal(t, []string{greeting, fallback}, texts(b.handle(customerMsg("c1", 1, "submarines?"), now)))
	assert.Equal(t, []string{builtinFAQ[1].Answer}, texts(b.handle(customerMsg("c1", 3, "refund then"), now)))
	assert.Equal(t, []string{fallback}, texts(b.handle(customerMsg("c1", 5, "reindeer?"), now)), "a match resets the count")
	assert.Equal(t, []string{goodbye, "handoff:" + reasonNoAnswer}, texts(b.handle(customerMsg("c1", 7, "unicorns?"), now)))
}

func TestBotReadsTheTranslationIntoItsLanguage(t *testing.T) {
	b := testBot(t)
	now := time.Now()
	m := customerMsg("c1", 1, "¿Cuánto tarda el envío?")
	m.Message.Lang = "es"
	m.Message.Translations = map[string]string{"en": "How long does shipping take?"}
	assert.Equal(t, []string{greeting, builtinFAQ[0].Answer}, texts(b.handle(m, now)))

	// A late translation: the bot waits for it.
	late := customerMsg("c1", 3, "Quiero devolver mi pedido")
	late.Message.Lang, late.Pending = "es", true
	assert.Empty(t, b.handle(late, now))
	assert.Empty(t, b.tick(now.Add(time.Second)))
	out := b.handle(gateway.Frame{Type: gateway.TypeTranslation, Conv: "c1", Seq: 3, Lang: "en", Text: "I want to return my order"}, now.Add(time.Second))
	assert.Equal(t, []string{builtinFAQ[1].Answer}, texts(out))

	// One that never comes: the bot answers from the original after the wait.
	lost := customerMsg("c1", 5, "contraseña")
	lost.Message.Lang, lost.Pending = "es", true
	assert.Empty(t, b.handle(lost, now))
	assert.Equal(t, []string{fallback}, texts(b.tick(now.Add(3*time.Second))))
}

func TestBotResendsWhatTheGatewayCouldNotTakeYet(t *testing.T) {
	b := testBot(t)
	now := time.Now()
	out := b.handle(customerMsg("c1", 1, "payment?"), now)
	require.Len(t, out, 2)
	b.handle(gateway.Frame{Type: gateway.TypeAck, ID: out[0].ID}, now)
	b.handle(gateway.Frame{Type: gateway.TypeError, ID: out[1].ID, Code: gateway.CodeUnavailable}, now)
	assert.Empty(t, b.tick(now.Add(500*time.Millisecond)))
	again := b.tick(now.Add(time.Second))
	require.Len(t, again, 1)
	assert.Equal(t, out[1], again[0], "the same frame, the same id")
	b.handle(gateway.Frame{Type: gateway.TypeError, ID: out[1].ID, Code: gateway.CodeUnavailable}, now)
	b.handle(gateway.Frame{Type: gateway.TypeError, ID: out[1].ID, Code: gateway.CodeUnavailable}, now)
	assert.Empty(t, b.out, "given up after a few tries")
}

func TestBotWelcomeForgetsLostConversationsAndResendsTheRest(t *testing.T) {
	b := testBot(t)
	b.handle(gateway.Frame{Type: gateway.TypeConversation, Conv: "c2", Conversation: &session.Conversation{ID: "c2", State: session.StateBot, BotID: "faqbot"}}, time.Now())
	out1 := b.handle(customerMsg("c1", 1, "hours?"), time.Now())
	b.handle(customerMsg("c2", 1, "tracking?"), time.Now())
	require.Len(t, b.convs, 2)

	again := b.welcome(gateway.Frame{Type: gateway.TypeWelcome,
		Agents:        []session.Agent{{ID: "faqbot", Languages: []string{"de", "en"}}},
		Conversations: []session.Conversation{{ID: "c1", State: session.StateBot, BotID: "faqbot"}}})
	assert.Equal(t, "de", b.lang)
	assert.ElementsMatch(t, out1, again, "unacknowledged frames of held conversations go out again")
	assert.Equal(t, map[string]int64{"c1": 1}, b.resume())
}
