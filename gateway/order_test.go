package gateway_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// countingStore counts history reads.
type countingStore struct {
	session.Store
	histories atomic.Int64
}

func (s *countingStore) History(ctx context.Context, conv string, after int64, limit int) ([]session.Message, error) {
	s.histories.Add(1)
	return s.Store.History(ctx, conv, after, limit)
}

// lateBroker publishes late while delay is set, as a busy broker does.
type lateBroker struct {
	session.Broker
	delay atomic.Int64 // nanoseconds
}

func (b *lateBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	if d := time.Duration(b.delay.Load()); d > 0 {
		time.AfterFunc(d, func() { _ = b.Broker.Publish(context.Background(), topic, payload) })
		return nil
	}
	return b.Broker.Publish(ctx, topic, payload)
}

// crossingChat starts a gateway, configured by cfg, whose broker can be
// slowed down, and a chat between a customer and agent alice in which both
// have seen the customer's first message, hello.
func crossingChat(t *testing.T, cfg func(*gateway.Config)) (*countingStore, *lateBroker, *client, *client, string, gateway.Frame) {
	t.Helper()
	store := &countingStore{Store: session.NewMemory(session.MemoryConfig{})}
	broker := &lateBroker{Broker: session.NewMemoryBroker()}
	e := newEnvWith(t, store, broker, cfg)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hello").Conv
	alice.expect(gateway.TypeConversation, isConv(conv))
	return store, broker, alice, cust, conv, alice.expectText("hello")
}

// TestCrossingMessagesWaitForTheBroker checks the two directions of a
// conversation crossing: the agent's message is stored after the
// customer's, whose event is still on its way. The agent's ack waits for
// that event instead of reading the history, and the agent sees both once,
// in order.
func TestCrossingMessagesWaitForTheBroker(t *testing.T) {
	store, broker, alice, cust, conv, hello := crossingChat(t, nil)

	reads := store.histories.Load()
	broker.delay.Store(int64(30 * time.Millisecond))
	cust.say(conv, "crossing") // reaches alice 30 ms late
	broker.delay.Store(0)
	alice.say(conv, "answer")
	var after []gateway.Frame
	for _, f := range alice.until("answer") {
		if f.Seq > hello.Seq {
			after = append(after, f)
		}
	}
	assert.Equal(t, []string{"crossing", "answer"}, textSeqs(t, after, hello.Seq))
	assert.Equal(t, reads, store.histories.Load(), "the missing message came through the broker, not the history")
}

// TestFramesPastAGapOverflowToTheStore checks that when more frames are
// held past a gap than a send queue, the missing message is read from the
// store at once, and the agent still sees every message once, in order.
func TestFramesPastAGapOverflowToTheStore(t *testing.T) {
	store, broker, alice, cust, conv, hello := crossingChat(t, func(c *gateway.Config) { c.SendQueue = 16 })

	reads := store.histories.Load()
	broker.delay.Store(int64(time.Minute)) // the customer's next message never comes through the broker
	cust.say(conv, "lost in the broker")
	want := []string{"lost in the broker"}
	for i := range 20 { // sent without waiting for the acks, which are held
		text := fmt.Sprint("answer ", i)
		alice.send(gateway.Frame{Type: gateway.TypeMessage, ID: fmt.Sprint("overflow-", i), Conv: conv, Text: text})
		want = append(want, text)
		// One at a time, so that the send queue never fills.
		require.Eventually(t, func() bool { return countText(t, store.Store, conv, text) == 1 }, wait, time.Millisecond)
	}
	var after []gateway.Frame
	for _, f := range alice.until("answer 19") {
		if f.Seq > hello.Seq {
			after = append(after, f)
		}
	}
	assert.Equal(t, want, textSeqs(t, after, hello.Seq))
	assert.Greater(t, store.histories.Load(), reads, "the missing message came from the store")
}
