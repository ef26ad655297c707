package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// crash stops a node the hard way: every TCP connection is cut with no
// close frame, and its loops stop, so it neither heartbeats nor routes.
func (e *env) crash() {
	e.t.Helper()
	e.srv.CloseClientConnections()
	e.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(e.t, e.gw.Shutdown(ctx))
}

// readyz returns the node's /readyz status code, or 0 when the request
// fails.
func (e *env) readyz() int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/readyz", nil)
	require.NoError(e.t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// countText returns how many times text is stored in conv's history.
func countText(t *testing.T, store session.Store, conv, text string) int {
	t.Helper()
	hist, err := store.History(t.Context(), conv, 0, 0)
	require.NoError(t, err)
	n := 0
	for _, m := range hist {
		if m.Kind == session.KindText && m.Text == text {
			n++
		}
	}
	return n
}

func TestFaultNodeCrashCustomerResumesOnAnotherNode(t *testing.T) {
	g := newGrid(t, 2, nil)
	a, b := g.nodes[0], g.nodes[1]
	alice := b.agent("s1", "alice")
	cust := a.customer("s1", gateway.Frame{})
	conv := cust.say("", "first").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	for i := range 3 {
		alice.say(conv, fmt.Sprintf("before %d", i))
	}
	held := cust.expectText("before 2").Seq

	// The customer sends a message and node A dies before the ack can be
	// relied on.
	cust.send(gateway.Frame{Type: gateway.TypeMessage, ID: "in-flight", Conv: conv, Text: "sent as A died"})
	a.crash()
	cust.expectClose()

	// The agent on node B keeps writing meanwhile.
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("missed %d", i))
		alice.say(conv, want[i])
	}

	// The customer reconnects to node B with its token, resumes from what it
	// holds, and resends what it has no ack for: stored once.
	back := b.customerRaw(t, "s1", gateway.Frame{Token: cust.token, Resume: map[string]int64{conv: held}})
	w := back.expect(gateway.TypeWelcome, nil)
	require.Len(t, w.Conversations, 1)
	assert.Equal(t, conv, w.Conversations[0].ID)
	back.send(gateway.Frame{Type: gateway.TypeMessage, ID: "in-flight", Conv: conv, Text: "sent as A died"})
	ack := back.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "in-flight" })
	back.backlog = append(back.backlog, ack) // it stands for the message frame in the stream
	assert.Equal(t, 1, countText(t, g.store(), conv, "sent as A died"))
	alice.expectText("sent as A died")
	_, twice := alice.find(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Text == "sent as A died" }, 300*time.Millisecond)
	assert.False(t, twice, "the agent sees the resent message once")

	alice.say(conv, "live")
	frames := back.until("live")
	back.say(conv, "continuing on B")
	alice.expectText("continuing on B")
	got := textSeqs(t, frames, held)
	// The in-flight message lands somewhere among the missed ones, once.
	assert.Contains(t, got, "sent as A died")
	var rest []string
	for _, s := range got {
		if s != "sent as A died" {
			rest = append(rest, s)
		}
	}
	assert.Equal(t, append(want, "live"), rest)
	assert.Positive(t, ack.Seq)
}

func TestFaultRedisRestartWithAOF(t *testing.T) {
	g := newGrid(t, 2, nil, "--appendonly", "yes", "--appendfsync", "always")
	a, b := g.nodes[0], g.nodes[1]
	alice := b.agent("s1", "alice")
	cust := a.customer("s1", gateway.Frame{Name: "Ana"})
	conv := cust.say("", "before the restart").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	alice.say(conv, "agent before the restart")
	cust.expectText("agent before the restart")
	// alice is full (capacity 2) once a second customer is in; a third waits.
	second := b.customer("s1", gateway.Frame{Name: "Bo"})
	conv2 := second.say("", "second customer").Conv
	alice.expect(gateway.TypeConversation, isConv(conv2))
	waiting := a.customer("s1", gateway.Frame{Name: "Cy"})
	conv3 := waiting.say("", "waiting in line").Conv
	waiting.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })

	g.redis.Kill()
	g.redis.Restart()

	// Conversations, history, queue and presence came back from the AOF.
	ctx := t.Context()
	var c session.Conversation
	require.Eventually(t, func() bool {
		var err error
		c, err = g.store().Conversation(ctx, conv)
		return err == nil
	}, wait, 50*time.Millisecond)
	assert.Equal(t, session.StateActive, c.State)
	assert.Equal(t, "alice", c.AgentID)
	assert.Equal(t, 1, countText(t, g.store(), conv, "before the restart"))
	assert.Equal(t, 1, countText(t, g.store(), conv, "agent before the restart"))
	q, err := g.store().Queue(ctx, "s1")
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, conv3, q[0].ID)
	ag, err := g.store().Agent(ctx, "s1", "alice")
	require.NoError(t, err)
	assert.Equal(t, session.StatusOnline, ag.Status)
	assert.Equal(t, 2, ag.Active)

	// The clients' WebSockets to the gateways stayed up: the chat goes on
	// both ways once the brokers have resubscribed, with no loss.
	alice.say(conv, "agent after the restart")
	cust.expectText("agent after the restart")
	cust.say(conv, "customer after the restart")
	alice.expectText("customer after the restart")

	// Closing one of alice's chats lets the waiting customer in.
	alice.send(gateway.Frame{Type: gateway.TypeClose, ID: "close2", Conv: conv2})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "close2" })
	expectAssigned(alice, gateway.Frame{}, conv3)
	alice.say(conv3, "your turn")
	waiting.expectText("your turn")
}

