package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/session"
)

// grid is several gateway nodes sharing one Redis, each with its own Redis
// client, store and broker, as separate processes would have.
type grid struct {
	t       *testing.T
	redis   *redistest.Server // nil on a Cluster
	cluster *redistest.Cluster
	nodes   []*env
	// storeCfg configures every node's store.
	storeCfg session.RedisConfig
}

// redisOptions are short timeouts so that an outage is noticed quickly.
func redisOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:         addr,
		DialTimeout:  300 * time.Millisecond,
		ReadTimeout:  500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond,
		PoolTimeout:  500 * time.Millisecond,
		MaxRetries:   1,
	}
}

// newGrid starts a redis-server (with extra arguments) and n gateway nodes
// on it.
func newGrid(t *testing.T, n int, tweak func(*gateway.Config), extra ...string) *grid {
	t.Helper()
	return newGridWith(t, n, session.RedisConfig{}, tweak, extra...)
}

// newGridWith is newGrid with every node's store configured by storeCfg.
func newGridWith(t *testing.T, n int, storeCfg session.RedisConfig, tweak func(*gateway.Config), extra ...string) *grid {
	t.Helper()
	g := &grid{t: t, redis: redistest.Start(t, extra...), storeCfg: storeCfg}
	for range n {
		g.addNode(redis.NewClient(redisOptions(g.redis.Addr)), tweak)
	}
	return g
}

// newClusterGrid starts a three-master Redis Cluster and n gateway nodes on
// it.
func newClusterGrid(t *testing.T, n int, tweak func(*gateway.Config)) *grid {
	t.Helper()
	g := &grid{t: t, cluster: redistest.StartCluster(t, 3)}
	for range n {
		g.addNode(redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:        g.cluster.Addrs,
			DialTimeout:  300 * time.Millisecond,
			ReadTimeout:  time.Second,
			WriteTimeout: time.Second,
		}), tweak)
	}
	return g
}

// addNode starts a gateway node over client. Cleanups run in reverse: the
// gateway stops first, then its broker, then the client.
func (g *grid) addNode(client redis.UniversalClient, tweak func(*gateway.Config)) *env {
	g.t.Helper()
	g.t.Cleanup(func() { _ = client.Close() })
	broker := session.NewRedisBroker(client, testLogger(g.t))
	g.t.Cleanup(func() { _ = broker.Close() })
	e := newEnvWith(g.t, session.NewRedis(client, g.storeCfg), broker, tweak)
	g.nodes = append(g.nodes, e)
	return e
}

// store is the shared store, read through the first node.
func (g *grid) store() session.Store { return g.nodes[0].store }

// signIn signs an agent in on e and returns their welcome.
func signIn(t *testing.T, e *env, id string) (gateway.Frame, *client) {
	t.Helper()
	c, err := e.dial(gateway.RoleAgent, "s1", nil)
	require.NoError(t, err)
	c.name = id
	c.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleAgent, Site: "s1", Agent: id, Secret: "pw-" + id})
	return c.expect(gateway.TypeWelcome, nil), c
}

// expectAssigned waits until the agent holds conv: listed in their welcome
// when another node assigned it during their sign-in, or announced by a
// conversation frame; either way its history follows.
func expectAssigned(a *client, welcome gateway.Frame, conv string) {
	a.t.Helper()
	for _, c := range welcome.Conversations {
		if c.ID == conv {
			a.expect(gateway.TypeMessage, isConv(conv))
			return
		}
	}
	f := a.expect(gateway.TypeConversation, isConv(conv))
	require.Equal(a.t, a.name, f.Conversation.AgentID)
	a.expect(gateway.TypeMessage, isConv(conv))
}

// isConv matches frames about one conversation.
func isConv(conv string) func(gateway.Frame) bool {
	return func(f gateway.Frame) bool { return f.Conv == conv }
}

// awayAgent signs an agent in on e and sets them away, so that routing
// leaves the queue alone.
func awayAgent(e *env, id string) *client {
	a := e.agent("s1", id)
	a.send(gateway.Frame{Type: gateway.TypePresence, ID: "away-" + id, Status: "away"})
	a.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "away-"+id })
	return a
}

