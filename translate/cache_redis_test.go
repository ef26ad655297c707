package translate

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate/translatetest"
)

// TestTranslateCacheOnRedis checks that translations cached through a Redis
// session store are shared by every gateway and expire.
func TestTranslateCacheOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	require.NoError(t, client.Ping(ctx).Err())

	fake := translatetest.NewGoogle(t, "k")
	cfg := Config{
		Provider: ProviderGoogle,
		Google:   GoogleConfig{APIKey: "k", Endpoint: fake.URL + "/language/translate/"},
		CacheTTL: time.Hour,
	}
	gateway := func() Translator {
		tr, err := New(cfg, session.NewRedis(client, session.RedisConfig{}), testLogger(t), nil)
		require.NoError(t, err)
		return tr
	}
	first, second := gateway(), gateway()

	out, err := first.Translate(ctx, "hello, my order is late", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola, mi pedido es tarde", out)
	out, err = second.Translate(ctx, "hello, my order is late", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola, mi pedido es tarde", out)
	assert.Len(t, fake.Requests(), 1, "the second gateway reads the first one's translation")

	var keys []string
	iter := client.Scan(ctx, 0, "*tr:v1:google:en:es:*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	require.NoError(t, iter.Err())
	require.Len(t, keys, 1)
	ttl, err := client.TTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute)
	assert.LessOrEqual(t, ttl, time.Hour)
}
