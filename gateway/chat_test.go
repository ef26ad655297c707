package gateway_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

func TestChatBothWays(t *testing.T) {
	e := newEnv(t, nil)
	agent := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Name: "Ana", Languages: []string{"en-GB"}})

	ack := cust.say("", "my order did not arrive")
	require.NotEmpty(t, ack.Conv)
	assert.Equal(t, int64(2), ack.Seq, "seq 1 is the queued event")
	conv := ack.Conv

	assigned := agent.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, session.StateActive, assigned.Conversation.State)
	assert.Equal(t, "alice", assigned.Conversation.AgentID)
	got := agent.expectText("my order did not arrive")
	assert.Equal(t, "Ana", got.Message.SenderName)
	assert.Equal(t, session.RoleCustomer, got.Message.Role)

	joined := cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool {
		return f.Message.Kind == session.KindEvent && f.Message.Event == session.EventAssigned
	})
	assert.Equal(t, "Agent alice", joined.Message.SenderName, "the customer sees who joined")

	agent.say(conv, "sorry, let me check")
	reply := cust.expectText("sorry, let me check")
	assert.Equal(t, "Agent alice", reply.Message.SenderName)
	stores, err := e.gw.Metric("parley_message_store_seconds")
	require.NoError(t, err)
	assert.Equal(t, float64(2), stores, "each chat message's store call is timed")

	agent.send(gateway.Frame{Type: gateway.TypeTyping, Conv: conv, Typing: ptr(true)})
	typing := cust.expect(gateway.TypeTyping, nil)
	assert.Equal(t, gateway.RoleAgent, typing.Role)
	assert.True(t, *typing.Typing)

	cust.send(gateway.Frame{Type: gateway.TypeRead, Conv: conv, Seq: reply.Seq})
	read := agent.expect(gateway.TypeRead, nil)
	assert.Equal(t, reply.Seq, read.Seq)
	assert.Equal(t, gateway.RoleCustomer, read.Role)

	agent.send(gateway.Frame{Type: gateway.TypeClose, ID: "x1", Conv: conv})
	agent.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "x1" })
	cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventClosed })
	st := cust.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conversation.State == session.StateClosed })
	assert.Equal(t, conv, st.Conv)

	cust.send(gateway.Frame{Type: gateway.TypeMessage, ID: "late", Conv: conv, Text: "hello?"})
	cust.expectError(gateway.CodeClosed)
	again := cust.say("", "one more question")
	assert.NotEqual(t, conv, again.Conv, "writing after the close starts a new conversation")
}

func TestQueuePositionsAndAssignmentByLoad(t *testing.T) {
	e := newEnv(t, nil)
	var custs []*client
	var convs []string
	for i := range 3 {
		c := e.customer("s1", gateway.Frame{Name: fmt.Sprintf("c%d", i)})
		convs = append(convs, c.say("", fmt.Sprintf("question %d", i)).Conv)
		custs = append(custs, c)
	}
	for i, c := range custs {
		q := c.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == i+1 })
		assert.Equal(t, convs[i], q.Conv)
	}

	// alice (capacity 2) comes first and takes the first two; then bob
	// takes the third: nobody over capacity.
	alice := e.agent("s1", "alice")
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == convs[0] })
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == convs[1] })
	custs[2].expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })
	bob := e.agent("s1", "bob")
	bob.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == convs[2] })

	// The next goes to bob: fewer active chats.
	c4 := e.customer("s1", gateway.Frame{Name: "c4"})
	conv4 := c4.say("", "question 4").Conv
	bob.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv4 })

	// An agent chats with several customers at once.
	alice.say(convs[0], "hi zero")
	alice.say(convs[1], "hi one")
	custs[0].expectText("hi zero")
	custs[1].expectText("hi one")
	_, leaked := custs[1].find(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Text == "hi zero" }, 200*time.Millisecond)
	assert.False(t, leaked, "a customer sees only their own conversation")
}

func TestAgentQueueViewAndAccept(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	alice.send(gateway.Frame{Type: gateway.TypePresence, ID: "p", Status: "away"})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "p" })

	cust := e.customer("s1", gateway.Frame{Name: "Ana"})
	conv := cust.say("", "hello there").Conv
	q := alice.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return len(f.Queue) == 1 })
	assert.Equal(t, conv, q.Queue[0].Conv)
	assert.Equal(t, "hello there", q.Queue[0].Preview)
	assert.Equal(t, "Ana", q.Queue[0].VisitorName)

	alice.send(gateway.Frame{Type: gateway.TypeAccept, ID: "acc", Conv: conv})
	ack := alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "acc" })
	assert.Equal(t, "alice", ack.Conversation.AgentID)
	alice.expectText("hello there")
	alice.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return len(f.Queue) == 0 })
}