func TestMultinodeChatBothWays(t *testing.T) {
	g := newGrid(t, 2, nil)
	a, b := g.nodes[0], g.nodes[1]
	alice := b.agent("s1", "alice")
	cust := a.customer("s1", gateway.Frame{Name: "Ana"})
	ack := cust.say("", "hello from node A")
	conv := ack.Conv

	// Assigned automatically to the agent on the other node.
	f := alice.expect(gateway.TypeConversation, isConv(conv))
	assert.Equal(t, "alice", f.Conversation.AgentID)
	alice.expectText("hello from node A")
	cust.expect(gateway.TypeConversation, func(f gateway.Frame) bool {
		return f.Conv == conv && f.Conversation.State == session.StateActive
	})

	for i := range 5 {
		alice.say(conv, fmt.Sprintf("agent %d", i))
		cust.say(conv, fmt.Sprintf("customer %d", i))
	}
	for i := range 5 {
		alice.expectText(fmt.Sprintf("customer %d", i))
	}
	// Signals cross nodes too.
	alice.send(gateway.Frame{Type: gateway.TypeTyping, Conv: conv, Typing: ptr(true)})
	typing := cust.expect(gateway.TypeTyping, isConv(conv))
	assert.Equal(t, gateway.RoleAgent, typing.Role)
	cust.send(gateway.Frame{Type: gateway.TypeRead, Conv: conv, Seq: 3})
	read := alice.expect(gateway.TypeRead, isConv(conv))
	assert.EqualValues(t, 3, read.Seq)

	// Every message and event reached the customer on the other node
	// exactly once and in order.
	alice.say(conv, "the end")
	frames := cust.until("the end")
	texts := textSeqs(t, frames, 0)
	assert.Equal(t, []string{"hello from node A", "agent 0", "customer 0", "agent 1", "customer 1", "agent 2",
		"customer 2", "agent 3", "customer 3", "agent 4", "customer 4", "the end"}, texts)
	var events []string
	for _, f := range frames {
		if f.Type == gateway.TypeMessage && f.Message.Kind == session.KindEvent {
			events = append(events, f.Message.Event)
			if f.Message.Event == session.EventAssigned {
				assert.Equal(t, "Agent alice", f.Message.SenderName)
			}
		}
	}
	assert.Equal(t, []string{session.EventQueued, session.EventAssigned}, events)
}

func TestMultinodeQueuePositionsAndAssignment(t *testing.T) {
	g := newGrid(t, 3, nil)
	// An away agent on the third node watches the queue, from every node.
	carol := awayAgent(g.nodes[2], "carol")
	var custs []*client
	var convs []string
	for i := range 3 {
		c := g.nodes[i].customer("s1", gateway.Frame{Name: fmt.Sprintf("c%d", i)})
		convs = append(convs, c.say("", fmt.Sprintf("question %d", i)).Conv)
		custs = append(custs, c)
	}
	for i, c := range custs {
		q := c.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == i+1 })
		assert.Equal(t, convs[i], q.Conv, "customer on node %d", i)
	}
	q := carol.expect(gateway.TypeQueue, func(f gateway.Frame) bool {
		return len(f.Queue) == 3 && f.Queue[2].Preview != ""
	})
	for i, entry := range q.Queue {
		assert.Equal(t, convs[i], entry.Conv)
		assert.Equal(t, fmt.Sprintf("question %d", i), entry.Preview)
	}

	// alice (capacity 2) signs in on node B and gets the first two; the
	// third customer, on node C, moves up to 1.
	aliceWelcome, alice := signIn(t, g.nodes[1], "alice")
	expectAssigned(alice, aliceWelcome, convs[0])
	expectAssigned(alice, aliceWelcome, convs[1])
	custs[2].expect(gateway.TypeQueue, func(f gateway.Frame) bool { return f.Position == 1 })
	carol.expect(gateway.TypeQueue, func(f gateway.Frame) bool { return len(f.Queue) == 1 && f.Queue[0].Conv == convs[2] })

	// bob on node A takes the third.
	bobWelcome, bob := signIn(t, g.nodes[0], "bob")
	expectAssigned(bob, bobWelcome, convs[2])
	bob.say(convs[2], "bob from node A")
	custs[2].expectText("bob from node A")
	alice.say(convs[0], "alice to node A")
	custs[0].expectText("alice to node A")

	// The agents' view of each other spans the nodes.
	carol.expect(gateway.TypeAgents, func(f gateway.Frame) bool {
		n := 0
		for _, a := range f.Agents {
			if a.ID == "alice" && a.Active == 2 || a.ID == "bob" && a.Active == 1 {
				n++
			}
		}
		return n == 2
	})
	queue, err := g.store().Queue(t.Context(), "s1")
	require.NoError(t, err)
	assert.Empty(t, queue)
}

