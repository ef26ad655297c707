package session

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests look inside Memory to check that what its Limits let go of is
// really freed, in batches; the behaviour callers see is checked on both
// stores by storetest.RunLimits.

// memOpen opens a conversation in s and returns its record.
func memOpen(t *testing.T, s *Memory, site, visitor string, state State) *memConv {
	t.Helper()
	c, created, err := s.OpenConversation(t.Context(), Conversation{SiteID: site, VisitorID: visitor, State: state, BotID: "bot"})
	require.NoError(t, err)
	require.True(t, created)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.convs[c.ID]
}

// memSay appends a customer message with the client ID to the conversation.
func memSay(t *testing.T, s *Memory, mc *memConv, clientID string) (Message, bool) {
	t.Helper()
	m, dup, err := s.Append(t.Context(), Message{ConversationID: mc.c.ID, ClientID: clientID, Kind: KindText, Role: RoleCustomer, SenderID: "v", Text: clientID})
	require.NoError(t, err)
	return m, dup
}

func TestMemoryDropsExpiredConversations(t *testing.T) {
	const retention = time.Hour
	s := NewMemory(MemoryConfig{Limits: Limits{Retention: retention}})
	clock := s.now()
	s.now = func() time.Time { return clock }
	kept := memOpen(t, s, "s", "kept", StateQueued)
	other := memOpen(t, s, "t", "kept", StateQueued)
	const n = 500
	for i := range n {
		for _, site := range []string{"s", "t"} {
			mc := memOpen(t, s, site, fmt.Sprint("v", i), StateQueued)
			memSay(t, s, mc, "hello")
			_, err := s.Close(t.Context(), mc.c.ID, "v")
			require.NoError(t, err)
		}
	}
	assert.Len(t, s.convs, 2*n+2)
	assert.Len(t, s.closed, 2*n)

	clock = clock.Add(retention) // every closed conversation has expired
	next := memOpen(t, s, "s", "next", StateQueued)
	assert.Empty(t, s.closed)
	assert.Len(t, s.convs, 3, "only the open conversations are left")
	assert.Equal(t, []*memConv{kept, next}, s.sites["s"].convs)
	assert.Equal(t, []*memConv{other}, s.sites["t"].convs)
	assert.Zero(t, s.sites["s"].gone)
	assert.Equal(t, []*memConv{kept, next}, s.sites["s"].queue)
	assert.Len(t, s.visitors, 3)
}

func TestMemoryDropCompactsTheSiteListInBatches(t *testing.T) {
	s := NewMemory(MemoryConfig{})
	var convs []*memConv
	for i := range 10 {
		mc := memOpen(t, s, "s", fmt.Sprint("v", i), StateQueued)
		_, err := s.Close(t.Context(), mc.c.ID, "v")
		require.NoError(t, err)
		convs = append(convs, mc)
	}
	s.mu.Lock()
	for _, mc := range convs[:4] {
		s.drop(mc)
	}
	s.mu.Unlock()
	site := s.sites["s"]
	assert.Len(t, site.convs, 10, "fewer than half are gone: the list is kept as it is")
	assert.Equal(t, 4, site.gone)
	list, err := s.Conversations(t.Context(), "s", Filter{}, 0)
	require.NoError(t, err)
	assert.Len(t, list, 6, "dropped conversations are not listed")
	_, err = s.Conversation(t.Context(), convs[0].c.ID)
	require.ErrorIs(t, err, ErrNotFound)

	s.mu.Lock()
	s.drop(convs[4])
	s.mu.Unlock()
	assert.Equal(t, convs[5:], site.convs, "half are gone: the list is compacted")
	assert.Zero(t, site.gone)
}

