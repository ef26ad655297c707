// Package storetest holds the contract suites that every session.Store and
// session.Broker implementation must pass, so that each implementation's
// tests check the same documented behaviour.
//
// Every subtest runs in parallel and uses its own random site, visitor,
// agent, cache-key and topic names, so the suites may share one backend (one
// Redis server for all subtests) without cross-talk.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// Run runs the Store contract suite. newStore is called once per subtest and
// may return a fresh store or one shared by all of them.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"OpenCreatesQueued", testOpenCreatesQueued},
		{"OpenIsIdempotent", testOpenIsIdempotent},
		{"OpenConcurrent", testOpenConcurrent},
		{"OpenBot", testOpenBot},
		{"CloseThenReopen", testCloseThenReopen},
		{"UnknownConversation", testUnknownConversation},
		{"ConversationsFilter", testConversationsFilter},
		{"AppendSequence", testAppendSequence},
		{"AppendIdempotent", testAppendIdempotent},
		{"AppendConcurrent", testAppendConcurrent},
		{"AppendErrors", testAppendErrors},
		{"AppendChecksTheSender", testAppendChecksTheSender},
		{"HistoryPaging", testHistoryPaging},
		{"Translations", testTranslations},
		{"QueueOrder", testQueueOrder},
		{"AssignExactlyOnce", testAssignExactlyOnce},
		{"AssignConflicts", testAssignConflicts},
		{"Capacity", testCapacity},
		{"ActiveCounts", testActiveCounts},
		{"TransferConflicts", testTransferConflicts},
		{"RequeueAndClose", testRequeueAndClose},
		{"EventHistory", testEventHistory},
		{"SetAgent", testSetAgent},
		{"OfflineAgent", testOfflineAgent},
		{"Heartbeat", testHeartbeat},
		{"AgentsList", testAgentsList},
		{"IdleSince", testIdleSince},
		{"SiteIsolation", testSiteIsolation},
		{"Cache", testCache},
		{"CacheExpiry", testCacheExpiry},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newFixture(t, newStore(t)))
		})
	}
}

// fixture is one subtest's store with names nobody else uses.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	s      session.Store
	prefix string // unique to the subtest
	site   string
}

func newFixture(t *testing.T, s session.Store) *fixture {
	t.Helper()
	require.NotNil(t, s, "newStore returned nil")
	prefix := "st-" + session.NewID()[:12] + "-"
	return &fixture{t: t, ctx: t.Context(), s: s, prefix: prefix, site: prefix + "site"}
}

// id returns name made unique to the subtest.
func (f *fixture) id(name string) string { return f.prefix + name }

// open opens a new conversation for visitor at the fixture's site.
func (f *fixture) open(visitor string, state session.State) session.Conversation {
	f.t.Helper()
	return f.openAt(f.site, visitor, state)
}

// openAt opens a new conversation for visitor at site.
func (f *fixture) openAt(site, visitor string, state session.State) session.Conversation {
	f.t.Helper()
	c := session.Conversation{SiteID: site, VisitorID: f.id(visitor), State: state}
	if state == session.StateBot {
		c.BotID = f.id("bot")
	}
	conv, created, err := f.s.OpenConversation(f.ctx, c)
	require.NoError(f.t, err)
	require.True(f.t, created, "conversation of %s should be new", visitor)
	return conv
}

// conv reads a conversation back.
func (f *fixture) conv(id string) session.Conversation {
	f.t.Helper()
	c, err := f.s.Conversation(f.ctx, id)
	require.NoError(f.t, err)
	return c
}

// setAgent registers an online agent at the fixture's site.
func (f *fixture) setAgent(name string, capacity int) string {
	f.t.Helper()
	id := f.id(name)
	require.NoError(f.t, f.s.SetAgent(f.ctx, session.Agent{
		ID: id, SiteID: f.site, Name: name, Status: session.StatusOnline, Capacity: capacity,
	}))
	return id
}

// active returns the agent's Active count.
func (f *fixture) active(agentID string) int {
	f.t.Helper()
	a, err := f.s.Agent(f.ctx, f.site, agentID)
	require.NoError(f.t, err)
	return a.Active
}

// history returns the conversation's whole history, checking that seqs run
// 1, 2, 3 and that the conversation's LastSeq is the last of them.
func (f *fixture) history(convID string) []session.Message {
	f.t.Helper()
	msgs, err := f.s.History(f.ctx, convID, 0, 0)
	require.NoError(f.t, err)
	for i, m := range msgs {
		require.Equal(f.t, int64(i+1), m.Seq, "history seqs must be dense from 1")
		require.Equal(f.t, convID, m.ConversationID)
	}
	require.Equal(f.t, int64(len(msgs)), f.conv(convID).LastSeq, "LastSeq must be the newest seq")
	return msgs
}

// events returns the conversation's event messages as "event sender text"
// triples, in order.
func (f *fixture) events(convID string) [][3]string {
	f.t.Helper()
	var out [][3]string
	for _, m := range f.history(convID) {
		if m.Kind == session.KindEvent {
			require.Equal(f.t, session.RoleSystem, m.Role, "events are recorded by the system")
			out = append(out, [3]string{m.Event, m.SenderID, m.Text})
		}
	}
	return out
}

// queueIDs returns the IDs in the site's queue, first in line first.
func (f *fixture) queueIDs(site string) []string {
	f.t.Helper()
	q, err := f.s.Queue(f.ctx, site)
	require.NoError(f.t, err)
	ids := make([]string, 0, len(q))
	for _, c := range q {
		require.Equal(f.t, session.StateQueued, c.State)
		require.Equal(f.t, site, c.SiteID)
		ids = append(ids, c.ID)
	}
	return ids
}

// convIDs returns the IDs of conversations in order.
func convIDs(cs []session.Conversation) []string {
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// text returns a customer text message for the conversation.
func text(convID, sender, clientID, body string) session.Message {
	return session.Message{
		ConversationID: convID,
		ClientID:       clientID,
		Kind:           session.KindText,
		Role:           session.RoleCustomer,
		SenderID:       sender,
		Text:           body,
		Lang:           "en",
	}
}

// pause sleeps long enough that two timestamps taken around it differ even
// in a backend that keeps only milliseconds.
func pause() { time.Sleep(15 * time.Millisecond) }
