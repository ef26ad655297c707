package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func testCache(t *testing.T, f *fixture) {
	key := f.id("key")
	_, err := f.s.CacheGet(f.ctx, key)
	require.ErrorIs(t, err, session.ErrNotFound)

	require.NoError(t, f.s.CacheSet(f.ctx, key, "one", time.Hour))
	v, err := f.s.CacheGet(f.ctx, key)
	require.NoError(t, err)
	assert.Equal(t, "one", v)

	require.NoError(t, f.s.CacheSet(f.ctx, key, "two", 0))
	v, err = f.s.CacheGet(f.ctx, key)
	require.NoError(t, err)
	assert.Equal(t, "two", v)

	require.NoError(t, f.s.CacheSet(f.ctx, f.id("empty"), "", time.Hour))
	v, err = f.s.CacheGet(f.ctx, f.id("empty"))
	require.NoError(t, err, "an empty value is a value")
	assert.Empty(t, v)
}

func testCacheExpiry(t *testing.T, f *fixture) {
	const ttl = time.Second // whole seconds, for backends that round
	short, forever := f.id("short"), f.id("forever")
	require.NoError(t, f.s.CacheSet(f.ctx, forever, "kept", 0))
	require.NoError(t, f.s.CacheSet(f.ctx, forever+"-neg", "kept", -time.Second))
	set := time.Now()
	require.NoError(t, f.s.CacheSet(f.ctx, short, "brief", ttl))
	v, err := f.s.CacheGet(f.ctx, short)
	if time.Since(set) < ttl/2 { // skip the check on a badly stalled machine
		require.NoError(t, err)
		assert.Equal(t, "brief", v)
	}

	deadline := time.Now().Add(ttl + 5*time.Second)
	for {
		_, err = f.s.CacheGet(f.ctx, short)
		if err != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.ErrorIs(t, err, session.ErrNotFound, "the entry must expire after its ttl")
	assert.False(t, time.Since(set) < ttl, "the entry expired before its ttl")

	for _, k := range []string{forever, forever + "-neg"} {
		v, err = f.s.CacheGet(f.ctx, k)
		require.NoError(t, err, "ttl <= 0 keeps the entry forever")
		assert.Equal(t, "kept", v)
	}
}

func testPing(t *testing.T, f *fixture) {
	require.NoError(t, f.s.Ping(f.ctx))
}
