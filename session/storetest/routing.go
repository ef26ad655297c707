package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func testQueueOrder(t *testing.T, f *fixture) {
	c1 := f.open("v1", session.StateQueued)
	c2 := f.open("v2", session.StateQueued)
	c3 := f.open("v3", session.StateQueued)
	agent := f.setAgent("a", 0)
	assert.Equal(t, []string{c1.ID, c2.ID, c3.ID}, f.queueIDs(f.site), "first come, first in line")

	_, err := f.s.Assign(f.ctx, c1.ID, agent, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{c2.ID, c3.ID}, f.queueIDs(f.site))

	pause()
	rq, err := f.s.Requeue(f.ctx, c1.ID, true, "agent left")
	require.NoError(t, err)
	assert.Equal(t, session.StateQueued, rq.State)
	assert.Empty(t, rq.AgentID)
	assert.True(t, rq.QueuedAt.After(c1.QueuedAt), "QueuedAt is when it last entered the queue")
	assert.Equal(t, []string{c1.ID, c2.ID, c3.ID}, f.queueIDs(f.site), "requeued at the front")

	_, err = f.s.Assign(f.ctx, c2.ID, agent, 0)
	require.NoError(t, err)
	_, err = f.s.Requeue(f.ctx, c2.ID, false, "declined")
	require.NoError(t, err)
	assert.Equal(t, []string{c1.ID, c3.ID, c2.ID}, f.queueIDs(f.site), "requeued at the back")

	_, err = f.s.Close(f.ctx, c3.ID, "visitor")
	require.NoError(t, err)
	assert.Equal(t, []string{c1.ID, c2.ID}, f.queueIDs(f.site), "closing leaves the queue")
}

func testAssignExactlyOnce(t *testing.T, f *fixture) {
	const n = 8
	c := f.open("v", session.StateQueued)
	agents := make([]string, n)
	for i := range agents {
		agents[i] = f.setAgent(fmt.Sprintf("a%d", i), 5)
	}
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, results[i] = f.s.Assign(f.ctx, c.ID, agents[i], 5)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range results {
		if err == nil {
			require.Equal(t, -1, winner, "agents %d and %d both won", winner, i)
			winner = i
			continue
		}
		require.ErrorIs(t, err, session.ErrConflict, "agent %d", i)
	}
	require.NotEqual(t, -1, winner, "one agent must win")

	got := f.conv(c.ID)
	assert.Equal(t, session.StateActive, got.State)
	assert.Equal(t, agents[winner], got.AgentID)
	for i, a := range agents {
		want := 0
		if i == winner {
			want = 1
		}
		assert.Equal(t, want, f.active(a), "Active of agent %d", i)
	}
	assert.Empty(t, f.queueIDs(f.site))
	assert.Equal(t, [][3]string{
		{session.EventQueued, "", ""},
		{session.EventAssigned, agents[winner], ""},
	}, f.events(c.ID))
}

func testAssignConflicts(t *testing.T, f *fixture) {
	a := f.setAgent("a", 5)
	b := f.setAgent("b", 5)

	bot := f.open("vbot", session.StateBot)
	got, err := f.s.Assign(f.ctx, bot.ID, a, 0)
	require.NoError(t, err, "a bot-held conversation can be assigned")
	assert.Equal(t, session.StateActive, got.State)
	assert.Equal(t, a, got.AgentID)
	assert.Empty(t, got.BotID, "BotID is set only while bot-held")
	assert.Equal(t, [][3]string{{session.EventAssigned, a, ""}}, f.events(bot.ID))

	_, err = f.s.Assign(f.ctx, bot.ID, b, 0)
	require.ErrorIs(t, err, session.ErrConflict, "an active conversation cannot be assigned")
	_, err = f.s.Assign(f.ctx, bot.ID, a, 0)
	require.ErrorIs(t, err, session.ErrConflict, "not even to its own agent")

	closed := f.open("vclosed", session.StateQueued)
	_, err = f.s.Close(f.ctx, closed.ID, "visitor")
	require.NoError(t, err)
	_, err = f.s.Assign(f.ctx, closed.ID, a, 0)
	require.ErrorIs(t, err, session.ErrConflict, "a closed conversation cannot be assigned")

	assert.Equal(t, 1, f.active(a))
	assert.Equal(t, 0, f.active(b))
}

