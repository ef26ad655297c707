package session_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/session"
)

// TestRedisBrokerFollowsSlotMove moves the slot of a subscribed topic to
// another master: Redis drops the sharded subscription, and the broker must
// resubscribe on the new owner, signal the gap and deliver again.
func TestRedisBrokerFollowsSlotMove(t *testing.T) {
	c := newClusterClient(t)
	ctx := t.Context()
	b := newRedisBroker(t, c)
	topic := session.ConversationTopic(session.NewID())

	rec := newRecorder()
	cancel, err := b.Subscribe(ctx, topic, rec.fn)
	require.NoError(t, err)
	defer cancel()
	require.NoError(t, b.Publish(ctx, topic, []byte("before")))
	rec.waitFor(t, 5*time.Second, func(got []string, _ int) bool { return len(got) == 1 })

	slot, err := c.ClusterKeySlot(ctx, topic).Result()
	require.NoError(t, err)
	owner, err := c.MasterForKey(ctx, topic)
	require.NoError(t, err)
	var target *redis.Client
	var (
		mu      sync.Mutex
		masters []*redis.Client
	)
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		mu.Lock() // called concurrently
		defer mu.Unlock()
		masters = append(masters, m)
		return nil
	}))
	for _, m := range masters {
		if m.Options().Addr != owner.Options().Addr {
			target = m
			break
		}
	}
	require.NotNil(t, target)
	targetID, err := target.Do(ctx, "CLUSTER", "MYID").Text()
	require.NoError(t, err)
	// The slot holds no keys (a channel is not a key), so it can be
	// reassigned directly: the new owner first, then the others.
	require.NoError(t, target.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", targetID).Err())
	for _, m := range masters {
		if m != target {
			require.NoError(t, m.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", targetID).Err())
		}
	}

	rec.waitFor(t, 20*time.Second, func(_ []string, resync int) bool { return resync >= 1 })
	require.NoError(t, b.Publish(ctx, topic, []byte("after")))
	rec.waitFor(t, 5*time.Second, func(got []string, _ int) bool { return len(got) == 2 })
	assert.Equal(t, []string{"before", "after"}, rec.got)
}

// TestRedisBrokerClusterNodeRestart crashes the master that carries a topic
// and restarts it: the broker reconnects to it, resubscribes, signals the
// gap and delivers again.
func TestRedisBrokerClusterNodeRestart(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()
	b := newRedisBroker(t, c)
	topic := session.SiteTopic(session.NewID())

	rec := newRecorder()
	cancel, err := b.Subscribe(ctx, topic, rec.fn)
	require.NoError(t, err)
	defer cancel()

	owner, err := c.MasterForKey(ctx, topic)
	require.NoError(t, err)
	var srv *redistest.Server
	for _, s := range cl.Servers {
		if s.Addr == owner.Options().Addr {
			srv = s
		}
	}
	require.NotNil(t, srv)

	srv.Kill()
	pubCtx, pubCancel := context.WithTimeout(ctx, 10*time.Second)
	defer pubCancel()
	require.ErrorIs(t, b.Publish(pubCtx, topic, []byte("lost")), session.ErrUnavailable)
	srv.Restart()

	rec.waitFor(t, 30*time.Second, func(_ []string, resync int) bool { return resync >= 1 })
	require.Eventually(t, func() bool { return b.Publish(ctx, topic, []byte("after")) == nil }, 10*time.Second, 100*time.Millisecond)
	rec.waitFor(t, 5*time.Second, func(got []string, _ int) bool { return len(got) >= 1 })
	assert.Equal(t, "after", rec.got[0])
}
