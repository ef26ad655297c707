package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// These tests check the data model described in docs/redis.md: key names,
// TTLs, trimming and tolerance of unexpected data.

func openQueued(t *testing.T, s *session.Redis, site, visitor string) session.Conversation {
	t.Helper()
	c, created, err := s.OpenConversation(t.Context(), session.Conversation{SiteID: site, VisitorID: visitor, State: session.StateQueued})
	require.NoError(t, err)
	require.True(t, created)
	return c
}

func TestRedisRetentionStartsAtClose(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{Limits: session.Limits{Retention: time.Hour}})
	conv := openQueued(t, s, "shop", "v")
	_, _, err := s.Append(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hi"})
	require.NoError(t, err)
	require.NoError(t, s.SetTranslation(ctx, conv.ID, 2, "en", "hi"))

	keys := []string{
		"parley:{s:shop}:c:" + conv.ID,
		"parley:{s:shop}:c:" + conv.ID + ":hist",
		"parley:{s:shop}:c:" + conv.ID + ":tr",
		"parley:conv-site:{" + conv.ID + "}",
	}
	for _, k := range keys {
		assert.Equal(t, time.Duration(-1), c.PTTL(ctx, k).Val(), "%s of an open conversation does not expire", k)
	}
	_, err = s.Close(ctx, conv.ID, "v")
	require.NoError(t, err)
	for _, k := range keys {
		ttl := c.PTTL(ctx, k).Val()
		assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "%s expires after the retention, got %v", k, ttl)
	}
	assert.Zero(t, c.Exists(ctx, "parley:{s:shop}:v:v").Val(), "the visitor has no open conversation")
	ttl := c.PTTL(ctx, "parley:{s:shop}:c:"+conv.ID+":idem:1:v:nothing").Val()
	assert.Equal(t, time.Duration(-2), ttl)
}

func TestRedisWritesAfterCloseKeepKeysTogether(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{Limits: session.Limits{Retention: time.Hour}})
	conv := openQueued(t, s, "shop", "v")
	_, err := s.Close(ctx, conv.ID, "v")
	require.NoError(t, err)
	conv1 := "parley:{s:shop}:c:" + conv.ID
	index := "parley:conv-site:{" + conv.ID + "}"
	tr := conv1 + ":tr"

	// As if the close were long ago: every key has a minute left.
	for _, k := range []string{conv1, conv1 + ":hist", index} {
		require.True(t, c.PExpire(ctx, k, time.Minute).Val(), k)
	}
	// A translation recorded now expires with the conversation.
	require.NoError(t, s.SetTranslation(ctx, conv.ID, 1, "es", "en cola"))
	ttl := c.PTTL(ctx, tr).Val()
	assert.True(t, ttl > 0 && ttl <= time.Minute, "translations expire with the conversation, got %v", ttl)

	// An event renews the whole conversation, its index too, so that it
	// can still be found by its ID for as long as it is kept.
	_, _, err = s.Append(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindEvent, Event: session.EventClosed, Role: session.RoleSystem})
	require.NoError(t, err)
	for _, k := range []string{conv1, conv1 + ":hist", tr, index} {
		ttl := c.PTTL(ctx, k).Val()
		assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "%s renewed to the retention, got %v", k, ttl)
	}
}