func testCapacity(t *testing.T, f *fixture) {
	a := f.setAgent("a", 1)
	b := f.setAgent("b", 1)
	c1 := f.open("v1", session.StateQueued)
	c2 := f.open("v2", session.StateQueued)
	c3 := f.open("v3", session.StateQueued)

	_, err := f.s.Assign(f.ctx, c1.ID, a, 1)
	require.NoError(t, err)
	_, err = f.s.Assign(f.ctx, c2.ID, a, 1)
	require.ErrorIs(t, err, session.ErrCapacity)
	assert.Equal(t, session.StateQueued, f.conv(c2.ID).State, "a failed Assign changes nothing")
	assert.Equal(t, [][3]string{{session.EventQueued, "", ""}}, f.events(c2.ID))
	assert.Equal(t, []string{c2.ID, c3.ID}, f.queueIDs(f.site))
	assert.Equal(t, 1, f.active(a))

	_, err = f.s.Assign(f.ctx, c2.ID, a, 0)
	require.NoError(t, err, "maxActive 0 means no limit")
	assert.Equal(t, 2, f.active(a))

	_, err = f.s.Assign(f.ctx, c3.ID, b, 1)
	require.NoError(t, err)
	_, err = f.s.Transfer(f.ctx, c1.ID, a, b, 1)
	require.ErrorIs(t, err, session.ErrCapacity)
	got := f.conv(c1.ID)
	assert.Equal(t, a, got.AgentID, "a failed Transfer changes nothing")
	assert.Equal(t, 2, f.active(a))
	assert.Equal(t, 1, f.active(b))

	_, err = f.s.Transfer(f.ctx, c1.ID, a, b, 2)
	require.NoError(t, err)
	assert.Equal(t, 1, f.active(a))
	assert.Equal(t, 2, f.active(b))
}

func testActiveCounts(t *testing.T, f *fixture) {
	a := f.setAgent("a", 5)
	b := f.setAgent("b", 5)
	c := f.open("v", session.StateQueued)
	assert.Equal(t, 0, f.active(a))

	_, err := f.s.Assign(f.ctx, c.ID, a, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, f.active(a))

	// Active is kept by the store, whatever SetAgent is given.
	require.NoError(t, f.s.SetAgent(f.ctx, session.Agent{
		ID: a, SiteID: f.site, Name: "a", Status: session.StatusAway, Capacity: 5, Active: 99,
	}))
	assert.Equal(t, 1, f.active(a))

	got, err := f.s.Transfer(f.ctx, c.ID, a, b, 0)
	require.NoError(t, err)
	assert.Equal(t, b, got.AgentID)
	assert.Equal(t, session.StateActive, got.State)
	assert.Equal(t, 0, f.active(a))
	assert.Equal(t, 1, f.active(b))

	_, err = f.s.Requeue(f.ctx, c.ID, true, "agent disconnected")
	require.NoError(t, err)
	assert.Equal(t, 0, f.active(b))

	_, err = f.s.Assign(f.ctx, c.ID, a, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, f.active(a))
	_, err = f.s.Close(f.ctx, c.ID, a)
	require.NoError(t, err)
	assert.Equal(t, 0, f.active(a))
	assert.Equal(t, 0, f.active(b))
	assert.Empty(t, f.conv(c.ID).AgentID, "AgentID is set only while active")
}

func testTransferConflicts(t *testing.T, f *fixture) {
	a := f.setAgent("a", 5)
	b := f.setAgent("b", 5)
	x := f.setAgent("x", 5)
	c := f.open("v", session.StateQueued)

	_, err := f.s.Transfer(f.ctx, c.ID, a, b, 0)
	require.ErrorIs(t, err, session.ErrConflict, "a queued conversation cannot be transferred")

	_, err = f.s.Assign(f.ctx, c.ID, a, 0)
	require.NoError(t, err)
	_, err = f.s.Transfer(f.ctx, c.ID, x, b, 0)
	require.ErrorIs(t, err, session.ErrConflict, "only from the agent who has it")
	assert.Equal(t, a, f.conv(c.ID).AgentID)

	_, err = f.s.Transfer(f.ctx, c.ID, a, b, 0)
	require.NoError(t, err)
	_, err = f.s.Transfer(f.ctx, c.ID, a, x, 0)
	require.ErrorIs(t, err, session.ErrConflict, "a second transfer from the old agent fails")
	assert.Equal(t, b, f.conv(c.ID).AgentID)

	_, err = f.s.Close(f.ctx, c.ID, b)
	require.NoError(t, err)
	_, err = f.s.Transfer(f.ctx, c.ID, b, a, 0)
	require.ErrorIs(t, err, session.ErrConflict, "a closed conversation cannot be transferred")
	assert.Equal(t, 0, f.active(a))
	assert.Equal(t, 0, f.active(b))
	assert.Equal(t, 0, f.active(x))

	// Of two concurrent transfers of one conversation, one wins.
	c2 := f.open("v2", session.StateQueued)
	_, err = f.s.Assign(f.ctx, c2.ID, a, 0)
	require.NoError(t, err)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, to := range []string{b, x} {
		wg.Go(func() { _, errs[i] = f.s.Transfer(f.ctx, c2.ID, a, to, 0) })
	}
	wg.Wait()
	require.Equal(t, 1, countNil(errs), "exactly one transfer wins: %v", errs)
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, session.ErrConflict)
		}
	}
	assert.Equal(t, 0, f.active(a))
	assert.Equal(t, 1, f.active(b)+f.active(x))
}

