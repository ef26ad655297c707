package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
)

// shop is a gateway serving one site whose first responder is the FAQ bot,
// with one human agent, on a loopback test server.
type shop struct {
	t     *testing.T
	srv   *httptest.Server
	store session.Store
	ws    string
	log   *slog.Logger
}

func newShop(t *testing.T) *shop {
	t.Helper()
	log := testlog.New(t, slog.LevelInfo)
	cfg := gateway.Config{
		Sites: []gateway.Site{{
			Key: "shop", Name: "Shop", Origins: []string{"https://shop.example"},
			Agents: []gateway.Account{
				{ID: "alice", Name: "Alice", SecretHash: gateway.HashSecret("pw-alice"), Languages: []string{"en"}, Capacity: 3},
				{ID: "faqbot", Name: "FAQ bot", SecretHash: gateway.HashSecret("pw-bot"), Languages: []string{"en"}, Capacity: 50, Bot: true},
			},
			FirstResponder: "faqbot",
			BotTimeout:     gateway.Duration(time.Minute),
		}},
		TokenKey: "test-token-key-0123456789abcdef",
		Logger:   log,
	}
	store := session.NewMemory(session.MemoryConfig{})
	gw, err := gateway.New(cfg, store, session.NewMemoryBroker())
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return &shop{t: t, srv: srv, store: store, ws: "ws" + strings.TrimPrefix(srv.URL, "http"), log: log}
}

// sentLog keeps the frames the bot wrote.
type sentLog struct {
	mu     sync.Mutex
	frames []gateway.Frame
}

func (l *sentLog) add(f gateway.Frame) {
	l.mu.Lock()
	l.frames = append(l.frames, f)
	l.mu.Unlock()
}

// of returns the frames written, of the type, into the conversation
// (any conversation when conv is empty).
func (l *sentLog) of(typ, conv string) []gateway.Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []gateway.Frame
	for _, f := range l.frames {
		if f.Type == typ && (conv == "" || f.Conv == conv) {
			out = append(out, f)
		}
	}
	return out
}

// startBot runs the bot's client loop against the shop until the test ends
// and waits until the gateway has it online.
func (s *shop) startBot() *sentLog {
	s.t.Helper()
	return s.startBotAt(s.ws)
}

// startBotAt is startBot with the bot dialling base.
func (s *shop) startBotAt(base string) *sentLog {
	s.t.Helper()
	sent := &sentLog{}
	c := newClient(Config{URL: base, Site: "shop", Bot: "faqbot", Secret: "pw-bot", Logger: s.log,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	c.sent = sent.add
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.run(ctx) }()
	s.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(s.t, err, "the bot exits cleanly when cancelled")
		case <-time.After(wait):
			s.t.Error("the bot did not stop within the wait")
		}
	})
	s.awaitHellos(sent, 1)
	return sent
}

// awaitHellos waits until the bot has been welcomed n times.
func (s *shop) awaitHellos(sent *sentLog, n int) {
	s.t.Helper()
	require.Eventually(s.t, func() bool {
		if len(sent.of(gateway.TypeHello, "")) < n {
			return false
		}
		a, err := s.store.Agent(context.Background(), "shop", "faqbot")
		return err == nil && a.Status == session.StatusOnline && time.Since(a.LastSeen) < time.Second
	}, wait, 10*time.Millisecond)
}

func (s *shop) customer(name string) *peer {
	return dialPeer(s.t, s.ws, name, gateway.Frame{Role: gateway.RoleCustomer, Site: "shop", Name: name, Languages: []string{"en"}})
}

func (s *shop) agent() *peer {
	return dialPeer(s.t, s.ws, "alice", gateway.Frame{Role: gateway.RoleAgent, Site: "shop", Agent: "alice", Secret: "pw-alice"})
}

func TestBotAnswersACustomerFromTheFAQ(t *testing.T) {
	s := newShop(t)
	s.startBot()
	alice := s.agent()
	ana := s.customer("ana")

	conv := ana.say("", "Hi, how long does shipping take?").Conv
	greet := ana.expectText(conv, greeting)
	assert.Equal(t, session.RoleBot, greet.Message.Role)
	reply := ana.expectText(conv, builtinFAQ[0].Answer)
	assert.Equal(t, session.RoleBot, reply.Message.Role)
	assert.Greater(t, reply.Seq, greet.Seq, "greeting first, then the answer")

	ana.say(conv, "And can I pay with PayPal?")
	ana.expectText(conv, builtinFAQ[4].Answer)
	_, assigned := alice.find(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv }, 200*time.Millisecond)
	assert.False(t, assigned, "no human while the bot answers")

	hist, err := s.store.History(context.Background(), conv, 0, 0)
	require.NoError(t, err)
	greetings := 0
	for _, m := range hist {
		if m.Text == greeting {
			greetings++
		}
	}
	assert.Equal(t, 1, greetings, "the bot greets once")
}