func TestRedisIdempotencyKeyTTL(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{Limits: session.Limits{IdempotencyTTL: time.Minute}})
	conv := openQueued(t, s, "shop", "v")
	_, _, err := s.Append(ctx, session.Message{ConversationID: conv.ID, ClientID: "c-1", Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v:1", Text: "hi"})
	require.NoError(t, err)
	key := "parley:{s:shop}:c:" + conv.ID + ":idem:3:v:1:c-1"
	assert.Equal(t, "2", c.Get(ctx, key).Val(), "maps the client ID to the seq")
	ttl := c.PTTL(ctx, key).Val()
	assert.True(t, ttl > 50*time.Second && ttl <= time.Minute, "got %v", ttl)
}

func TestRedisHistoryTrimmed(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{Limits: session.Limits{MaxLen: 10}})
	conv := openQueued(t, s, "shop", "v")
	const n = 400
	for i := range n {
		_, _, err := s.Append(ctx, session.Message{ConversationID: conv.ID, ClientID: fmt.Sprint("c", i), Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	msgs, err := s.History(ctx, conv.ID, 0, 0)
	require.NoError(t, err)
	require.NotEmpty(t, msgs)
	assert.Less(t, len(msgs), n, "MAXLEN ~ trimmed old entries")
	last := msgs[len(msgs)-1]
	assert.Equal(t, int64(n+1), last.Seq, "seqs keep counting after a trim")
	for i := 1; i < len(msgs); i++ {
		require.Equal(t, msgs[i-1].Seq+1, msgs[i].Seq)
	}
	got, err := s.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(n+1), got.LastSeq)

	// Resending the first message, long trimmed, is still a duplicate.
	first, dup, err := s.Append(ctx, session.Message{ConversationID: conv.ID, ClientID: "c0", Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "0"})
	require.NoError(t, err)
	assert.True(t, dup)
	assert.Equal(t, int64(2), first.Seq)
	require.ErrorIs(t, s.SetTranslation(ctx, conv.ID, 2, "en", "x"), session.ErrNotFound, "a trimmed message cannot be translated")
}

func TestRedisPresenceExpiry(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{PresenceExpiry: 2 * time.Second})
	require.NoError(t, s.SetAgent(ctx, session.Agent{ID: "a", SiteID: "shop", Name: "A", Status: session.StatusOnline}))
	a, err := s.Agent(ctx, "shop", "a")
	require.NoError(t, err)
	assert.Equal(t, session.StatusOnline, a.Status)

	// Age the heartbeat instead of sleeping through the expiry.
	old := time.Now().Add(-3 * time.Second).UnixMilli()
	require.NoError(t, c.HSet(ctx, "parley:{s:shop}:a:a", "seen", old).Err())
	a, err = s.Agent(ctx, "shop", "a")
	require.NoError(t, err)
	assert.Equal(t, session.StatusOffline, a.Status, "no heartbeat within the expiry")

	require.NoError(t, s.Heartbeat(ctx, "shop", "a"))
	a, err = s.Agent(ctx, "shop", "a")
	require.NoError(t, err)
	assert.Equal(t, session.StatusOnline, a.Status, "a heartbeat brings it back")
	require.ErrorIs(t, s.Heartbeat(ctx, "shop", "nobody"), session.ErrNotFound)
}

func TestRedisToleratesUnexpectedData(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{})
	conv := openQueued(t, s, "shop", "v")
	base := "parley:{s:shop}:c:" + conv.ID
	_, _, err := s.Append(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: "hi"})
	require.NoError(t, err)

	require.NoError(t, c.HSet(ctx, base, "created", "yesterday", "updated", "-", "queued", "1e99").Err())
	require.NoError(t, c.XAdd(ctx, &redis.XAddArgs{Stream: base + ":hist", ID: "1000-5", Values: []any{"junk", "x"}}).Err())
	require.NoError(t, c.HSet(ctx, base+":tr", "1", "{not json", "2", "[1,2]").Err())
	require.NoError(t, c.HSet(ctx, "parley:{s:shop}:a:odd", "id", "odd", "cap", "many", "langs", "{", "seen", "x").Err())
	require.NoError(t, c.SAdd(ctx, "parley:{s:shop}:agents", "odd", "ghost").Err())
	require.NoError(t, c.HSet(ctx, "parley:{s:shop}:load", "odd", "lots").Err())
	require.NoError(t, c.Set(ctx, "parley:conv-site:{broken}", "no length", 0).Err())

	got, err := s.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.True(t, got.CreatedAt.IsZero())
	msgs, err := s.History(ctx, conv.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	assert.Equal(t, int64(1000), msgs[2].Seq)
	assert.Nil(t, msgs[0].Translations)
	assert.Nil(t, msgs[1].Translations)
	agents, err := s.Agents(ctx, "shop")
	require.NoError(t, err)
	require.Len(t, agents, 1, "an ID without a profile is skipped")
	assert.Equal(t, 0, agents[0].Capacity)
	_, err = s.Conversation(ctx, "broken")
	require.ErrorIs(t, err, session.ErrNotFound)
	_, err = s.Conversation(ctx, "x:{y}")
	require.ErrorIs(t, err, session.ErrNotFound)
	require.NoError(t, s.SetTranslation(ctx, conv.ID, 1, "en", "ok"), "a malformed translations value is replaced")
	require.NoError(t, s.SetTranslation(ctx, conv.ID, 2, "en", "ok"), "so is one of the wrong shape")
	msgs, err = s.History(ctx, conv.ID, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"en": "ok"}, msgs[0].Translations)
	assert.Equal(t, map[string]string{"en": "ok"}, msgs[1].Translations)
}

func TestRedisKeysShareSiteSlot(t *testing.T) {
	_, c := newRedisClient(t)
	ctx := t.Context()
	s := session.NewRedis(c, session.RedisConfig{Prefix: "p{x}"})
	conv := openQueued(t, s, "we{ir}d", "v")
	_, err := s.Assign(ctx, conv.ID, "ag", 0)
	require.NoError(t, err)
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	var siteKeys int
	for _, k := range keys {
		if k == "px:conv-site:{"+conv.ID+"}" {
			continue
		}
		siteKeys++
		assert.Contains(t, k, "px:{s:we%7Bir%7Dd}:", "braces in the prefix and site never change the hash tag")
	}
	assert.Equal(t, 6, siteKeys, "conv, hist, convs, counter, load, visitor; got %q", keys)
}
