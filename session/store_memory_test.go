package session_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return session.NewMemory(session.MemoryConfig{}) })
}

func TestMemoryStoreLimits(t *testing.T) {
	storetest.RunLimits(t, func(t *testing.T, l session.Limits) session.Store {
		return session.NewMemory(session.MemoryConfig{Limits: l})
	})
}

func TestMemoryStoreShared(t *testing.T) {
	shared := session.NewMemory(session.MemoryConfig{})
	storetest.Run(t, func(t *testing.T) session.Store { return shared })
}

func TestMemoryOpenState(t *testing.T) {
	ctx := t.Context()
	s := session.NewMemory(session.MemoryConfig{})

	c, created, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v"})
	require.NoError(t, err)
	require.True(t, created)
	assert.Equal(t, session.StateQueued, c.State, "no state means queued")

	for _, st := range []session.State{session.StateActive, session.StateClosed, "bogus"} {
		_, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "w", State: st})
		require.ErrorIs(t, err, session.ErrConflict, "state %q", st)
	}
	_, err = s.VisitorConversation(ctx, "s", "w")
	require.ErrorIs(t, err, session.ErrNotFound, "a refused open creates nothing")
}

func TestMemoryCancelledContext(t *testing.T) {
	s := session.NewMemory(session.MemoryConfig{})
	c, _, err := s.OpenConversation(t.Context(), session.Conversation{SiteID: "s", VisitorID: "v"})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = s.Append(ctx, session.Message{ConversationID: c.ID, Kind: session.KindText, Text: "x"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Assign(ctx, c.ID, "a", 0)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, s.CacheSet(ctx, "k", "v", 0), context.Canceled)

	got, err := s.Conversation(t.Context(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, session.StateQueued, got.State, "a cancelled call changes nothing")
	assert.Equal(t, int64(1), got.LastSeq)
}

func TestMemoryEventAfterClose(t *testing.T) {
	ctx := t.Context()
	s := session.NewMemory(session.MemoryConfig{})
	c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v"})
	require.NoError(t, err)
	_, err = s.Close(ctx, c.ID, "v")
	require.NoError(t, err)
	m, _, err := s.Append(ctx, session.Message{ConversationID: c.ID, Kind: session.KindEvent, Event: "rated", Role: session.RoleCustomer})
	require.NoError(t, err, "only text messages are refused by a closed conversation")
	assert.Equal(t, int64(3), m.Seq)
}

func TestMemoryResendAfterClose(t *testing.T) {
	ctx := t.Context()
	s := session.NewMemory(session.MemoryConfig{})
	c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v"})
	require.NoError(t, err)
	m := session.Message{ConversationID: c.ID, ClientID: "c1", SenderID: "v", Kind: session.KindText, Text: "bye"}
	first, _, err := s.Append(ctx, m)
	require.NoError(t, err)
	_, err = s.Close(ctx, c.ID, "v")
	require.NoError(t, err)
	again, dup, err := s.Append(ctx, m)
	require.NoError(t, err, "a resend of a message stored before the close is acknowledged")
	assert.True(t, dup)
	assert.Equal(t, first.Seq, again.Seq)
}

func TestMemoryAgentsSorted(t *testing.T) {
	ctx := t.Context()
	s := session.NewMemory(session.MemoryConfig{})
	for _, id := range []string{"c", "a", "b"} {
		require.NoError(t, s.SetAgent(ctx, session.Agent{ID: id, SiteID: "s", Status: session.StatusOnline}))
	}
	require.Error(t, s.SetAgent(ctx, session.Agent{SiteID: "s"}), "an agent needs an ID")
	// An assignment to an agent without a profile counts, but lists nobody.
	c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v"})
	require.NoError(t, err)
	_, err = s.Assign(ctx, c.ID, "ghost", 0)
	require.NoError(t, err)
	_, err = s.Agent(ctx, "s", "ghost")
	require.ErrorIs(t, err, session.ErrNotFound)

	agents, err := s.Agents(ctx, "s")
	require.NoError(t, err)
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	assert.Equal(t, []string{"a", "b", "c"}, ids)

	require.NoError(t, s.SetAgent(ctx, session.Agent{ID: "ghost", SiteID: "s", Status: session.StatusOnline}))
	ghost, err := s.Agent(ctx, "s", "ghost")
	require.NoError(t, err)
	assert.Equal(t, 1, ghost.Active, "assignments made before the profile count")
}

func TestMemoryCacheManyKeys(t *testing.T) {
	ctx := t.Context()
	s := session.NewMemory(session.MemoryConfig{})
	for i := range 5000 {
		require.NoError(t, s.CacheSet(ctx, fmt.Sprint("short", i), "v", time.Nanosecond))
	}
	require.NoError(t, s.CacheSet(ctx, "kept", "v", 0))
	for i := range 5000 {
		_, err := s.CacheGet(ctx, fmt.Sprint("short", i))
		require.ErrorIs(t, err, session.ErrNotFound)
	}
	v, err := s.CacheGet(ctx, "kept")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

// benchConversationLen is how many messages the Append benchmarks store in
// one conversation before they open the next, as a long chat would.
const benchConversationLen = 500

// benchAppend appends messages made by next to a store made with cfg,
// opening a new conversation every benchConversationLen messages.
func benchAppend(b *testing.B, cfg session.MemoryConfig, next func(i int, m *session.Message)) {
	ctx := context.Background()
	s := session.NewMemory(cfg)
	var m session.Message
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%benchConversationLen == 0 {
			b.StopTimer()
			c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: strconv.Itoa(i), State: session.StateBot})
			require.NoError(b, err)
			m = session.Message{ConversationID: c.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hello there", Lang: "en"}
			b.StartTimer()
		}
		next(i, &m)
		if _, _, err := s.Append(ctx, m); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkMemoryAppend(b *testing.B) {
	benchAppend(b, session.MemoryConfig{}, func(i int, m *session.Message) { m.ClientID = strconv.Itoa(i) })
}

func BenchmarkMemoryAppendNoClientID(b *testing.B) {
	benchAppend(b, session.MemoryConfig{}, func(int, *session.Message) {})
}

// BenchmarkMemoryAppendTrimmed appends to histories longer than MaxLen, so
// that most appends pay their share of a trim.
func BenchmarkMemoryAppendTrimmed(b *testing.B) {
	cfg := session.MemoryConfig{Limits: session.Limits{MaxLen: benchConversationLen / 5}}
	benchAppend(b, cfg, func(i int, m *session.Message) { m.ClientID = strconv.Itoa(i) })
}

func BenchmarkMemoryAppendParallel(b *testing.B) {
	ctx := context.Background()
	s := session.NewMemory(session.MemoryConfig{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: session.NewID(), State: session.StateBot})
		if err != nil {
			b.Error(err)
			return
		}
		m := session.Message{ConversationID: c.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hello"}
		for pb.Next() {
			if _, _, err := s.Append(ctx, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkMemoryAssign(b *testing.B) {
	ctx := context.Background()
	s := session.NewMemory(session.MemoryConfig{})
	require.NoError(b, s.SetAgent(ctx, session.Agent{ID: "a", SiteID: "s", Status: session.StatusOnline}))
	// Keep some conversations waiting, as a busy site would.
	for i := range 20 {
		_, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: fmt.Sprint("waiting", i)})
		require.NoError(b, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Only Assign is timed; opening and closing keep the queue short.
		b.StopTimer()
		c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Assign(ctx, c.ID, "a", 0); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := s.Close(ctx, c.ID, "a"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func BenchmarkMemoryHistory(b *testing.B) {
	ctx := context.Background()
	s := session.NewMemory(session.MemoryConfig{})
	c, _, err := s.OpenConversation(ctx, session.Conversation{SiteID: "s", VisitorID: "v", State: session.StateBot})
	require.NoError(b, err)
	for i := range 200 {
		_, _, err := s.Append(ctx, session.Message{
			ConversationID: c.ID, Kind: session.KindText, Text: fmt.Sprint(i),
			Translations: map[string]string{"fr": "x"},
		})
		require.NoError(b, err)
	}
	for _, bc := range []struct {
		name  string
		after int64
		limit int
	}{{"Last50", 150, 0}, {"All200", 0, 0}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.History(ctx, c.ID, bc.after, bc.limit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