func TestMultinodeTransfer(t *testing.T) {
	g := newGrid(t, 3, nil)
	a, b, c := g.nodes[0], g.nodes[1], g.nodes[2]
	alice := a.agent("s1", "alice")
	cust := c.customer("s1", gateway.Frame{})
	conv := cust.say("", "need help").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	alice.say(conv, "one moment")
	bob := awayAgent(b, "bob") // away: gets no new work, may be transferred to

	alice.send(gateway.Frame{Type: gateway.TypeTransfer, ID: "t1", Conv: conv, Agent: "bob"})
	ack := alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "t1" })
	assert.Equal(t, "bob", ack.Conversation.AgentID)
	f := bob.expect(gateway.TypeConversation, isConv(conv))
	assert.Equal(t, "bob", f.Conversation.AgentID)
	bob.expectText("need help")
	bob.expectText("one moment")
	transferred := cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventTransferred })
	assert.Equal(t, "bob", transferred.Message.SenderID)

	bob.say(conv, "bob here, on node B")
	cust.expectText("bob here, on node B")
	cust.say(conv, "thanks bob")
	bob.expectText("thanks bob")
	_, leaked := alice.find(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Text == "thanks bob" }, 300*time.Millisecond)
	assert.False(t, leaked, "the previous agent no longer follows the conversation")
	alice.send(gateway.Frame{Type: gateway.TypeMessage, ID: "stale", Conv: conv, Text: "still me"})
	alice.expectError(gateway.CodeForbidden)

	agents, err := g.store().Agents(t.Context(), "s1")
	require.NoError(t, err)
	active := map[string]int{}
	for _, ag := range agents {
		active[ag.ID] = ag.Active
	}
	assert.Equal(t, 0, active["alice"])
	assert.Equal(t, 1, active["bob"])
}

func TestMultinodeConcurrentAcceptExactlyOneWins(t *testing.T) {
	g := newGrid(t, 3, nil)
	agents := []*client{
		awayAgent(g.nodes[0], "alice"), awayAgent(g.nodes[1], "bob"),
		awayAgent(g.nodes[2], "carol"), awayAgent(g.nodes[0], "maria"),
	}
	for round := range 5 {
		cust := g.nodes[round%3].customer("s1", gateway.Frame{})
		conv := cust.say("", fmt.Sprintf("race %d", round)).Conv
		id := "acc-" + conv
		var wg sync.WaitGroup
		for _, a := range agents {
			wg.Go(func() { a.send(gateway.Frame{Type: gateway.TypeAccept, ID: id, Conv: conv}) })
		}
		wg.Wait()
		wins, conflicts := 0, 0
		var winner *client
		for _, a := range agents {
			f := a.answer(id)
			switch f.Type {
			case gateway.TypeAck:
				wins++
				winner = a
				require.Equal(t, a.name, f.Conversation.AgentID)
			case gateway.TypeError:
				conflicts++
				assert.Equal(t, gateway.CodeConflict, f.Code)
			}
		}
		require.Equal(t, 1, wins, "round %d", round)
		assert.Equal(t, len(agents)-1, conflicts, "round %d", round)
		winner.expectText(fmt.Sprintf("race %d", round))
		winner.say(conv, "I won")
		cust.expectText("I won")
		winner.send(gateway.Frame{Type: gateway.TypeClose, ID: "close-" + conv, Conv: conv})
		winner.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "close-"+conv })
	}
	agentsNow, err := g.store().Agents(t.Context(), "s1")
	require.NoError(t, err)
	for _, a := range agentsNow {
		assert.Zero(t, a.Active, "agent %s holds no conversation after closing", a.ID)
	}
}

