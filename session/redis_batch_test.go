package session_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/session"
)

// TestRedisAppendsBatched checks the batched hot path: many concurrent
// Appends, in rounds that each begin with Redis having forgotten its
// scripts, are each stored once, with their own seq.
func TestRedisAppendsBatched(t *testing.T) {
	_, c := newRedisClient(t)
	appendsBatched(t, c)
}

// TestRedisClusterAppendsBatched is TestRedisAppendsBatched on a Cluster,
// whose pipelines go to each key's master.
func TestRedisClusterAppendsBatched(t *testing.T) {
	appendsBatched(t, newClusterClient(t))
}

func appendsBatched(t *testing.T, c redis.UniversalClient) {
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{})
	conv, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v", State: session.StateQueued})
	require.NoError(t, err)
	const rounds, callers = 3, 64
	var mu sync.Mutex
	var seqs []int64
	for round := range rounds {
		// Each round finds the script unknown to Redis, in a pipeline.
		require.NoError(t, c.ScriptFlush(ctx).Err())
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				m, dup, err := s.Append(ctx, session.Message{ConversationID: conv.ID, ClientID: fmt.Sprint(round, "-", i),
					Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hi"})
				if assert.NoError(t, err) && assert.False(t, dup) {
					mu.Lock()
					seqs = append(seqs, m.Seq)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	slices.Sort(seqs)
	want := make([]int64, rounds*callers)
	for i := range want {
		want[i] = int64(i + 2) // after the queued event
	}
	assert.Equal(t, want, seqs)
	hist, err := s.History(ctx, conv.ID, 0, 0)
	require.NoError(t, err)
	assert.Len(t, hist, rounds*callers+1)
}

// TestRedisAppendHonoursContext checks that callers whose context ends
// stop waiting for a Redis that does not answer (with a client that
// respects deadlines, as the gateway's does), alone or batched, and that
// the store works again once Redis answers.
func TestRedisAppendHonoursContext(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	s := session.NewRedis(c, session.RedisConfig{})
	conv, _, err := s.OpenConversation(t.Context(), session.Conversation{SiteID: "s", VisitorID: "v", State: session.StateQueued})
	require.NoError(t, err)
	msg := func(id string) session.Message {
		return session.Message{ConversationID: conv.ID, ClientID: id, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hi"}
	}
	for _, callers := range []int{1, 8} {
		asleep := make(chan error, 1)
		sleeper := redis.NewClient(&redis.Options{Addr: srv.Addr})
		go func() { asleep <- sleeper.Do(context.Background(), "DEBUG", "SLEEP", "2").Err() }()
		require.Eventually(t, func() bool { // Redis is asleep once a PING goes unanswered
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			return c.Ping(ctx).Err() != nil
		}, 5*time.Second, 10*time.Millisecond)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
				defer cancel()
				_, _, err := s.Append(ctx, msg(fmt.Sprint(callers, "-", i)))
				assert.True(t, errors.Is(err, session.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded), "%v", err)
			})
		}
		wg.Wait()
		select {
		case err := <-asleep:
			t.Fatalf("%d callers returned only once Redis woke (%v)", callers, err)
		default:
		}
		require.NoError(t, <-asleep)
		require.NoError(t, sleeper.Close())
	}
	stored, _, err := s.Append(t.Context(), msg("after"))
	require.NoError(t, err)
	hist, err := s.History(t.Context(), conv.ID, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, stored.Seq, hist[len(hist)-1].Seq)
}
