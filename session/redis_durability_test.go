package session_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// TestRedisStoreSurvivesRestart writes every kind of state, crashes Redis
// (SIGKILL, with AOF fsync on every write) and restarts it on the same port
// and directory: a fresh store must read everything back.
func TestRedisStoreSurvivesRestart(t *testing.T) {
	srv, c := newRedisClient(t, "--appendonly", "yes", "--appendfsync", "always")
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{})

	require.NoError(t, s.SetAgent(ctx, session.Agent{ID: "ag", SiteID: "shop", Name: "Ana", Status: session.StatusOnline, Capacity: 3, Languages: []string{"es", "en"}}))
	waiting, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "shop", VisitorID: "v1", VisitorName: "Bo", Language: "de", State: session.StateQueued})
	require.NoError(t, err)
	served, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "shop", VisitorID: "v2", State: session.StateQueued})
	require.NoError(t, err)
	m, _, err := s.Append(ctx, session.Message{ConversationID: waiting.ID, ClientID: "c1", Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v1", Text: "Hallo", Lang: "de"})
	require.NoError(t, err)
	require.NoError(t, s.SetTranslation(ctx, waiting.ID, m.Seq, "en", "Hello"))
	_, err = s.Assign(ctx, served.ID, "ag", 3)
	require.NoError(t, err)
	require.NoError(t, s.CacheSet(ctx, "tr:x", "y", time.Hour))
	wantHistory, err := s.History(ctx, waiting.ID, 0, 0)
	require.NoError(t, err)
	wantAgent, err := s.Agent(ctx, "shop", "ag")
	require.NoError(t, err)

	srv.Kill()
	srv.Restart()

	s2 := session.NewRedis(c, session.RedisConfig{}) // nothing cached in memory
	require.Eventually(t, func() bool { return s2.Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond)

	got, err := s2.Conversation(ctx, waiting.ID)
	require.NoError(t, err)
	assert.Equal(t, "Bo", got.VisitorName)
	assert.Equal(t, session.StateQueued, got.State)
	assert.Equal(t, int64(2), got.LastSeq)
	hist, err := s2.History(ctx, waiting.ID, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, wantHistory, hist)
	assert.Equal(t, map[string]string{"en": "Hello"}, hist[1].Translations)

	q, err := s2.Queue(ctx, "shop")
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, waiting.ID, q[0].ID)

	act, err := s2.Conversation(ctx, served.ID)
	require.NoError(t, err)
	assert.Equal(t, session.StateActive, act.State)
	assert.Equal(t, "ag", act.AgentID)
	a, err := s2.Agent(ctx, "shop", "ag")
	require.NoError(t, err)
	assert.Equal(t, wantAgent, a)
	assert.Equal(t, 1, a.Active)

	vc, err := s2.VisitorConversation(ctx, "shop", "v1")
	require.NoError(t, err)
	assert.Equal(t, waiting.ID, vc.ID)
	v, err := s2.CacheGet(ctx, "tr:x")
	require.NoError(t, err)
	assert.Equal(t, "y", v)

	// The idempotency record survived too: resending is still a duplicate.
	again, dup, err := s2.Append(ctx, session.Message{ConversationID: waiting.ID, ClientID: "c1", Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v1", Text: "Hallo"})
	require.NoError(t, err)
	assert.True(t, dup)
	assert.Equal(t, m.Seq, again.Seq)
}

// TestRedisOutage stops Redis under a store and a broker: calls fail fast
// with ErrUnavailable, and once Redis is back the store works again and the
// broker resubscribes, signals the possible gap and delivers.
func TestRedisOutage(t *testing.T) {
	srv, _ := newRedisClient(t, "--appendonly", "yes", "--appendfsync", "always")
	c := redis.NewClient(&redis.Options{
		Addr:         srv.Addr,
		DialTimeout:  200 * time.Millisecond,
		ReadTimeout:  200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond,
		MaxRetries:   -1, // fail at once; the caller decides about retries
	})
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{})
	b := newRedisBroker(t, c)

	conv, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "shop", VisitorID: "v", State: session.StateQueued})
	require.NoError(t, err)
	rec := newRecorder()
	cancel, err := b.Subscribe(ctx, session.ConversationTopic(conv.ID), rec.fn)
	require.NoError(t, err)
	defer cancel()
	require.NoError(t, b.Publish(ctx, session.ConversationTopic(conv.ID), []byte("before")))
	rec.waitFor(t, 5*time.Second, func(got []string, _ int) bool { return len(got) == 1 })

	srv.Kill()

	callCtx, callCancel := context.WithTimeout(ctx, 5*time.Second)
	defer callCancel()
	// The first call may hit a pooled connection that was reset; every
	// call fails with ErrUnavailable.
	for i := range 3 {
		_, _, err = s.Append(callCtx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: fmt.Sprint(i)})
		require.ErrorIs(t, err, session.ErrUnavailable, "call %d", i)
	}
	require.ErrorIs(t, s.Ping(callCtx), session.ErrUnavailable)
	_, err = s.History(callCtx, conv.ID, 0, 0)
	require.ErrorIs(t, err, session.ErrUnavailable)
	require.ErrorIs(t, b.Publish(callCtx, session.ConversationTopic(conv.ID), []byte("lost")), session.ErrUnavailable)
	require.NoError(t, callCtx.Err(), "errors came before the call deadline")

	srv.Restart()

	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 10*time.Second, 50*time.Millisecond)
	m, _, err := s.Append(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "after"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), m.Seq, "the failed appends wrote nothing")

	rec.waitFor(t, 10*time.Second, func(_ []string, resync int) bool { return resync >= 1 })
	require.NoError(t, b.Publish(ctx, session.ConversationTopic(conv.ID), []byte("after")))
	rec.waitFor(t, 5*time.Second, func(got []string, _ int) bool { return len(got) == 2 })
	assert.Equal(t, []string{"before", "after"}, rec.got)
}