func TestMultinodeSecondTabOnAnotherNode(t *testing.T) {
	g := newGrid(t, 2, nil)
	a, b := g.nodes[0], g.nodes[1]
	tab1 := a.customer("s1", gateway.Frame{})
	tab2 := b.customer("s1", gateway.Frame{Token: tab1.token})

	// A conversation started in tab one reaches tab two on the other node.
	conv := tab1.say("", "started in tab one").Conv
	f := tab2.expect(gateway.TypeConversation, isConv(conv))
	assert.Equal(t, session.StateQueued, f.Conversation.State)
	tab2.expectText("started in tab one")

	ack := tab2.say("", "from tab two")
	assert.Equal(t, conv, ack.Conv, "same visitor, same conversation")
	tab1.expectText("from tab two")

	// A third tab opened later on node B replays the history.
	tab3 := b.customerRaw(t, "s1", gateway.Frame{Token: tab1.token})
	w := tab3.expect(gateway.TypeWelcome, nil)
	require.Len(t, w.Conversations, 1)
	assert.Equal(t, conv, w.Conversations[0].ID)
	assert.Equal(t, []string{"started in tab one", "from tab two"}, textSeqs(t, tab3.until("from tab two"), 0))

	// The agent's reply reaches every tab on both nodes.
	alice := a.agent("s1", "alice")
	alice.expect(gateway.TypeConversation, isConv(conv))
	alice.say(conv, "hello all tabs")
	for _, tab := range []*client{tab1, tab2, tab3} {
		tab.expectText("hello all tabs")
	}
}

// TestMultinodeClusterChat runs two gateway nodes on a three-master Redis
// Cluster.
func TestMultinodeClusterChat(t *testing.T) {
	g := newClusterGrid(t, 2, nil)
	a, b := g.nodes[0], g.nodes[1]
	alice := b.agent("s1", "alice")
	cust := a.customer("s1", gateway.Frame{})
	conv := cust.say("", "hello over the cluster").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	alice.expectText("hello over the cluster")
	for i := range 3 {
		alice.say(conv, fmt.Sprintf("agent %d", i))
		cust.say(conv, fmt.Sprintf("customer %d", i))
	}
	alice.say(conv, "bye")
	assert.Equal(t, []string{"hello over the cluster", "agent 0", "customer 0", "agent 1", "customer 1", "agent 2", "customer 2", "bye"},
		textSeqs(t, cust.until("bye"), 0))
	alice.expectText("customer 2")

	// Another site hashes to its own slot, and works side by side.
	bob := a.agent("s2", "bob")
	other := b.customer("s2", gateway.Frame{})
	conv2 := other.say("", "site two over the cluster").Conv
	bob.expect(gateway.TypeConversation, isConv(conv2))
	bob.say(conv2, "hi site two")
	other.expectText("hi site two")
}

// answer returns the ack or error that answers the client frame id.
func (c *client) answer(id string) gateway.Frame {
	c.t.Helper()
	match := func(f gateway.Frame) bool {
		return f.ID == id && (f.Type == gateway.TypeAck || f.Type == gateway.TypeError)
	}
	for i, f := range c.backlog {
		if match(f) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			return f
		}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case f, open := <-c.frames:
			if !open {
				c.t.Fatalf("%s: connection closed before the answer to %s", c.name, id)
			}
			if match(f) {
				return f
			}
			c.backlog = append(c.backlog, f)
		case <-timer.C:
			c.t.Fatalf("%s: no answer to %s within %s", c.name, id, wait)
		}
	}
}
