package session_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// roundTrips is a client hook that counts round trips: one per command
// sent alone, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

func TestRedisVisitorConversationHint(t *testing.T) {
	_, c := newRedisClient(t)
	rt := &roundTrips{}
	c.AddHook(rt)
	testVisitorConversationHint(t, c, rt)
}

func TestRedisClusterVisitorConversationHint(t *testing.T) {
	c := newClusterClient(t)
	rt := &roundTrips{}
	c.AddHook(rt)
	testVisitorConversationHint(t, c, rt)
}

func testVisitorConversationHint(t *testing.T, c redis.UniversalClient, rt *roundTrips) {
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{})
	site := "hint-" + session.NewID()[:8]
	mine, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: site, VisitorID: "v1", State: session.StateQueued})
	require.NoError(t, err)
	theirs, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: site, VisitorID: "v2", State: session.StateQueued})
	require.NoError(t, err)

	// Warm the pool, so that connection setup does not count as a round trip.
	_, err = s.VisitorConversationHint(ctx, site, "v1", mine.ID)
	require.NoError(t, err)

	read := func(visitor, hint string) (session.Conversation, int64, error) {
		before := rt.n.Load()
		conv, err := s.VisitorConversationHint(ctx, site, visitor, hint)
		return conv, rt.n.Load() - before, err
	}

	conv, trips, err := read("v1", mine.ID)
	require.NoError(t, err)
	assert.Equal(t, mine.ID, conv.ID)
	assert.Equal(t, "v1", conv.VisitorID)
	assert.EqualValues(t, 1, trips, "a right guess costs one round trip")

	for _, hint := range []string{theirs.ID, "", "not-an-id", strings.Repeat("x", 100)} {
		conv, trips, err := read("v1", hint)
		require.NoError(t, err, "hint %q", hint)
		assert.Equal(t, mine.ID, conv.ID, "hint %q: the visitor's own conversation, whatever the guess", hint)
		assert.EqualValues(t, 2, trips, "hint %q: a wrong or missing guess costs the second round trip", hint)
	}

	_, _, err = read("v3", theirs.ID)
	require.ErrorIs(t, err, session.ErrNotFound, "a visitor without a conversation gets none, and not the one they name")

	_, err = s.Close(ctx, mine.ID, "v1")
	require.NoError(t, err)
	_, _, err = read("v1", mine.ID)
	require.ErrorIs(t, err, session.ErrNotFound, "a closed conversation is no longer the visitor's open one")
}
