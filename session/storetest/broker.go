package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// deliveryTimeout bounds how long the broker suite waits for a delivery,
// which may be asynchronous.
const deliveryTimeout = 2 * time.Second

// RunBroker runs the Broker contract suite. newBroker is called once per
// subtest and may return a fresh broker or one shared by all of them.
// Deliveries may be asynchronous: the suite waits for them, up to
// deliveryTimeout each, and relies on Subscribe returning only once the
// subscription is active.
func RunBroker(t *testing.T, newBroker func(t *testing.T) session.Broker) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b session.Broker, topic func(string) string)
	}{
		{"FanOut", testBrokerFanOut},
		{"Cancel", testBrokerCancel},
		{"Order", testBrokerOrder},
		{"PayloadOwnership", testBrokerPayloadOwnership},
		{"NoSubscribers", testBrokerNoSubscribers},
		{"ContextBoundsOnlyTheWait", testBrokerContextBoundsOnlyTheWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBroker(t)
			require.NotNil(t, b, "newBroker returned nil")
			prefix := "bt-" + session.NewID()[:12] + "-"
			tc.fn(t, b, func(name string) string { return prefix + name })
		})
	}
}

// sink collects the payloads delivered to one subscriber. It ignores nil
// payloads, which only say that events may have been lost.
type sink struct {
	mu     sync.Mutex
	got    [][]byte      // kept as delivered, to catch a payload reused later
	notify chan struct{} // signalled after every delivery
}

func newSink() *sink { return &sink{notify: make(chan struct{}, 1)} }

func (s *sink) fn(payload []byte) {
	if payload == nil {
		return
	}
	s.mu.Lock()
	s.got = append(s.got, payload)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// payloads returns what was delivered so far.
func (s *sink) payloads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.got))
	for i, p := range s.got {
		out[i] = string(p)
	}
	return out
}

// wait waits until n payloads arrived, or fails the test after
// deliveryTimeout, and returns them.
func (s *sink) wait(t *testing.T, n int) []string {
	t.Helper()
	timer := time.NewTimer(deliveryTimeout)
	defer timer.Stop()
	for {
		if got := s.payloads(); len(got) >= n {
			return got
		}
		select {
		case <-s.notify:
		case <-timer.C:
			require.Failf(t, "delivery timed out", "got %d of %d payloads: %q", len(s.payloads()), n, s.payloads())
		}
	}
}

// subscribe subscribes a new sink to topic and cancels it when the test ends.
func subscribe(t *testing.T, b session.Broker, topic string) (*sink, func()) {
	t.Helper()
	s := newSink()
	cancel, err := b.Subscribe(t.Context(), topic, s.fn)
	require.NoError(t, err)
	require.NotNil(t, cancel)
	t.Cleanup(cancel)
	return s, cancel
}

func publish(t *testing.T, b session.Broker, topic, payload string) {
	t.Helper()
	require.NoError(t, b.Publish(t.Context(), topic, []byte(payload)))
}

func testBrokerFanOut(t *testing.T, b session.Broker, topic func(string) string) {
	one, two := topic("one"), topic("two")
	s1, _ := subscribe(t, b, one)
	s2, _ := subscribe(t, b, one)
	other, _ := subscribe(t, b, two)

	publish(t, b, one, "hello")
	assert.Equal(t, []string{"hello"}, s1.wait(t, 1))
	assert.Equal(t, []string{"hello"}, s2.wait(t, 1))

	// A marker published afterwards on the other topic arrives after
	// anything wrongly delivered there.
	publish(t, b, two, "marker")
	assert.Equal(t, []string{"marker"}, other.wait(t, 1), "a subscriber gets its own topic only")
	assert.Equal(t, []string{"hello"}, s1.payloads())
	assert.Equal(t, []string{"hello"}, s2.payloads())
}

func testBrokerCancel(t *testing.T, b session.Broker, topic func(string) string) {
	tp := topic("t")
	gone, cancel := subscribe(t, b, tp)
	stays, _ := subscribe(t, b, tp)

	publish(t, b, tp, "first")
	gone.wait(t, 1)
	stays.wait(t, 1)

	cancel()
	cancel() // idempotent
	publish(t, b, tp, "second")
	assert.Equal(t, []string{"first", "second"}, stays.wait(t, 2))
	assert.Equal(t, []string{"first"}, gone.payloads(), "no delivery after cancel")

	// A new subscription to the topic works after a cancel.
	again, _ := subscribe(t, b, tp)
	publish(t, b, tp, "third")
	assert.Equal(t, []string{"third"}, again.wait(t, 1))
	assert.Equal(t, []string{"first"}, gone.payloads())
}

func testBrokerOrder(t *testing.T, b session.Broker, topic func(string) string) {
	const n = 100
	tp := topic("t")
	s, _ := subscribe(t, b, tp)
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprint(i)
		publish(t, b, tp, want[i])
	}
	assert.Equal(t, want, s.wait(t, n), "one publisher's payloads arrive in order")
}

func testBrokerPayloadOwnership(t *testing.T, b session.Broker, topic func(string) string) {
	tp := topic("t")
	s, _ := subscribe(t, b, tp)
	buf := []byte("original")
	require.NoError(t, b.Publish(t.Context(), tp, buf))
	copy(buf, "reused!!")
	require.NoError(t, b.Publish(t.Context(), tp, buf))
	assert.Equal(t, []string{"original", "reused!!"}, s.wait(t, 2),
		"a subscriber may keep a payload after the publisher reuses its buffer")
}

func testBrokerNoSubscribers(t *testing.T, b session.Broker, topic func(string) string) {
	publish(t, b, topic("nobody"), "into the void")
	tp := topic("t")
	s, cancel := subscribe(t, b, tp)
	cancel()
	publish(t, b, tp, "after the last subscriber left")
	again, _ := subscribe(t, b, tp)
	publish(t, b, tp, "marker")
	again.wait(t, 1)
	assert.Empty(t, s.payloads())
}

// testBrokerContextBoundsOnlyTheWait checks that Subscribe's ctx bounds the
// wait for the subscription, not its life: a gateway bounds that wait with
// a timeout and keeps the subscription.
func testBrokerContextBoundsOnlyTheWait(t *testing.T, b session.Broker, topic func(string) string) {
	ctx, cancelCtx := context.WithCancel(t.Context())
	s := newSink()
	cancel, err := b.Subscribe(ctx, topic("t"), s.fn)
	require.NoError(t, err)
	t.Cleanup(cancel)
	cancelCtx()

	publish(t, b, topic("t"), "after")
	assert.Equal(t, []string{"after"}, s.wait(t, 1), "the subscription outlives its ctx")
}
