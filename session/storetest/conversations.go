package storetest

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func testOpenCreatesQueued(t *testing.T, f *fixture) {
	in := session.Conversation{
		SiteID:      f.site,
		VisitorID:   f.id("v"),
		VisitorName: "Visitor",
		Language:    "fr",
		State:       session.StateQueued,
		LastSeq:     42, // filled in by the store
	}
	c, created, err := f.s.OpenConversation(f.ctx, in)
	require.NoError(t, err)
	require.True(t, created)
	assert.NotEmpty(t, c.ID)
	assert.Equal(t, f.site, c.SiteID)
	assert.Equal(t, in.VisitorID, c.VisitorID)
	assert.Equal(t, "Visitor", c.VisitorName)
	assert.Equal(t, "fr", c.Language)
	assert.Equal(t, session.StateQueued, c.State)
	assert.Empty(t, c.AgentID)
	assert.Equal(t, int64(1), c.LastSeq, "a queued conversation starts with its EventQueued message")
	assert.False(t, c.CreatedAt.IsZero())
	assert.False(t, c.UpdatedAt.IsZero())
	assert.False(t, c.QueuedAt.IsZero())

	got := f.conv(c.ID)
	assert.Equal(t, c.ID, got.ID)
	assert.Equal(t, session.StateQueued, got.State)
	assert.True(t, c.CreatedAt.Equal(got.CreatedAt))

	vc, err := f.s.VisitorConversation(f.ctx, f.site, in.VisitorID)
	require.NoError(t, err)
	assert.Equal(t, c.ID, vc.ID)

	assert.Equal(t, []string{c.ID}, f.queueIDs(f.site))
	assert.Equal(t, [][3]string{{session.EventQueued, "", ""}}, f.events(c.ID))
}

func testOpenIsIdempotent(t *testing.T, f *fixture) {
	first := f.open("v", session.StateQueued)
	again, created, err := f.s.OpenConversation(f.ctx, session.Conversation{
		SiteID: f.site, VisitorID: f.id("v"), VisitorName: "Other", State: session.StateBot,
	})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, session.StateQueued, again.State, "an open conversation is returned as it is")
	assert.Equal(t, []string{first.ID}, f.queueIDs(f.site))
	assert.Len(t, f.history(first.ID), 1)
}

func testOpenConcurrent(t *testing.T, f *fixture) {
	const n = 20
	type result struct {
		c       session.Conversation
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, created, err := f.s.OpenConversation(f.ctx, session.Conversation{
				SiteID: f.site, VisitorID: f.id("v"), State: session.StateQueued,
			})
			results[i] = result{c, created, err}
		})
	}
	wg.Wait()
	createdCount := 0
	for _, r := range results {
		require.NoError(t, r.err)
		require.Equal(t, results[0].c.ID, r.c.ID, "every caller gets the same conversation")
		if r.created {
			createdCount++
		}
	}
	assert.Equal(t, 1, createdCount, "exactly one call creates the conversation")
	assert.Equal(t, []string{results[0].c.ID}, f.queueIDs(f.site))
	assert.Equal(t, [][3]string{{session.EventQueued, "", ""}}, f.events(results[0].c.ID))
}

func testOpenBot(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	assert.Equal(t, session.StateBot, c.State)
	assert.Equal(t, f.id("bot"), c.BotID)
	assert.Equal(t, int64(0), c.LastSeq, "a bot-held conversation starts with an empty history")
	assert.Empty(t, f.history(c.ID))
	assert.Empty(t, f.queueIDs(f.site), "a bot-held conversation is not queued")
}

func testCloseThenReopen(t *testing.T, f *fixture) {
	first := f.open("v", session.StateQueued)
	closed, err := f.s.Close(f.ctx, first.ID, "visitor")
	require.NoError(t, err)
	assert.Equal(t, session.StateClosed, closed.State)

	_, err = f.s.VisitorConversation(f.ctx, f.site, f.id("v"))
	require.ErrorIs(t, err, session.ErrNotFound)
	assert.Equal(t, session.StateClosed, f.conv(first.ID).State, "a closed conversation can still be read")

	second := f.open("v", session.StateQueued)
	assert.NotEqual(t, first.ID, second.ID)
	vc, err := f.s.VisitorConversation(f.ctx, f.site, f.id("v"))
	require.NoError(t, err)
	assert.Equal(t, second.ID, vc.ID)
}

func testUnknownConversation(t *testing.T, f *fixture) {
	id := session.NewID()
	_, err := f.s.Conversation(f.ctx, id)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.VisitorConversation(f.ctx, f.site, f.id("nobody"))
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.History(f.ctx, id, 0, 0)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Assign(f.ctx, id, f.id("a"), 0)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Transfer(f.ctx, id, f.id("a"), f.id("b"), 0)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Requeue(f.ctx, id, true, "test")
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Close(f.ctx, id, "test")
	require.ErrorIs(t, err, session.ErrNotFound)
}

func testConversationsFilter(t *testing.T, f *fixture) {
	c1 := f.open("v1", session.StateQueued)
	pause()
	c2 := f.open("v2", session.StateQueued)
	pause()
	c3 := f.open("v3", session.StateQueued)
	agent := f.setAgent("a", 5)
	_, err := f.s.Assign(f.ctx, c2.ID, agent, 0)
	require.NoError(t, err)
	_, err = f.s.Close(f.ctx, c1.ID, "visitor")
	require.NoError(t, err)

	list := func(filter session.Filter, limit int) []string {
		t.Helper()
		cs, err := f.s.Conversations(f.ctx, f.site, filter, limit)
		require.NoError(t, err)
		for _, c := range cs {
			require.Equal(t, f.site, c.SiteID)
		}
		return convIDs(cs)
	}
	assert.Equal(t, []string{c3.ID, c2.ID, c1.ID}, list(session.Filter{}, 0), "newest first")
	assert.Equal(t, []string{c3.ID, c2.ID}, list(session.Filter{}, 2))
	assert.Equal(t, []string{c3.ID}, list(session.Filter{}, 1))
	assert.Equal(t, []string{c3.ID}, list(session.Filter{State: session.StateQueued}, 0))
	assert.Equal(t, []string{c2.ID}, list(session.Filter{State: session.StateActive}, 0))
	assert.Equal(t, []string{c1.ID}, list(session.Filter{State: session.StateClosed}, 0))
	assert.Equal(t, []string{c2.ID}, list(session.Filter{AgentID: agent}, 0))
	assert.Equal(t, []string{c2.ID}, list(session.Filter{State: session.StateActive, AgentID: agent}, 0))
	assert.Empty(t, list(session.Filter{State: session.StateQueued, AgentID: agent}, 0))
	assert.Empty(t, list(session.Filter{State: session.StateBot}, 0))

	active := f.conv(c2.ID)
	assert.Equal(t, agent, active.AgentID)
}