func testRequeueAndClose(t *testing.T, f *fixture) {
	a := f.setAgent("a", 5)
	c := f.open("v", session.StateQueued)
	_, err := f.s.Requeue(f.ctx, c.ID, true, "again")
	require.ErrorIs(t, err, session.ErrConflict, "a queued conversation cannot be requeued")

	bot := f.open("vbot", session.StateBot)
	rq, err := f.s.Requeue(f.ctx, bot.ID, false, "wants a human")
	require.NoError(t, err, "a bot-held conversation can be handed to the queue")
	assert.Equal(t, session.StateQueued, rq.State)
	assert.Empty(t, rq.BotID)
	assert.False(t, rq.QueuedAt.IsZero())
	assert.Equal(t, []string{c.ID, bot.ID}, f.queueIDs(f.site))

	closed, err := f.s.Close(f.ctx, c.ID, "visitor")
	require.NoError(t, err)
	assert.Equal(t, session.StateClosed, closed.State)
	_, err = f.s.Close(f.ctx, c.ID, "visitor")
	require.ErrorIs(t, err, session.ErrConflict, "closing twice")
	_, err = f.s.Requeue(f.ctx, c.ID, true, "again")
	require.ErrorIs(t, err, session.ErrConflict, "a closed conversation cannot be requeued")
	assert.Equal(t, []string{bot.ID}, f.queueIDs(f.site))

	_, err = f.s.Assign(f.ctx, bot.ID, a, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, f.active(a))
	_, err = f.s.Close(f.ctx, bot.ID, a)
	require.NoError(t, err)
	assert.Equal(t, 0, f.active(a), "closing releases the agent")
	assert.Empty(t, f.queueIDs(f.site))

	// Of concurrent closes, one wins.
	c3 := f.open("v3", session.StateQueued)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.s.Close(f.ctx, c3.ID, "visitor") })
	}
	wg.Wait()
	require.Equal(t, 1, countNil(errs), "exactly one close wins: %v", errs)
	assert.Equal(t, [][3]string{
		{session.EventQueued, "", ""},
		{session.EventClosed, "visitor", ""},
	}, f.events(c3.ID))
}

func testEventHistory(t *testing.T, f *fixture) {
	a := f.setAgent("a", 5)
	b := f.setAgent("b", 5)
	c := f.open("v", session.StateQueued)
	_, _, err := f.s.Append(f.ctx, text(c.ID, f.id("v"), "c1", "hello"))
	require.NoError(t, err)
	_, err = f.s.Assign(f.ctx, c.ID, a, 0)
	require.NoError(t, err)
	_, err = f.s.Transfer(f.ctx, c.ID, a, b, 0)
	require.NoError(t, err)
	_, err = f.s.Requeue(f.ctx, c.ID, true, "agent went away")
	require.NoError(t, err)
	_, err = f.s.Assign(f.ctx, c.ID, a, 0)
	require.NoError(t, err)
	_, err = f.s.Close(f.ctx, c.ID, a)
	require.NoError(t, err)

	msgs := f.history(c.ID)
	require.Len(t, msgs, 7)
	assert.Equal(t, session.KindText, msgs[1].Kind)
	assert.Equal(t, "hello", msgs[1].Text)
	assert.Equal(t, [][3]string{
		{session.EventQueued, "", ""},
		{session.EventAssigned, a, ""},
		{session.EventTransferred, b, a},
		{session.EventRequeued, "", "agent went away"},
		{session.EventAssigned, a, ""},
		{session.EventClosed, a, ""},
	}, f.events(c.ID))
	for _, m := range msgs {
		assert.False(t, m.At.IsZero())
	}
	// A client resuming after the text message replays the events that followed.
	rest, err := f.s.History(f.ctx, c.ID, 2, 0)
	require.NoError(t, err)
	require.Len(t, rest, 5)
	assert.Equal(t, session.EventAssigned, rest[0].Event)
}

// countNil returns how many of errs are nil; any other error must be one of
// the store's documented conflict errors.
func countNil(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		} else if !errors.Is(err, session.ErrConflict) {
			return -1
		}
	}
	return n
}