func TestConcurrentAcceptExactlyOneWins(t *testing.T) {
	e := newEnv(t, nil)
	agents := []*client{e.agent("s1", "alice"), e.agent("s1", "bob"), e.agent("s1", "carol"), e.agent("s1", "maria")}
	for _, a := range agents {
		a.send(gateway.Frame{Type: gateway.TypePresence, ID: "away", Status: "away"})
		a.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "away" })
	}
	for round := range 5 {
		cust := e.customer("s1", gateway.Frame{})
		conv := cust.say("", fmt.Sprintf("race %d", round)).Conv
		var wg sync.WaitGroup
		for _, a := range agents {
			wg.Go(func() { a.send(gateway.Frame{Type: gateway.TypeAccept, ID: "acc-" + conv, Conv: conv}) })
		}
		wg.Wait()
		wins := 0
		for _, a := range agents {
			ack, ok := a.find(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "acc-"+conv }, 300*time.Millisecond)
			if ok {
				wins++
				require.Equal(t, a.name, ack.Conversation.AgentID)
				a.send(gateway.Frame{Type: gateway.TypeClose, ID: "close-" + conv, Conv: conv})
			}
		}
		assert.Equal(t, 1, wins, "round %d", round)
		require.Eventually(t, func() bool {
			c, err := e.store.Conversation(context.Background(), conv)
			return err == nil && c.State == session.StateClosed
		}, wait, 10*time.Millisecond, "the winner closes it")
	}
}

func TestTransfer(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "need help").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	alice.say(conv, "one moment")
	bob := e.agent("s1", "bob")

	alice.send(gateway.Frame{Type: gateway.TypeTransfer, ID: "t1", Conv: conv, Agent: "bob"})
	ack := alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "t1" })
	assert.Equal(t, "bob", ack.Conversation.AgentID)
	bob.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	bob.expectText("need help")
	bob.expectText("one moment")

	bob.say(conv, "bob here")
	cust.expectText("bob here")
	alice.send(gateway.Frame{Type: gateway.TypeMessage, ID: "stale", Conv: conv, Text: "still me"})
	alice.expectError(gateway.CodeForbidden)

	bob.send(gateway.Frame{Type: gateway.TypeTransfer, ID: "t2", Conv: conv, Agent: "nobody"})
	bob.expectError(gateway.CodeNotFound)
}

func TestCustomerClosesConversation(t *testing.T) {
	e := newEnv(t, nil)
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "never mind").Conv
	cust.send(gateway.Frame{Type: gateway.TypeClose, ID: "c", Conv: conv})
	ack := cust.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "c" })
	assert.Equal(t, session.StateClosed, ack.Conversation.State)
	q, err := e.store.Queue(context.Background(), "s1")
	require.NoError(t, err)
	assert.Empty(t, q, "a closed conversation leaves the queue")
}

func TestAgentDropRequeuesAfterGrace(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.AgentGrace = 600 * time.Millisecond })
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "are you there").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	alice.ws.CloseNow()

	requeued := cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventRequeued })
	assert.NotEmpty(t, requeued.Message.Text)
	bob := e.agent("s1", "bob")
	bob.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	bob.expectText("are you there")
}

func TestAgentGoingOfflineRequeuesAtFront(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	first := e.customer("s1", gateway.Frame{})
	conv1 := first.say("", "first").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv1 })
	alice.send(gateway.Frame{Type: gateway.TypePresence, ID: "away", Status: "away"})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "away" })
	second := e.customer("s1", gateway.Frame{})
	conv2 := second.say("", "second").Conv
	second.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })

	alice.send(gateway.Frame{Type: gateway.TypePresence, ID: "off", Status: "offline"})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "off" })
	first.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })
	second.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 2 })
	q, err := e.store.Queue(context.Background(), "s1")
	require.NoError(t, err)
	require.Len(t, q, 2)
	assert.Equal(t, []string{conv1, conv2}, []string{q[0].ID, q[1].ID})
}

func TestSecondTabFollowsAConversationStartedInTheFirst(t *testing.T) {
	e := newEnv(t, nil)
	tab1 := e.customer("s1", gateway.Frame{})
	tab2 := e.customer("s1", gateway.Frame{Token: tab1.token})
	conv := tab1.say("", "started in tab one").Conv
	f := tab2.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	assert.Equal(t, session.StateQueued, f.Conversation.State)
	tab2.expectText("started in tab one")
}

func TestAgentsSeePresenceChanges(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	e.agent("s1", "bob")
	f := alice.expect(gateway.TypeAgents, func(f gateway.Frame) bool {
		for _, a := range f.Agents {
			if a.ID == "bob" && a.Status == session.StatusOnline {
				return true
			}
		}
		return false
	})
	assert.NotEmpty(t, f.Agents)
}