func TestMemoryWriteAfterCloseRenewsRetention(t *testing.T) {
	const retention = time.Hour
	s := NewMemory(MemoryConfig{Limits: Limits{Retention: retention}})
	clock := s.now()
	s.now = func() time.Time { return clock }
	mc := memOpen(t, s, "s", "v", StateQueued)
	_, err := s.Close(t.Context(), mc.c.ID, "v")
	require.NoError(t, err)

	clock = clock.Add(retention * 3 / 5)
	_, _, err = s.Append(t.Context(), Message{ConversationID: mc.c.ID, Kind: KindEvent, Event: "rated", Role: RoleCustomer})
	require.NoError(t, err)

	clock = clock.Add(retention * 3 / 5) // past its first expiry
	memOpen(t, s, "s", "w", StateQueued)
	_, err = s.Conversation(t.Context(), mc.c.ID)
	require.NoError(t, err, "the event renewed the retention")
	assert.Contains(t, s.convs, mc.c.ID)
	require.Len(t, s.closed, 1, "listed again")
	assert.Equal(t, mc.c.UpdatedAt.Add(retention), s.closed[0].at)

	clock = clock.Add(retention * 3 / 5) // past the renewed one
	memOpen(t, s, "s", "x", StateQueued)
	assert.NotContains(t, s.convs, mc.c.ID)
	assert.Empty(t, s.closed)
}

func TestMemoryTrimsHistoryInChunks(t *testing.T) {
	const maxLen, n = 100, 2000
	s := NewMemory(MemoryConfig{Limits: Limits{MaxLen: maxLen}})
	mc := memOpen(t, s, "s", "v", StateBot)
	slack := int(histSlack(maxLen))
	trims := 0
	for i := range n {
		before := len(mc.msgs)
		memSay(t, s, mc, fmt.Sprint("c", i))
		if len(mc.msgs) < before {
			trims++
			require.Len(t, mc.msgs, maxLen, "a trim keeps the newest MaxLen")
		}
		require.LessOrEqual(t, len(mc.msgs), maxLen+slack)
		require.Equal(t, mc.c.LastSeq, mc.msgs[len(mc.msgs)-1].Seq)
		require.Equal(t, mc.c.LastSeq-int64(len(mc.msgs))+1, mc.msgs[0].Seq)
	}
	assert.Positive(t, trims)
	assert.LessOrEqual(t, trims, n/(slack+1)+1, "trimmed in chunks, not on every append")
	assert.LessOrEqual(t, cap(mc.msgs), 2*(maxLen+slack), "the history reuses its array")
	for _, m := range mc.msgs[len(mc.msgs):cap(mc.msgs)] {
		require.Zero(t, m, "trimmed messages are cleared")
	}

	got, err := s.History(t.Context(), mc.c.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, got, len(mc.msgs))
	for i, m := range got {
		require.Equal(t, mc.msgs[i].Seq, m.Seq)
		require.Equal(t, fmt.Sprint("c", m.Seq-1), m.Text)
	}
}

func TestMemoryForgetsClientIDs(t *testing.T) {
	const ttl = time.Hour
	s := NewMemory(MemoryConfig{Limits: Limits{IdempotencyTTL: ttl}})
	clock := s.now()
	s.now = func() time.Time { return clock }
	mc := memOpen(t, s, "s", "v", StateBot)
	const old = 1000
	for i := range old {
		memSay(t, s, mc, fmt.Sprint("old", i))
	}
	clock = clock.Add(ttl) // every ID stored so far is forgotten

	m, dup := memSay(t, s, mc, "old0")
	assert.False(t, dup, "a forgotten ID is a new message before any sweep")
	assert.Equal(t, int64(old+1), m.Seq)
	fresh := mc.sentSweepAt - len(mc.sent)
	require.Positive(t, fresh)
	for i := range fresh {
		memSay(t, s, mc, fmt.Sprint("new", i))
	}
	assert.LessOrEqual(t, len(mc.sent), fresh+1, "the sweep dropped the forgotten IDs")
	for k := range mc.sent {
		assert.False(t, strings.HasPrefix(k.client, "old") && k.client != "old0", "%q is still remembered", k.client)
	}
	assert.Equal(t, max(2*len(mc.sent), sentSweepMin), mc.sentSweepAt)
}
