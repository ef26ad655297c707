package session_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestRedisOutboxContract(t *testing.T) {
	_, c := newRedisClient(t)
	storetest.RunOutbox(t, func(t *testing.T) session.Outbox {
		return session.NewRedis(c, session.RedisConfig{Prefix: "ob-" + session.NewID()[:8]})
	})
}

func TestRedisOutboxClusterContract(t *testing.T) {
	c := newClusterClient(t)
	storetest.RunOutbox(t, func(t *testing.T) session.Outbox {
		return session.NewRedis(c, session.RedisConfig{Prefix: "ob-" + session.NewID()[:8]})
	})
}

// TestRedisOutboxRetention checks the Redis outbox's key layout promises:
// finished deliveries expire, pending ones do not, and a site's list is
// capped without losing pending deliveries.
func TestRedisOutboxRetention(t *testing.T) {
	ctx := t.Context()
	_, c := newRedisClient(t)
	r := session.NewRedis(c, session.RedisConfig{Prefix: "ret"})
	t0 := time.UnixMilli(time.Now().Add(-time.Hour).UnixMilli())

	require.NoError(t, r.EnqueueDelivery(ctx, session.Delivery{ID: "pending", SiteID: "s", CreatedAt: t0}))
	require.NoError(t, r.EnqueueDelivery(ctx, session.Delivery{ID: "done", SiteID: "s", CreatedAt: t0}))
	got, err := r.ClaimDeliveries(ctx, time.Now(), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, d := range got {
		if d.ID == "done" {
			d.Attempts, d.Delivered, d.LastStatus = 1, true, 200
			require.NoError(t, r.RecordAttempt(ctx, d))
		}
	}
	ttl, err := c.PTTL(ctx, "ret:{outbox}:d:done").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 6*24*time.Hour, "a finished delivery is kept about 7 days")
	ttl, err = c.PTTL(ctx, "ret:{outbox}:d:pending").Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), ttl, "a pending delivery does not expire")

	for i := range 1000 {
		require.NoError(t, r.EnqueueDelivery(ctx, session.Delivery{
			ID: "new" + strconv.Itoa(i), SiteID: "s", CreatedAt: t0.Add(time.Second), Delivered: true,
		}))
	}
	list, err := r.Deliveries(ctx, "s", 0)
	require.NoError(t, err)
	assert.Len(t, list, 1000, "the list is capped")
	n, err := c.Exists(ctx, "ret:{outbox}:d:done").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "a finished delivery trimmed from the list is deleted")

	// The pending delivery was trimmed from the list but is still delivered.
	got, err = r.ClaimDeliveries(ctx, time.Now().Add(2*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "pending", got[0].ID)
}
