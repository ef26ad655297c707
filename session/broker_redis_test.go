package session_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

// testLogger returns a slog.Logger that writes to the test log.
func testLogger(t *testing.T) *slog.Logger { return testlog.New(t, slog.LevelDebug) }

func newRedisBroker(t *testing.T, c redis.UniversalClient) *session.RedisBroker {
	t.Helper()
	b := session.NewRedisBroker(c, testLogger(t))
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

func TestRedisBrokerContract(t *testing.T) {
	_, c := newRedisClient(t)
	// One broker publishes and subscribes, as a single gateway does.
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return newRedisBroker(t, c) })
}

func TestRedisBrokerClusterContract(t *testing.T) {
	c := newClusterClient(t)
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return newRedisBroker(t, c) })
}

// recorder collects deliveries, nil payloads included.
type recorder struct {
	mu     sync.Mutex
	got    []string
	resync int
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) fn(p []byte) {
	r.mu.Lock()
	if p == nil {
		r.resync++
	} else {
		r.got = append(r.got, string(p))
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds, up to timeout.
func (r *recorder) waitFor(t *testing.T, timeout time.Duration, cond func(got []string, resync int) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond(append([]string(nil), r.got...), r.resync)
		got, resync := r.got, r.resync
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.notify:
		case <-deadline.C:
			require.Failf(t, "condition not reached", "got %q, %d resync signals", got, resync)
		}
	}
}

func TestRedisBrokerAcrossGateways(t *testing.T) {
	_, c := newRedisClient(t)
	// Each gateway has its own client and broker; only Redis connects them.
	a := newRedisBroker(t, c)
	other := redis.NewClient(&redis.Options{Addr: c.Options().Addr})
	t.Cleanup(func() { _ = other.Close() })
	b := newRedisBroker(t, other)

	rec := newRecorder()
	cancel, err := b.Subscribe(t.Context(), session.ConversationTopic("x"), rec.fn)
	require.NoError(t, err)
	defer cancel()
	require.NoError(t, a.Publish(t.Context(), session.ConversationTopic("x"), []byte("from a")))
	rec.waitFor(t, 2*time.Second, func(got []string, _ int) bool { return len(got) == 1 })
	assert.Equal(t, []string{"from a"}, rec.got)
}

func TestRedisBrokerCloseStopsGoroutines(t *testing.T) {
	_, c := newRedisClient(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b := session.NewRedisBroker(c, testLogger(t))
	_, err := b.Subscribe(t.Context(), "t", func([]byte) {})
	require.NoError(t, err)
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	_, err = b.Subscribe(t.Context(), "t", func([]byte) {})
	require.Error(t, err, "a closed broker takes no subscriptions")
}

func TestRedisBrokerSubscribeCancelledContext(t *testing.T) {
	_, c := newRedisClient(t)
	b := newRedisBroker(t, c)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := b.Subscribe(ctx, "t", func([]byte) {})
	require.ErrorIs(t, err, context.Canceled)
}
