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

// TestRedisAppendHonoursContext checks that a caller whose context ends
// stops waiting for a Redis that does not answer (with a client that
// respects deadlines, as the gateway's does), and that the store works
// again once Redis answers.
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
	busy := make(chan error, 1)
	go func() { busy <- c.Do(context.Background(), "DEBUG", "SLEEP", "1").Err() }()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, _, err := s.Append(ctx, msg("probe"))
		return errors.Is(err, session.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
	}, 900*time.Millisecond, time.Millisecond, "Redis is asleep: the caller's deadline ends the call")
	require.NoError(t, <-busy)
	stored, _, err := s.Append(t.Context(), msg("after"))
	require.NoError(t, err)
	hist, err := s.History(t.Context(), conv.ID, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, stored.Seq, hist[len(hist)-1].Seq)
}
