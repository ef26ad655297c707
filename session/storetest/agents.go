package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func testSetAgent(t *testing.T, f *fixture) {
	id := f.id("a")
	in := session.Agent{
		ID: id, SiteID: f.site, Name: "Agent", Languages: []string{"fr", "en"},
		Status: session.StatusOnline, Capacity: 3,
	}
	require.NoError(t, f.s.SetAgent(f.ctx, in))
	in.Languages[0] = "changed by the caller"

	a, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.Equal(t, id, a.ID)
	assert.Equal(t, f.site, a.SiteID)
	assert.Equal(t, "Agent", a.Name)
	assert.Equal(t, []string{"fr", "en"}, a.Languages)
	assert.Equal(t, session.StatusOnline, a.Status)
	assert.Equal(t, 3, a.Capacity)
	assert.Equal(t, 0, a.Active)
	assert.False(t, a.LastSeen.IsZero(), "going online records a heartbeat")
	assert.False(t, a.IdleSince.IsZero(), "coming online starts the idle time")

	a.Languages[0] = "changed by the reader"
	pause()
	require.NoError(t, f.s.SetAgent(f.ctx, session.Agent{
		ID: id, SiteID: f.site, Name: "Renamed", Languages: []string{"de"},
		Status: session.StatusAway, Capacity: 4,
	}))
	b, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.Equal(t, "Renamed", b.Name)
	assert.Equal(t, []string{"de"}, b.Languages)
	assert.Equal(t, session.StatusAway, b.Status)
	assert.Equal(t, 4, b.Capacity)
	assert.True(t, b.LastSeen.After(a.LastSeen), "away is not offline, so it records a heartbeat")

	_, err = f.s.Agent(f.ctx, f.site, f.id("nobody"))
	require.ErrorIs(t, err, session.ErrNotFound)
}

func testOfflineAgent(t *testing.T, f *fixture) {
	id := f.id("a")
	require.NoError(t, f.s.SetAgent(f.ctx, session.Agent{
		ID: id, SiteID: f.site, Name: "Agent", Status: session.StatusOffline,
	}))
	a, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.Equal(t, session.StatusOffline, a.Status)
	assert.True(t, a.LastSeen.IsZero(), "an agent that was never online has no heartbeat")

	agents, err := f.s.Agents(f.ctx, f.site)
	require.NoError(t, err)
	require.Len(t, agents, 1, "offline agents are listed too")
	assert.Equal(t, id, agents[0].ID)
}

func testHeartbeat(t *testing.T, f *fixture) {
	id := f.setAgent("a", 1)
	before, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	pause()
	require.NoError(t, f.s.Heartbeat(f.ctx, f.site, id))
	after, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.True(t, after.LastSeen.After(before.LastSeen))
	assert.Equal(t, session.StatusOnline, after.Status, "a heartbeat changes nothing else")
	assert.Equal(t, "a", after.Name)

	require.ErrorIs(t, f.s.Heartbeat(f.ctx, f.site, f.id("nobody")), session.ErrNotFound)
}

func testAgentsList(t *testing.T, f *fixture) {
	agents, err := f.s.Agents(f.ctx, f.site)
	require.NoError(t, err)
	assert.Empty(t, agents)

	want := []string{f.setAgent("a", 1), f.setAgent("b", 2), f.setAgent("c", 3)}
	f.setAgent("b", 5) // an update does not add an agent
	agents, err = f.s.Agents(f.ctx, f.site)
	require.NoError(t, err)
	got := make([]string, 0, len(agents))
	for _, a := range agents {
		assert.Equal(t, f.site, a.SiteID)
		got = append(got, a.ID)
		if a.ID == want[1] {
			assert.Equal(t, 5, a.Capacity)
		}
	}
	assert.ElementsMatch(t, want, got)
}

func testIdleSince(t *testing.T, f *fixture) {
	id := f.setAgent("a", 5)
	start, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)

	pause()
	f.setAgent("a", 5) // still online: the idle time goes on
	same, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.True(t, same.IdleSince.Equal(start.IdleSince), "staying online keeps IdleSince")

	pause()
	c := f.open("v", session.StateQueued)
	_, err = f.s.Assign(f.ctx, c.ID, id, 0)
	require.NoError(t, err)
	assigned, err := f.s.Agent(f.ctx, f.site, id)
	require.NoError(t, err)
	assert.True(t, assigned.IdleSince.After(start.IdleSince), "an assignment restarts the idle time")
}

func testSiteIsolation(t *testing.T, f *fixture) {
	other := f.id("other-site")
	agent := f.setAgent("a", 5)
	c := f.open("v", session.StateQueued)
	bot := f.open("vbot", session.StateBot)
	_, err := f.s.Assign(f.ctx, bot.ID, agent, 0)
	require.NoError(t, err)

	q, err := f.s.Queue(f.ctx, other)
	require.NoError(t, err)
	assert.Empty(t, q)
	cs, err := f.s.Conversations(f.ctx, other, session.Filter{}, 0)
	require.NoError(t, err)
	assert.Empty(t, cs)
	cs, err = f.s.Conversations(f.ctx, other, session.Filter{AgentID: agent}, 0)
	require.NoError(t, err)
	assert.Empty(t, cs)
	agents, err := f.s.Agents(f.ctx, other)
	require.NoError(t, err)
	assert.Empty(t, agents)
	_, err = f.s.Agent(f.ctx, other, agent)
	require.ErrorIs(t, err, session.ErrNotFound)
	require.ErrorIs(t, f.s.Heartbeat(f.ctx, other, agent), session.ErrNotFound)
	_, err = f.s.VisitorConversation(f.ctx, other, f.id("v"))
	require.ErrorIs(t, err, session.ErrNotFound)

	// The same visitor and agent IDs at another site are other people.
	oc := f.openAt(other, "v", session.StateQueued)
	assert.NotEqual(t, c.ID, oc.ID)
	assert.Equal(t, []string{oc.ID}, f.queueIDs(other))
	assert.Equal(t, []string{c.ID}, f.queueIDs(f.site))
	require.NoError(t, f.s.SetAgent(f.ctx, session.Agent{
		ID: agent, SiteID: other, Name: "elsewhere", Status: session.StatusOnline,
	}))
	oa, err := f.s.Agent(f.ctx, other, agent)
	require.NoError(t, err)
	assert.Equal(t, "elsewhere", oa.Name)
	assert.Equal(t, 0, oa.Active)
	a, err := f.s.Agent(f.ctx, f.site, agent)
	require.NoError(t, err)
	assert.Equal(t, "a", a.Name)
	assert.Equal(t, 1, a.Active)
}