func TestCustomerAskingForAHumanGetsTheAgent(t *testing.T) {
	s := newShop(t)
	sent := s.startBot()
	alice := s.agent()
	ben := s.customer("ben")

	conv := ben.say("", "What are your opening hours?").Conv
	ben.expectText(conv, builtinFAQ[2].Answer)
	ben.say(conv, "ok, can I talk to a human")

	f := alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, session.StateActive, f.Conversation.State)
	assert.Equal(t, "alice", f.Conversation.AgentID)
	// The human sees the whole history, the bot's part included.
	alice.expectText(conv, "What are your opening hours?")
	botSaid := alice.expectText(conv, builtinFAQ[2].Answer)
	assert.Equal(t, session.RoleBot, botSaid.Message.Role)
	alice.expectText(conv, "ok, can I talk to a human")
	alice.say(conv, "Hi Ben, Alice here. How can I help?")
	ben.expectText(conv, "Hi Ben, Alice here. How can I help?")
	ben.say(conv, "what is your return policy?")
	alice.expectText(conv, "what is your return policy?")

	// The bot asked for the hand-off (the gateway may have been first) and
	// never wrote into the conversation again.
	require.Eventually(t, func() bool { return len(sent.of(gateway.TypeHandoff, conv)) == 1 }, wait, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // room for a wrong write to show
	msgs := sent.of(gateway.TypeMessage, conv)
	require.Len(t, msgs, 2, "the greeting and the opening hours, nothing after the hand-off")
	assert.Equal(t, greeting, msgs[0].Text)
	assert.Equal(t, builtinFAQ[2].Answer, msgs[1].Text)
	hist, err := s.store.History(context.Background(), conv, 0, 0)
	require.NoError(t, err)
	handedOff := false
	for _, m := range hist {
		if m.Event == session.EventRequeued {
			handedOff = true
		}
		assert.False(t, handedOff && m.Role == session.RoleBot, "bot message after the hand-off: %q", m.Text)
	}
	assert.True(t, handedOff)

	// Had the bot tried, the gateway would have refused it.
	other := dialPeer(t, s.ws, "bot2", gateway.Frame{Role: gateway.RoleBot, Site: "shop", Agent: "faqbot", Secret: "pw-bot"})
	other.send(gateway.Frame{Type: gateway.TypeMessage, ID: "late", Conv: conv, Text: builtinFAQ[1].Answer})
	refused := other.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.ID == "late" })
	assert.Equal(t, gateway.CodeForbidden, refused.Code)
}

func TestBotHandsOffAfterTwoMisses(t *testing.T) {
	s := newShop(t)
	sent := s.startBot()
	alice := s.agent()
	cleo := s.customer("cleo")

	conv := cleo.say("", "Do you sell submarines?").Conv
	cleo.expectText(conv, fallback)
	cleo.say(conv, "What about reindeer?")
	cleo.expectText(conv, goodbye)
	f := alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, "alice", f.Conversation.AgentID)
	ev := alice.expect(gateway.TypeMessage, func(f gateway.Frame) bool {
		return f.Conv == conv && f.Message.Event == session.EventRequeued
	})
	assert.Equal(t, reasonNoAnswer, ev.Message.Text)
	assert.Len(t, sent.of(gateway.TypeHandoff, conv), 1)
}

func TestBotReconnectsAndResumes(t *testing.T) {
	s := newShop(t)
	px := newProxy(t, strings.TrimPrefix(s.srv.URL, "http://"))
	sent := s.startBotAt("ws://" + px.ln.Addr().String())
	dan := s.customer("dan")
	conv := dan.say("", "I forgot my password").Conv
	dan.expectText(conv, builtinFAQ[5].Answer)

	// Drop the bot's connection; it comes back on its own.
	px.cut()
	s.awaitHellos(sent, 2)
	hellos := sent.of(gateway.TypeHello, "")
	assert.Empty(t, hellos[0].Resume)
	assert.GreaterOrEqual(t, hellos[1].Resume[conv], int64(1), "resumes dan's conversation from the last seq it holds")

	dan2 := s.customer("dan2")
	conv2 := dan2.say("", "where is my parcel? tracking?").Conv
	dan2.expectText(conv2, builtinFAQ[3].Answer)

	// Frames the drop left unacknowledged may have gone out again, with the
	// same ids: the gateway stored each once.
	hist, err := s.store.History(context.Background(), conv, 0, 0)
	require.NoError(t, err)
	var bot []string
	for _, m := range hist {
		if m.Role == session.RoleBot {
			bot = append(bot, m.Text)
		}
	}
	assert.Equal(t, []string{greeting, builtinFAQ[5].Answer}, bot)
	dan.say(conv, "thanks, and how do refunds work?")
	dan.expectText(conv, builtinFAQ[1].Answer)
}
