package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/session"
)

// openStore returns the in-memory store and broker, or Redis ones when
// redisURL is set (redis://, rediss://, or a comma-separated list of
// host:port for Cluster), keeping within limits, and a function that
// releases them.
func openStore(ctx context.Context, redisURL string, limits session.Limits, logger *slog.Logger) (session.Store, session.Broker, func(), error) {
	if redisURL == "" {
		return session.NewMemory(session.MemoryConfig{Limits: limits}), session.NewMemoryBroker(), func() {}, nil
	}
	opts, err := redis.ParseURL(redisURL)
	var client redis.UniversalClient
	// Commands end with their context's deadline: a message whose store
	// write hangs is reported to its sender in time.
	if err == nil {
		opts.ContextTimeoutEnabled = true
		client = redis.NewClient(opts)
	} else if copts, cerr := redis.ParseClusterURL(redisURL); cerr == nil {
		copts.ContextTimeoutEnabled = true
		client = redis.NewClusterClient(copts)
	} else {
		return nil, nil, nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		logger.Warn("Redis is not reachable yet; the gateway will report not ready until it is", "err", err)
	}
	broker := session.NewRedisBroker(client, logger)
	release := func() {
		broker.Close()
		client.Close()
	}
	return session.NewRedis(client, session.RedisConfig{Limits: limits}), broker, release, nil
}
