package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// TestRedisAppendPublish checks that the Redis store publishes a message's
// event in the script that stores it, with the stored seq in place, only
// when the broker shares its Redis, and never for a resend or a refused
// message.
func TestRedisAppendPublish(t *testing.T) {
	ctx := t.Context()
	_, c := newRedisClient(t)
	s := session.NewRedis(c, session.RedisConfig{})
	b := newRedisBroker(t, c)
	conv, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v", State: session.StateQueued})
	require.NoError(t, err)
	got := make(chan []byte, 8)
	cancel, err := b.Subscribe(ctx, session.ConversationTopic(conv.ID), func(p []byte) { got <- p })
	require.NoError(t, err)
	defer cancel()

	var drafts []session.Message
	encode := func(m *session.Message) (session.Publication, error) {
		drafts = append(drafts, *m)
		return session.Publication{Topic: session.ConversationTopic(conv.ID), Parts: []string{"<", "|", ">"}}, nil
	}
	msg := session.Message{ConversationID: conv.ID, ClientID: "c-1", Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hi"}
	stored, dup, published, err := s.AppendPublish(ctx, msg, b, encode)
	require.NoError(t, err)
	assert.False(t, dup)
	assert.True(t, published)
	assert.Equal(t, int64(2), stored.Seq, "after the queued event")
	require.Len(t, drafts, 1)
	assert.Zero(t, drafts[0].Seq, "encoded before its seq is known")
	assert.Equal(t, stored.At, drafts[0].At, "encoded with its stored time")
	assert.Equal(t, "<2|2>", string(receive(t, got)))

	// A resend is a duplicate and publishes nothing.
	again, dup, published, err := s.AppendPublish(ctx, msg, b, encode)
	require.NoError(t, err)
	assert.True(t, dup)
	assert.False(t, published)
	assert.Equal(t, stored.Seq, again.Seq)

	// An agent not assigned may not write: nothing is stored or published,
	// and its client ID stays free.
	agentMsg := session.Message{ConversationID: conv.ID, ClientID: "a-1", Kind: session.KindText, Role: session.RoleAgent, SenderID: "ana", Text: "hola"}
	_, _, _, err = s.AppendPublish(ctx, agentMsg, b, encode)
	require.ErrorIs(t, err, session.ErrForbidden)
	_, err = s.Assign(ctx, conv.ID, "ana", 0)
	require.NoError(t, err)
	stored, dup, published, err = s.AppendPublish(ctx, agentMsg, b, encode)
	require.NoError(t, err)
	assert.False(t, dup, "the refused attempt left no idempotency key")
	assert.True(t, published)
	assert.Equal(t, "<4|4>", string(receive(t, got)), "after the assigned event")

	// With another broker the store only appends; the caller publishes.
	other := session.NewMemoryBroker()
	stored2, _, published, err := s.AppendPublish(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "again"}, other, encode)
	require.NoError(t, err)
	assert.False(t, published)
	assert.Equal(t, stored.Seq+1, stored2.Seq)
	select {
	case p := <-got:
		t.Fatalf("published %q through another broker's Redis", p)
	case <-time.After(100 * time.Millisecond):
	}
	history, err := s.History(ctx, conv.ID, 0, 0)
	require.NoError(t, err)
	assert.Len(t, history, 5)
}

func receive(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no event published")
		return nil
	}
}