func TestFaultRedisUnreachable(t *testing.T) {
	g := newGrid(t, 2, nil, "--appendonly", "yes", "--appendfsync", "always")
	a, b := g.nodes[0], g.nodes[1]
	alice := b.agent("s1", "alice")
	cust := a.customer("s1", gateway.Frame{})
	conv := cust.say("", "before the outage").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	alice.expectText("before the outage")
	for _, n := range g.nodes {
		require.Equal(t, http.StatusOK, n.readyz())
	}

	g.redis.Kill()

	// A message sent now is refused as unavailable: not stored, to resend.
	msg := gateway.Frame{Type: gateway.TypeMessage, ID: "during-outage", Conv: conv, Text: "sent during the outage"}
	cust.send(msg)
	e := cust.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.ID == "during-outage" })
	assert.Equal(t, gateway.CodeUnavailable, e.Code)
	for _, n := range g.nodes {
		assert.Equal(t, http.StatusServiceUnavailable, n.readyz())
	}

	g.redis.Restart()

	// Each node recovers by itself.
	for _, n := range g.nodes {
		require.Eventually(t, func() bool { return n.readyz() == http.StatusOK }, 2*wait, 100*time.Millisecond)
	}
	cust.send(msg)
	first := cust.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "during-outage" })
	assert.False(t, first.Duplicate, "nothing was stored during the outage")
	cust.send(msg)
	again := cust.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "during-outage" })
	cust.backlog = append(cust.backlog, first) // the first ack stands for the message frame in the stream
	assert.True(t, again.Duplicate)
	assert.Equal(t, first.Seq, again.Seq)
	assert.Equal(t, 1, countText(t, g.store(), conv, "sent during the outage"))
	alice.expectText("sent during the outage")

	// The brokers resubscribed: live messages flow both ways again, and the
	// customer saw every message once, in order.
	alice.say(conv, "after the outage")
	cust.say(conv, "customer after the outage")
	alice.expectText("customer after the outage")
	alice.say(conv, "the end")
	assert.Equal(t, []string{"before the outage", "sent during the outage", "after the outage", "customer after the outage", "the end"},
		textSeqs(t, cust.until("the end"), 0))
}

func TestFaultAgentNodeCrashRequeuesToAnotherNode(t *testing.T) {
	// With the store's presence expiry longer than the grace, the sweep
	// finds alice online but silent; with a shorter one, the store already
	// reports her offline, still holding her chats (it stays longer than
	// the heartbeat interval, a third of the grace).
	for _, expiry := range []time.Duration{30 * time.Second, 600 * time.Millisecond} {
		t.Run(fmt.Sprintf("presence expiry %s", expiry), func(t *testing.T) {
			agentNodeCrash(t, session.RedisConfig{PresenceExpiry: expiry})
		})
	}
}

func agentNodeCrash(t *testing.T, storeCfg session.RedisConfig) {
	g := newGridWith(t, 2, storeCfg, func(c *gateway.Config) { c.AgentGrace = time.Second })
	a, b := g.nodes[0], g.nodes[1]
	alice := a.agent("s1", "alice") // capacity 2
	var custs []*client
	var convs []string
	for i := range 2 {
		c := b.customer("s1", gateway.Frame{})
		convs = append(convs, c.say("", fmt.Sprintf("for alice %d", i)).Conv)
		alice.expect(gateway.TypeConversation, isConv(convs[i]))
		custs = append(custs, c)
	}
	third := b.customer("s1", gateway.Frame{})
	conv3 := third.say("", "waiting").Conv
	third.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })

	a.crash()

	// After the grace period node B hands alice's chats back to the front of
	// the queue: the waiting customer moves back to third place.
	for _, c := range custs {
		requeued := c.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventRequeued })
		assert.NotEmpty(t, requeued.Message.Text)
	}
	third.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 3 })
	q, err := g.store().Queue(t.Context(), "s1")
	require.NoError(t, err)
	require.Len(t, q, 3)
	assert.ElementsMatch(t, convs, []string{q[0].ID, q[1].ID})
	assert.Equal(t, conv3, q[2].ID)
	ag, err := g.store().Agent(t.Context(), "s1", "alice")
	require.NoError(t, err)
	assert.Zero(t, ag.Active)

	// bob signs in on node B and gets alice's two chats first.
	bobWelcome, bob := signIn(t, b, "bob")
	for i, conv := range convs {
		expectAssigned(bob, bobWelcome, conv)
		bob.say(conv, fmt.Sprintf("bob for %d", i))
		custs[i].expectText(fmt.Sprintf("bob for %d", i))
	}
	third.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })
}
