package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func testAppendSequence(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	for i := 1; i <= 3; i++ {
		in := text(c.ID, f.id("v"), fmt.Sprintf("c%d", i), fmt.Sprintf("hello %d", i))
		in.SenderName = "Visitor"
		in.Seq = 99 // filled in by the store
		m, dup, err := f.s.Append(f.ctx, in)
		require.NoError(t, err)
		assert.False(t, dup)
		assert.Equal(t, int64(i), m.Seq)
		assert.False(t, m.At.IsZero(), "At is filled in")
		assert.Equal(t, c.ID, m.ConversationID)
		assert.Equal(t, in.ClientID, m.ClientID)
		assert.Equal(t, session.KindText, m.Kind)
		assert.Equal(t, session.RoleCustomer, m.Role)
		assert.Equal(t, in.SenderID, m.SenderID)
		assert.Equal(t, "Visitor", m.SenderName)
		assert.Equal(t, in.Text, m.Text)
		assert.Equal(t, "en", m.Lang)
		assert.Equal(t, int64(i), f.conv(c.ID).LastSeq)
	}
	msgs := f.history(c.ID)
	require.Len(t, msgs, 3)
	for i, m := range msgs {
		assert.Equal(t, fmt.Sprintf("hello %d", i+1), m.Text)
		assert.Equal(t, fmt.Sprintf("c%d", i+1), m.ClientID)
		assert.Equal(t, session.KindText, m.Kind)
		assert.False(t, m.At.IsZero())
	}
	assert.False(t, f.conv(c.ID).UpdatedAt.Before(c.UpdatedAt))
}

func testAppendIdempotent(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	first, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "hello"))
	require.NoError(t, err)
	require.False(t, dup)

	again, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "hello, resent"))
	require.NoError(t, err)
	assert.True(t, dup, "a resend with the same client id is a duplicate")
	assert.Equal(t, first.Seq, again.Seq)
	assert.Equal(t, "hello", again.Text, "the stored message is returned")
	assert.Equal(t, first.Seq, f.conv(c.ID).LastSeq, "a duplicate stores nothing")

	other, dup, err := f.s.Append(f.ctx, text(c.ID, "agent", "c1", "hi"))
	require.NoError(t, err)
	assert.False(t, dup, "another sender may use the same client id")
	assert.Equal(t, first.Seq+1, other.Seq)

	for range 2 {
		_, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "", "no client id"))
		require.NoError(t, err)
		assert.False(t, dup, "messages without a client id are never duplicates")
	}
	msgs := f.history(c.ID)
	require.Len(t, msgs, 4)
	assert.Equal(t, []string{"hello", "hi", "no client id", "no client id"},
		[]string{msgs[0].Text, msgs[1].Text, msgs[2].Text, msgs[3].Text})

	// The same client id in another conversation is a different message.
	c2 := f.open("v2", session.StateBot)
	m, dup, err := f.s.Append(f.ctx, text(c2.ID, "cust", "c1", "hello"))
	require.NoError(t, err)
	assert.False(t, dup)
	assert.Equal(t, int64(1), m.Seq)
}

func testAppendConcurrent(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	const writers, each = 8, 25
	errs := make(chan error, writers*each)
	seqs := make(chan int64, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m, _, err := f.s.Append(f.ctx, text(c.ID, fmt.Sprintf("s%d", w), fmt.Sprintf("c%d", i), "x"))
				errs <- err
				seqs <- m.Seq
			}
		})
	}
	wg.Wait()
	close(errs)
	close(seqs)
	for err := range errs {
		require.NoError(t, err)
	}
	seen := make(map[int64]bool)
	for s := range seqs {
		require.False(t, seen[s], "seq %d given twice", s)
		seen[s] = true
	}
	require.Len(t, f.history(c.ID), writers*each)

	// Concurrent resends of one message store it once.
	type result struct {
		m   session.Message
		dup bool
		err error
	}
	results := make([]result, writers)
	for w := range writers {
		wg.Go(func() {
			m, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "same", "once"))
			results[w] = result{m, dup, err}
		})
	}
	wg.Wait()
	stored := 0
	for _, r := range results {
		require.NoError(t, r.err)
		assert.Equal(t, int64(writers*each+1), r.m.Seq)
		if !r.dup {
			stored++
		}
	}
	assert.Equal(t, 1, stored, "exactly one concurrent resend is stored")
	assert.Len(t, f.history(c.ID), writers*each+1)
}

func testAppendErrors(t *testing.T, f *fixture) {
	_, _, err := f.s.Append(f.ctx, text(session.NewID(), "cust", "c1", "hello"))
	require.ErrorIs(t, err, session.ErrNotFound)

	c := f.open("v", session.StateQueued)
	_, err = f.s.Close(f.ctx, c.ID, "agent")
	require.NoError(t, err)
	before := f.history(c.ID)
	_, _, err = f.s.Append(f.ctx, text(c.ID, "cust", "c2", "too late"))
	require.ErrorIs(t, err, session.ErrClosed)
	_, _, err = f.s.Append(f.ctx, text(c.ID, "cust", "", "too late"))
	require.ErrorIs(t, err, session.ErrClosed)
	assert.Len(t, f.history(c.ID), len(before), "nothing is stored in a closed conversation")
}

