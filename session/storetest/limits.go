package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// limitsTTL is the Retention and IdempotencyTTL of the subtests that wait
// for them: short, and in whole milliseconds for backends that keep no less.
const limitsTTL = 300 * time.Millisecond

// RunLimits runs the contract cases of session.Limits. newStore is called
// once per subtest with the limits it needs and returns a store that
// applies them.
func RunLimits(t *testing.T, newStore func(t *testing.T, l session.Limits) session.Store) {
	tests := []struct {
		name   string
		limits session.Limits
		fn     func(t *testing.T, f *fixture)
	}{
		{"HistoryTrimmed", session.Limits{MaxLen: 10}, testHistoryTrimmed},
		{"ClosedConversationsExpire", session.Limits{Retention: limitsTTL}, testClosedConversationsExpire},
		{"ClientIDsExpire", session.Limits{IdempotencyTTL: limitsTTL}, testClientIDsExpire},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newFixture(t, newStore(t, tc.limits)))
		})
	}
}

// waitFor calls try every 20 ms until it returns true or limitsTTL and five
// seconds more have passed, and reports whether it did.
func waitFor(try func() bool) bool {
	deadline := time.Now().Add(limitsTTL + 5*time.Second)
	for {
		if try() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sinceAtLeast asserts that at least limitsTTL has passed since start,
// give or take the millisecond a backend may round to.
func sinceAtLeast(t *testing.T, start time.Time, what string) {
	t.Helper()
	assert.GreaterOrEqual(t, time.Since(start)+time.Millisecond, limitsTTL, "%s before its time", what)
}

func testHistoryTrimmed(t *testing.T, f *fixture) {
	c := f.open("v", session.StateQueued) // seq 1 is the queued event
	const n = 400
	for i := range n {
		_, _, err := f.s.Append(f.ctx, text(c.ID, "cust", fmt.Sprint("c", i), fmt.Sprint(i+2)))
		require.NoError(t, err)
	}
	msgs, err := f.s.History(f.ctx, c.ID, 0, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(msgs), 10, "at least MaxLen messages are kept")
	assert.Less(t, len(msgs), n, "old messages are trimmed")
	for i, m := range msgs {
		require.Equal(t, int64(n+1-len(msgs)+1+i), m.Seq, "the newest are kept, with no gap")
		require.Equal(t, fmt.Sprint(m.Seq), m.Text)
	}
	assert.Equal(t, int64(n+1), f.conv(c.ID).LastSeq, "seqs keep counting after a trim")
	oldest := msgs[0].Seq

	page, err := f.s.History(f.ctx, c.ID, 5, 3)
	require.NoError(t, err)
	assert.Equal(t, []int64{oldest, oldest + 1, oldest + 2}, seqsOf(page), "paging from a trimmed seq starts at the oldest kept")
	page, err = f.s.History(f.ctx, c.ID, n-1, 0)
	require.NoError(t, err)
	assert.Equal(t, []int64{n, n + 1}, seqsOf(page))

	require.ErrorIs(t, f.s.SetTranslation(f.ctx, c.ID, 2, "de", "x"), session.ErrNotFound, "a trimmed message cannot be translated")
	require.NoError(t, f.s.SetTranslation(f.ctx, c.ID, n+1, "de", "x"))

	first, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "c0", "2"))
	require.NoError(t, err)
	assert.True(t, dup, "a resend of a trimmed message is still a duplicate")
	assert.Equal(t, int64(2), first.Seq)
	last, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", fmt.Sprint("c", n-1), "resent"))
	require.NoError(t, err)
	assert.True(t, dup)
	assert.Equal(t, fmt.Sprint(n+1), last.Text, "a kept message is returned as stored")
	assert.Equal(t, map[string]string{"de": "x"}, last.Translations)

	next, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "new", "next"))
	require.NoError(t, err)
	assert.False(t, dup)
	assert.Equal(t, int64(n+2), next.Seq)
}

func testClosedConversationsExpire(t *testing.T, f *fixture) {
	open := f.open("open", session.StateQueued) // open ones never expire
	c := f.open("v", session.StateQueued)
	_, _, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "bye"))
	require.NoError(t, err)
	start := time.Now()
	_, err = f.s.Close(f.ctx, c.ID, "cust")
	require.NoError(t, err)
	if time.Since(start) < limitsTTL/2 { // skip the check on a badly stalled machine
		require.Len(t, f.history(c.ID), 3, "a closed conversation is kept for its retention")
	}

	require.True(t, waitFor(func() bool {
		_, err := f.s.Conversation(f.ctx, c.ID)
		return err != nil
	}), "the conversation must expire after its retention")
	sinceAtLeast(t, start, "the conversation expired")
	_, err = f.s.Conversation(f.ctx, c.ID)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.History(f.ctx, c.ID, 0, 0)
	require.ErrorIs(t, err, session.ErrNotFound, "its history went with it")
	_, _, err = f.s.Append(f.ctx, text(c.ID, "cust", "c1", "bye"))
	require.ErrorIs(t, err, session.ErrNotFound, "a resend finds nothing")
	_, _, err = f.s.Append(f.ctx, session.Message{ConversationID: c.ID, Kind: session.KindEvent, Event: "rated", Role: session.RoleCustomer})
	require.ErrorIs(t, err, session.ErrNotFound)
	require.ErrorIs(t, f.s.SetTranslation(f.ctx, c.ID, 2, "de", "x"), session.ErrNotFound)
	_, err = f.s.Assign(f.ctx, c.ID, f.id("a"), 0)
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Requeue(f.ctx, c.ID, false, "")
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = f.s.Close(f.ctx, c.ID, "cust")
	require.ErrorIs(t, err, session.ErrNotFound)

	all, err := f.s.Conversations(f.ctx, f.site, session.Filter{}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{open.ID}, convIDs(all), "only the open conversation is listed")
	assert.Equal(t, []string{open.ID}, f.queueIDs(f.site))
	assert.Equal(t, open.ID, f.conv(open.ID).ID)
	again := f.open("v", session.StateQueued)
	assert.NotEqual(t, c.ID, again.ID, "the visitor starts afresh")
}

func testClientIDsExpire(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	start := time.Now()
	first, _, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "hello"))
	require.NoError(t, err)

	var resent session.Message
	quick := true // the first resend came well within the TTL
	require.True(t, waitFor(func() bool {
		var dup bool
		resent, dup, err = f.s.Append(f.ctx, text(c.ID, "cust", "c1", "hello again"))
		require.NoError(t, err)
		if dup {
			assert.Equal(t, first.Seq, resent.Seq)
		} else if quick && time.Since(start) < limitsTTL/2 {
			assert.Fail(t, "a resend within the TTL is a duplicate")
		}
		quick = false
		return !dup
	}), "the client ID must be forgotten after IdempotencyTTL")
	sinceAtLeast(t, start, "the client ID was forgotten")
	assert.Equal(t, first.Seq+1, resent.Seq, "the resend is stored as a new message")
	assert.Equal(t, "hello again", resent.Text)
	msgs := f.history(c.ID)
	require.Len(t, msgs, 2)
	assert.Equal(t, []string{"hello", "hello again"}, []string{msgs[0].Text, msgs[1].Text})

	stored := time.Now()
	again, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "third"))
	require.NoError(t, err)
	if time.Since(stored) < limitsTTL/2 {
		assert.True(t, dup, "the new message's client ID is remembered in turn")
		assert.Equal(t, resent.Seq, again.Seq)
	}
}

// seqsOf returns the seqs of msgs in order.
func seqsOf(msgs []session.Message) []int64 {
	out := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.Seq)
	}
	return out
}
