package session_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// benchConversation starts a Redis store for a benchmark and opens a
// queued conversation in it.
func benchConversation(b *testing.B) (*session.Redis, string) {
	_, c := newRedisClientB(b)
	s := session.NewRedis(c, session.RedisConfig{})
	conv, _, err := s.OpenConversation(b.Context(), session.Conversation{SiteID: "bench", VisitorID: "v", State: session.StateQueued})
	require.NoError(b, err)
	return s, conv.ID
}

// benchText is the i-th customer message of a benchmark conversation.
func benchText(conv string, i int, text string) session.Message {
	return session.Message{ConversationID: conv, ClientID: fmt.Sprint(i), Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: text}
}

// BenchmarkRedisAppend measures Append, the hot path: one EVALSHA each.
func BenchmarkRedisAppend(b *testing.B) {
	s, conv := benchConversation(b)
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := s.Append(ctx, benchText(conv, i, "hello there")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisAssign measures opening a conversation and assigning it.
func BenchmarkRedisAssign(b *testing.B) {
	_, c := newRedisClientB(b)
	ctx := b.Context()
	s := session.NewRedis(c, session.RedisConfig{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		conv, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "bench", VisitorID: fmt.Sprint("v", i), State: session.StateQueued})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Assign(ctx, conv.ID, fmt.Sprint("agent", i%50), 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisHistory measures the read behind a resume: 100 messages
// after a seq, in one MULTI.
func BenchmarkRedisHistory(b *testing.B) {
	s, conv := benchConversation(b)
	ctx := b.Context()
	var last int64
	for i := range 100 {
		m, _, err := s.Append(ctx, benchText(conv, i, fmt.Sprintf("Message %d of 100 while you were away.", i)))
		require.NoError(b, err)
		last = m.Seq
	}
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := s.History(ctx, conv, last-100, 256)
		if err != nil || len(msgs) != 100 {
			b.Fatalf("history: %d messages, %v", len(msgs), err)
		}
	}
}