func testHistoryPaging(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	for i := 1; i <= 10; i++ {
		_, _, err := f.s.Append(f.ctx, text(c.ID, "cust", "", fmt.Sprint(i)))
		require.NoError(t, err)
	}
	seqs := func(afterSeq int64, limit int) []int64 {
		t.Helper()
		msgs, err := f.s.History(f.ctx, c.ID, afterSeq, limit)
		require.NoError(t, err)
		out := []int64{}
		for _, m := range msgs {
			require.Equal(t, fmt.Sprint(m.Seq), m.Text)
			out = append(out, m.Seq)
		}
		return out
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seqs(0, 0))
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seqs(0, -1))
	assert.Equal(t, []int64{1, 2, 3}, seqs(0, 3))
	assert.Equal(t, []int64{4, 5, 6, 7}, seqs(3, 4))
	assert.Equal(t, []int64{9, 10}, seqs(8, 0))
	assert.Equal(t, []int64{9, 10}, seqs(8, 5))
	assert.Empty(t, seqs(10, 0))
	assert.Empty(t, seqs(50, 0))
}

func testTranslations(t *testing.T, f *fixture) {
	c := f.open("v", session.StateBot)
	in := text(c.ID, "cust", "c1", "bonjour")
	in.Lang = "fr"
	in.Translations = map[string]string{"en": "hello"}
	m, _, err := f.s.Append(f.ctx, in)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"en": "hello"}, m.Translations)
	in.Translations["en"] = "changed by the caller"
	m.Translations["en"] = "changed by the caller"

	require.NoError(t, f.s.SetTranslation(f.ctx, c.ID, m.Seq, "de", "hallo"))
	msgs := f.history(c.ID)
	require.Len(t, msgs, 1)
	assert.Equal(t, map[string]string{"en": "hello", "de": "hallo"}, msgs[0].Translations,
		"the store keeps its own copy of Translations")

	msgs[0].Translations["de"] = "changed by the reader"
	require.NoError(t, f.s.SetTranslation(f.ctx, c.ID, m.Seq, "en", "hi"))
	msgs = f.history(c.ID)
	assert.Equal(t, map[string]string{"en": "hi", "de": "hallo"}, msgs[0].Translations)

	// A resend returns the stored translations too.
	dupMsg, dup, err := f.s.Append(f.ctx, text(c.ID, "cust", "c1", "bonjour"))
	require.NoError(t, err)
	require.True(t, dup)
	assert.Equal(t, map[string]string{"en": "hi", "de": "hallo"}, dupMsg.Translations)

	// A message stored without translations gets its first one.
	plain, _, err := f.s.Append(f.ctx, text(c.ID, "cust", "", "plain"))
	require.NoError(t, err)
	require.NoError(t, f.s.SetTranslation(f.ctx, c.ID, plain.Seq, "fr", "simple"))
	msgs = f.history(c.ID)
	assert.Equal(t, map[string]string{"fr": "simple"}, msgs[1].Translations)

	require.ErrorIs(t, f.s.SetTranslation(f.ctx, c.ID, 99, "de", "x"), session.ErrNotFound)
	require.ErrorIs(t, f.s.SetTranslation(f.ctx, session.NewID(), 1, "de", "x"), session.ErrNotFound)
}

// testAppendChecksTheSender: agents write only into the conversations
// assigned to them and bots only into the ones they hold, in the same step
// as the write, so that a transfer or a hand-off cannot slip between.
func testAppendChecksTheSender(t *testing.T, f *fixture) {
	as := func(role session.Role, sender, clientID string) session.Message {
		m := text("", sender, clientID, "hi from "+sender)
		m.Role = role
		return m
	}
	write := func(c session.Conversation, m session.Message) error {
		m.ConversationID = c.ID
		_, _, err := f.s.Append(f.ctx, m)
		return err
	}
	a, b := f.setAgent("a", 5), f.setAgent("b", 5)
	c := f.open("v", session.StateQueued)
	require.ErrorIs(t, write(c, as(session.RoleAgent, a, "a1")), session.ErrForbidden, "not assigned yet")
	_, err := f.s.Assign(f.ctx, c.ID, a, 5)
	require.NoError(t, err)
	require.NoError(t, write(c, as(session.RoleAgent, a, "a2")))
	require.ErrorIs(t, write(c, as(session.RoleAgent, b, "b1")), session.ErrForbidden, "another agent's conversation")
	_, err = f.s.Transfer(f.ctx, c.ID, a, b, 5)
	require.NoError(t, err)
	require.ErrorIs(t, write(c, as(session.RoleAgent, a, "a3")), session.ErrForbidden, "transferred away")
	require.NoError(t, write(c, as(session.RoleAgent, b, "b2")))
	require.NoError(t, write(c, as(session.RoleCustomer, "v", "v1")))

	bot := f.id("bot")
	held, _, err := f.s.OpenConversation(f.ctx, session.Conversation{SiteID: f.site, VisitorID: f.id("w"), State: session.StateBot, BotID: bot})
	require.NoError(t, err)
	require.NoError(t, write(held, as(session.RoleBot, bot, "bot1")))
	require.ErrorIs(t, write(held, as(session.RoleBot, f.id("other-bot"), "ob1")), session.ErrForbidden)
	_, err = f.s.Requeue(f.ctx, held.ID, false, "handed off")
	require.NoError(t, err)
	require.ErrorIs(t, write(held, as(session.RoleBot, bot, "bot2")), session.ErrForbidden, "after the hand-off")
	texts := 0
	for _, m := range f.history(held.ID) {
		if m.Kind == session.KindText {
			texts++
		}
	}
	assert.Equal(t, 1, texts, "refused writes store nothing")
}
