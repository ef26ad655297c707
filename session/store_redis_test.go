package session_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

// newRedisClient starts a redis-server for the test and returns a client of it.
func newRedisClient(t *testing.T, extra ...string) (*redistest.Server, *redis.Client) {
	t.Helper()
	return newRedisClientB(t, extra...)
}

// newRedisClientB is newRedisClient for tests and benchmarks alike.
func newRedisClientB(tb testing.TB, extra ...string) (*redistest.Server, *redis.Client) {
	tb.Helper()
	srv := redistest.Start(tb, extra...)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	require.NoError(tb, c.Ping(context.Background()).Err())
	return srv, c
}

// newClusterClient starts a three-master Redis Cluster and returns a client.
func newClusterClient(t *testing.T) *redis.ClusterClient {
	t.Helper()
	cl := redistest.StartCluster(t, 3)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.ForEachShard(t.Context(), func(ctx context.Context, s *redis.Client) error {
		return s.Ping(ctx).Err()
	}))
	return c
}

func TestRedisStoreContract(t *testing.T) {
	_, c := newRedisClient(t)
	storetest.Run(t, func(t *testing.T) session.Store { return session.NewRedis(c, session.RedisConfig{}) })
	storetest.RunLimits(t, func(t *testing.T, l session.Limits) session.Store {
		return session.NewRedis(c, session.RedisConfig{Limits: l})
	})
}

func TestRedisStoreClusterContract(t *testing.T) {
	c := newClusterClient(t)
	storetest.Run(t, func(t *testing.T) session.Store { return session.NewRedis(c, session.RedisConfig{}) })
	storetest.RunLimits(t, func(t *testing.T, l session.Limits) session.Store {
		return session.NewRedis(c, session.RedisConfig{Limits: l})
	})
}
