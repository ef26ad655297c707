package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a Redis store. The zero value is ready to use.
type RedisConfig struct {
	// Prefix starts every key the store writes. Default "parley". Braces
	// are removed because they would change the keys' Cluster hash slot.
	Prefix string
	// Limits bound histories, closed conversations and client message IDs.
	Limits
	// PresenceExpiry is how long after its last heartbeat an agent that is
	// not offline is still reported with its status; after that it is
	// reported offline. Default 30 seconds.
	PresenceExpiry time.Duration
}

func (c RedisConfig) withDefaults() RedisConfig {
	if c.Prefix == "" {
		c.Prefix = "parley"
	}
	c.Limits = c.Limits.withDefaults()
	if c.PresenceExpiry <= 0 {
		c.PresenceExpiry = 30 * time.Second
	}
	return c
}

// Redis is a Store kept in Redis (a single server or a Cluster), shared by
// every gateway process that uses the same Redis and key prefix. The data
// model is described in docs/redis.md.
type Redis struct {
	client  redis.UniversalClient
	appends *scriptBatcher // the hot path: Append, batched
	cfg     RedisConfig
	keys    redisKeys
	sites   siteCache
	// limitArgs are the Append script's IdempotencyTTL, MaxLen and
	// Retention arguments, boxed once rather than for every message.
	limitArgs [3]any
}

var _ Store = (*Redis)(nil)

// openRetries bounds how often OpenConversation retries when the visitor's
// open conversation changes under it.
const openRetries = 8

// NewRedis returns a Store that keeps its data in Redis through client, which
// the caller owns and closes.
func NewRedis(client redis.UniversalClient, cfg RedisConfig) *Redis {
	cfg = cfg.withDefaults()
	return &Redis{client: client, appends: newScriptBatcher(client, scriptAppend), cfg: cfg, keys: newRedisKeys(cfg.Prefix),
		limitArgs: [3]any{cfg.IdempotencyTTL.Milliseconds(), cfg.MaxLen, cfg.Retention.Milliseconds()}}
}

// now returns the current time at the millisecond precision the store keeps.
func now() time.Time { return time.UnixMilli(time.Now().UnixMilli()).UTC() }

// run executes a script and returns its reply table, with its status word
// already turned into the store's error.
func (r *Redis) run(ctx context.Context, op string, s *redis.Script, keys []string, args ...any) ([]any, string, error) {
	return scriptReply(op, s.Run(ctx, r.client, keys, args...))
}

// scriptReply decodes a script's reply: a table whose first element is its
// status.
func scriptReply(op string, cmd *redis.Cmd) ([]any, string, error) {
	v, err := cmd.Result()
	if err != nil {
		return nil, "", redisError(op, err)
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, "", fmt.Errorf("session: redis %s: unexpected reply %T", op, v)
	}
	status := replyString(arr[0])
	return arr, status, scriptStatus(op, status)
}

// convReply decodes the conversation hash at arr[i].
func convReply(op string, arr []any, i int) (Conversation, error) {
	if len(arr) <= i {
		return Conversation{}, fmt.Errorf("session: redis %s: short reply", op)
	}
	c, ok := decodeConversation(replyPairs(arr[i]))
	if !ok {
		return Conversation{}, fmt.Errorf("session: redis %s: malformed conversation", op)
	}
	return c, nil
}

// locate returns the site and visitor of a conversation, from memory or the
// index key.
func (r *Redis) locate(ctx context.Context, id string) (convLocation, error) {
	if !validConvID(id) {
		return convLocation{}, fmt.Errorf("session: conversation %q: %w", id, ErrNotFound)
	}
	if loc, ok := r.sites.get(id); ok {
		return loc, nil
	}
	v, err := r.client.Get(ctx, r.keys.index(id)).Result()
	if err != nil {
		return convLocation{}, redisError("locate conversation", err)
	}
	site, visitor, ok := decodeIndex(v)
	if !ok {
		return convLocation{}, fmt.Errorf("session: conversation %q has a malformed index: %w", id, ErrNotFound)
	}
	loc := convLocation{siteID: site, visitorID: visitor}
	r.sites.put(id, loc)
	return loc, nil
}

// OpenConversation returns the visitor's open conversation or creates one.
func (r *Redis) OpenConversation(ctx context.Context, c Conversation) (Conversation, bool, error) {
	if c.State == "" {
		c.State = StateQueued
	}
	if c.State != StateQueued && c.State != StateBot {
		return Conversation{}, false, fmt.Errorf("session: open conversation in state %q: %w", c.State, ErrConflict)
	}
	if c.State != StateBot {
		c.BotID = ""
	}
	site, visitor := c.SiteID, c.VisitorID
	visitorKey := r.keys.visitor(site, visitor)
	for range openRetries {
		prev, err := r.client.Get(ctx, visitorKey).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return Conversation{}, false, redisError("open conversation", err)
		}
		prevKey := r.keys.conv(site, "-") // any key of the slot when there is none
		if prev != "" {
			prevKey = r.keys.conv(site, prev)
		}
		id := NewID()
		// The index goes first: a crash before the script leaves an index
		// entry that points at nothing, which readers treat as not found.
		if err := r.client.Set(ctx, r.keys.index(id), encodeIndex(site, visitor), 0).Err(); err != nil {
			return Conversation{}, false, redisError("open conversation", err)
		}
		arr, status, err := r.run(ctx, "open conversation", scriptOpen,
			[]string{visitorKey, prevKey, r.keys.conv(site, id), r.keys.hist(site, id),
				r.keys.queue(site), r.keys.convs(site), r.keys.counter(site)},
			prev, id, site, visitor, c.VisitorName, c.Language, string(c.State), c.BotID,
			msString(now()), r.cfg.MaxLen)
		if err != nil {
			return Conversation{}, false, err
		}
		if status != "created" {
			r.client.Del(ctx, r.keys.index(id)) // best effort; a leftover points at nothing
		}
		switch status {
		case "retry":
			continue
		case "existing":
			conv, err := convReply("open conversation", arr, 1)
			if err == nil {
				r.sites.put(conv.ID, convLocation{siteID: site, visitorID: visitor})
			}
			return conv, false, err
		default:
			conv, err := convReply("open conversation", arr, 1)
			if err == nil {
				r.sites.put(id, convLocation{siteID: site, visitorID: visitor})
			}
			return conv, err == nil, err
		}
	}
	return Conversation{}, false, fmt.Errorf("session: open conversation: visitor's conversation kept changing: %w", ErrConflict)
}

// Conversation returns the conversation with the given ID.
func (r *Redis) Conversation(ctx context.Context, id string) (Conversation, error) {
	loc, err := r.locate(ctx, id)
	if err != nil {
		return Conversation{}, err
	}
	h, err := r.client.HGetAll(ctx, r.keys.conv(loc.siteID, id)).Result()
	if err != nil {
		return Conversation{}, redisError("conversation", err)
	}
	c, ok := decodeConversation(h)
	if !ok {
		// Expired after its retention: drop the leftover index entry.
		r.sites.forget(id)
		r.client.Del(ctx, r.keys.index(id))
		return Conversation{}, fmt.Errorf("session: conversation %q: %w", id, ErrNotFound)
	}
	return c, nil
}

// VisitorConversation returns the visitor's open conversation at the site.
func (r *Redis) VisitorConversation(ctx context.Context, siteID, visitorID string) (Conversation, error) {
	return r.VisitorConversationHint(ctx, siteID, visitorID, "")
}

// VisitorConversationHint is VisitorConversation for a visitor who names
// the conversation they probably have, as a returning client does: the
// visitor's index and the named conversation are read together, in one
// round trip instead of two when the guess is right. A wrong guess costs
// the second round trip and is otherwise ignored.
func (r *Redis) VisitorConversationHint(ctx context.Context, siteID, visitorID, hint string) (Conversation, error) {
	visitor := r.keys.visitor(siteID, visitorID)
	var get *redis.StringCmd
	var guess *redis.MapStringStringCmd
	if hint != "" && len(hint) <= maxHintLen {
		// Each command's error is in its own result.
		_, _ = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			get = p.Get(ctx, visitor)
			guess = p.HGetAll(ctx, r.keys.conv(siteID, hint))
			return nil
		})
	} else {
		get = r.client.Get(ctx, visitor)
	}
	id, err := get.Result()
	if err != nil {
		return Conversation{}, redisError("visitor conversation", err)
	}
	if guess == nil || id != hint {
		guess = r.client.HGetAll(ctx, r.keys.conv(siteID, id))
	}
	h, err := guess.Result()
	if err != nil {
		return Conversation{}, redisError("visitor conversation", err)
	}
	c, ok := decodeConversation(h)
	if !ok || c.State == StateClosed {
		return Conversation{}, fmt.Errorf("session: visitor conversation: %w", ErrNotFound)
	}
	return c, nil
}

// maxHintLen bounds a conversation ID a client names; longer ones are not
// IDs and are ignored.
const maxHintLen = 64

// conversationsPage is how many conversations Conversations and Queue read
// per round trip.
const conversationsPage = 100

// Conversations returns the site's conversations matching f, newest first.
func (r *Redis) Conversations(ctx context.Context, siteID string, f Filter, limit int) ([]Conversation, error) {
	out := []Conversation{}
	for start := int64(0); ; start += conversationsPage {
		ids, err := r.client.ZRevRange(ctx, r.keys.convs(siteID), start, start+conversationsPage-1).Result()
		if err != nil {
			return nil, redisError("conversations", err)
		}
		convs, err := r.load(ctx, siteID, ids, r.keys.convs(siteID))
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			if (f.State == "" || c.State == f.State) && (f.AgentID == "" || c.AgentID == f.AgentID) {
				out = append(out, c)
				if limit > 0 && len(out) >= limit {
					return out, nil
				}
			}
		}
		if len(ids) < conversationsPage {
			return out, nil
		}
	}
}

// load reads the conversations with the given IDs in one pipeline, in
// order, and removes IDs whose conversation expired from the sorted set
// index.
func (r *Redis) load(ctx context.Context, siteID string, ids []string, index string) ([]Conversation, error) {
	if len(ids) == 0 {
		return []Conversation{}, nil
	}
	pipe := r.client.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, r.keys.conv(siteID, id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, redisError("load conversations", err)
	}
	out := make([]Conversation, 0, len(ids))
	var gone []any
	for i, cmd := range cmds {
		c, ok := decodeConversation(cmd.Val())
		if !ok {
			gone = append(gone, ids[i])
			continue
		}
		out = append(out, c)
	}
	if len(gone) > 0 {
		r.client.ZRem(ctx, index, gone...) // best effort cleanup
	}
	return out, nil
}

// Append stores m at the end of its conversation's history in one script.
func (r *Redis) Append(ctx context.Context, m Message) (Message, bool, error) {
	return r.appendMessage(ctx, m, now(), nil)
}

// AppendPublish is Append that also publishes the event encode returns for
// the message (stamped, its Seq left 0), with the stored seq in place, in
// the same script: one round trip for a message instead of two. It does so
// only when broker is a RedisBroker on the same Redis client and not a
// Cluster (where the event's channel lives in another slot); otherwise it
// only appends, and published is false so that the caller publishes. A
// resend (dup) publishes nothing.
func (r *Redis) AppendPublish(ctx context.Context, m Message, broker Broker, encode func(*Message) (Publication, error)) (stored Message, dup, published bool, err error) {
	at := now()
	rb, ok := broker.(*RedisBroker)
	if !ok || rb.client != r.client || rb.cluster != nil {
		stored, dup, err = r.appendMessage(ctx, m, at, nil)
		return stored, dup, false, err
	}
	draft := m
	draft.Seq, draft.At = 0, at
	pub, err := encode(&draft)
	if err != nil {
		return Message{}, false, false, fmt.Errorf("session: append: encoding its event: %w", err)
	}
	stored, dup, err = r.appendMessage(ctx, m, at, &pub)
	return stored, dup, err == nil && !dup, err
}

// appendMessage runs the Append script, publishing pub when not nil.
func (r *Redis) appendMessage(ctx context.Context, m Message, at time.Time, pub *Publication) (Message, bool, error) {
	id := m.ConversationID
	loc, err := r.locate(ctx, id)
	if err != nil {
		return Message{}, false, err
	}
	site := loc.siteID
	var hasClient any = "" // constants, boxed without allocating
	idemKey := r.keys.conv(site, id)
	if m.ClientID != "" {
		idemKey, hasClient = r.keys.idem(site, id, m.SenderID, m.ClientID), "1"
	}
	var trJSON string
	if len(m.Translations) > 0 {
		b, err := json.Marshal(m.Translations)
		if err != nil {
			return Message{}, false, fmt.Errorf("session: append: %w", err)
		}
		trJSON = string(b)
	}
	parts := 0
	if pub != nil {
		parts = len(pub.Parts)
	}
	args := make([]any, 0, 15+parts)
	args = append(args, hasClient, r.limitArgs[0], msString(at), r.limitArgs[1], r.limitArgs[2],
		string(m.Kind), m.Event, string(m.Role), m.SenderID, m.SenderName, m.Text, m.Lang, m.ClientID, trJSON)
	if pub != nil && len(pub.Parts) > 0 {
		args = append(args, pub.Topic)
		for _, p := range pub.Parts {
			args = append(args, p)
		}
	} else {
		args = append(args, "")
	}
	arr, status, err := scriptReply("append", r.appends.run(ctx,
		[]string{r.keys.conv(site, id), r.keys.hist(site, id), idemKey, r.keys.tr(site, id)}, args...))
	if err != nil {
		return Message{}, false, err
	}
	if len(arr) < 2 {
		return Message{}, false, fmt.Errorf("session: redis append: short reply")
	}
	seq := replyInt(arr[1])
	if status == "dup" {
		if len(arr) >= 4 {
			if entries, _ := arr[2].([]any); len(entries) == 1 {
				if stored, ok := decodeEntry(id, entries[0], replyString(arr[3])); ok {
					return stored, true, nil
				}
			}
		}
		// The original was trimmed from the history; report what we know.
		m.Seq = seq
		return m, true, nil
	}
	m.Seq, m.At = seq, at
	if len(arr) >= 3 && replyString(arr[2]) == string(StateClosed) {
		// The script renewed the closed conversation's retention; its index
		// lives in another slot and is renewed here, as Close sets it. If
		// this fails the index may expire first, and the conversation with
		// it as far as lookups by ID go.
		r.client.PExpire(ctx, r.keys.index(id), r.cfg.Retention)
	}
	if len(m.Translations) == 0 {
		m.Translations = nil
	}
	return m, false, nil
}

// History returns the conversation's messages after afterSeq.
func (r *Redis) History(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error) {
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	site := loc.siteID
	start := "-"
	if afterSeq > 0 {
		start = "(" + strconv.FormatInt(afterSeq, 10) + "-0"
	}
	// Plain commands in MULTI rather than a script: Redis spends most of a
	// script's time converting a long XRANGE reply to Lua and back (about
	// 350 of 440 µs for 100 messages).
	conv, hist, trKey := r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.tr(site, conversationID)
	xargs := []any{"XRANGE", hist, start, "+"}
	if limit > 0 {
		xargs = append(xargs, "COUNT", limit)
	}
	var exists, hasTr *redis.IntCmd
	var xrange *redis.Cmd
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, conv)
		xrange = p.Do(ctx, xargs...)
		hasTr = p.Exists(ctx, trKey)
		return nil
	}); err != nil {
		return nil, redisError("history", err)
	}
	if exists.Val() == 0 {
		return nil, fmt.Errorf("session: history: %w", ErrNotFound)
	}
	entries, _ := xrange.Val().([]any)
	var trs []any
	if len(entries) > 0 && hasTr.Val() == 1 {
		seqs := make([]string, len(entries))
		for i, e := range entries {
			if pair, _ := e.([]any); len(pair) == 2 {
				seqs[i], _, _ = strings.Cut(replyString(pair[0]), "-")
			}
		}
		got, err := r.client.HMGet(ctx, trKey, seqs...).Result()
		if err != nil {
			return nil, redisError("history translations", err)
		}
		trs = got
	}
	out := make([]Message, 0, len(entries))
	for i, e := range entries {
		var tr string
		if i < len(trs) {
			tr = replyString(trs[i])
		}
		if m, ok := decodeEntry(conversationID, e, tr); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// SetTranslation records text as the message's translation into lang.
func (r *Redis) SetTranslation(ctx context.Context, conversationID string, seq int64, lang, text string) error {
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return err
	}
	if seq <= 0 {
		return fmt.Errorf("session: set translation of seq %d: %w", seq, ErrNotFound)
	}
	site := loc.siteID
	_, _, err = r.run(ctx, "set translation", scriptTranslate,
		[]string{r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.tr(site, conversationID)},
		seq, lang, text, r.cfg.MaxLen, r.cfg.Retention.Milliseconds())
	return err
}

// Queue returns the site's queued conversations, first in line first.
func (r *Redis) Queue(ctx context.Context, siteID string) ([]Conversation, error) {
	ids, err := r.client.ZRange(ctx, r.keys.queue(siteID), 0, -1).Result()
	if err != nil {
		return nil, redisError("queue", err)
	}
	convs, err := r.load(ctx, siteID, ids, r.keys.queue(siteID))
	if err != nil {
		return nil, err
	}
	out := convs[:0]
	for _, c := range convs {
		if c.State == StateQueued {
			out = append(out, c)
		}
	}
	return out, nil
}

// Assign gives a queued or bot-held conversation to the agent.
func (r *Redis) Assign(ctx context.Context, conversationID, agentID string, maxActive int) (Conversation, error) {
	if agentID == "" {
		return Conversation{}, fmt.Errorf("session: assign conversation %q to no agent: %w", conversationID, ErrNotFound)
	}
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	site := loc.siteID
	arr, _, err := r.run(ctx, "assign", scriptAssign,
		[]string{r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.queue(site),
			r.keys.load(site), r.keys.agent(site, agentID)},
		conversationID, agentID, maxActive, msString(now()), r.cfg.MaxLen)
	if err != nil {
		return Conversation{}, err
	}
	return convReply("assign", arr, 1)
}

// Transfer moves an active conversation from one agent to another.
func (r *Redis) Transfer(ctx context.Context, conversationID, fromAgentID, toAgentID string, maxActive int) (Conversation, error) {
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	site := loc.siteID
	arr, _, err := r.run(ctx, "transfer", scriptTransfer,
		[]string{r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.load(site),
			r.keys.agent(site, toAgentID)},
		conversationID, fromAgentID, toAgentID, maxActive, msString(now()), r.cfg.MaxLen)
	if err != nil {
		return Conversation{}, err
	}
	return convReply("transfer", arr, 1)
}

// Requeue puts an active or bot-held conversation back in its site's queue.
func (r *Redis) Requeue(ctx context.Context, conversationID string, front bool, reason string) (Conversation, error) {
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	site := loc.siteID
	frontArg := ""
	if front {
		frontArg = "1"
	}
	arr, _, err := r.run(ctx, "requeue", scriptRequeue,
		[]string{r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.queue(site),
			r.keys.load(site), r.keys.counter(site)},
		conversationID, frontArg, reason, msString(now()), r.cfg.MaxLen)
	if err != nil {
		return Conversation{}, err
	}
	return convReply("requeue", arr, 1)
}

// Close ends the conversation.
func (r *Redis) Close(ctx context.Context, conversationID, by string) (Conversation, error) {
	loc, err := r.locate(ctx, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	site := loc.siteID
	arr, _, err := r.run(ctx, "close", scriptClose,
		[]string{r.keys.conv(site, conversationID), r.keys.hist(site, conversationID), r.keys.queue(site),
			r.keys.load(site), r.keys.visitor(site, loc.visitorID), r.keys.tr(site, conversationID)},
		conversationID, by, msString(now()), r.cfg.MaxLen, r.cfg.Retention.Milliseconds())
	if err != nil {
		return Conversation{}, err
	}
	// The index lives in another slot; it expires with the conversation.
	// If this fails the index outlives the conversation and is removed by
	// the first lookup that finds the conversation gone.
	r.client.PExpire(ctx, r.keys.index(conversationID), r.cfg.Retention)
	return convReply("close", arr, 1)
}

// SetAgent creates or updates an agent's profile and presence.
func (r *Redis) SetAgent(ctx context.Context, a Agent) error {
	if a.ID == "" {
		return errors.New("session: set agent without an ID")
	}
	langs := ""
	if len(a.Languages) > 0 {
		b, err := json.Marshal(a.Languages)
		if err != nil {
			return fmt.Errorf("session: set agent: %w", err)
		}
		langs = string(b)
	}
	_, _, err := r.run(ctx, "set agent", scriptSetAgent,
		[]string{r.keys.agent(a.SiteID, a.ID), r.keys.agents(a.SiteID)},
		a.ID, a.SiteID, a.Name, langs, string(a.Status), a.Capacity, msString(now()),
		r.cfg.PresenceExpiry.Milliseconds())
	return err
}

// Heartbeat records that the agent is still connected.
func (r *Redis) Heartbeat(ctx context.Context, siteID, agentID string) error {
	_, _, err := r.run(ctx, "heartbeat", scriptHeartbeat,
		[]string{r.keys.agent(siteID, agentID)}, msString(now()))
	return err
}

// Agent returns one agent of the site.
func (r *Redis) Agent(ctx context.Context, siteID, agentID string) (Agent, error) {
	agents, err := r.agents(ctx, siteID, []string{agentID})
	if err != nil {
		return Agent{}, err
	}
	if len(agents) == 0 {
		return Agent{}, fmt.Errorf("session: agent %q: %w", agentID, ErrNotFound)
	}
	return agents[0], nil
}

// Agents returns every agent of the site the store has seen, sorted by ID.
func (r *Redis) Agents(ctx context.Context, siteID string) ([]Agent, error) {
	ids, err := r.client.SMembers(ctx, r.keys.agents(siteID)).Result()
	if err != nil {
		return nil, redisError("agents", err)
	}
	slices.Sort(ids)
	return r.agents(ctx, siteID, ids)
}

// agents reads the agents with the given IDs and their load in one pipeline,
// skipping unknown ones.
func (r *Redis) agents(ctx context.Context, siteID string, ids []string) ([]Agent, error) {
	if len(ids) == 0 {
		return []Agent{}, nil
	}
	pipe := r.client.Pipeline()
	hashes := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		hashes[i] = pipe.HGetAll(ctx, r.keys.agent(siteID, id))
	}
	loads := pipe.HMGet(ctx, r.keys.load(siteID), ids...)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, redisError("agents", err)
	}
	t := time.Now()
	out := make([]Agent, 0, len(ids))
	lv := loads.Val()
	for i, h := range hashes {
		var load string
		if i < len(lv) {
			load = replyString(lv[i])
		}
		if a, ok := decodeAgent(h.Val(), load, t, r.cfg.PresenceExpiry); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// CacheGet returns a value stored by CacheSet.
func (r *Redis) CacheGet(ctx context.Context, key string) (string, error) {
	v, err := r.client.Get(ctx, r.keys.cache(key)).Result()
	if err != nil {
		return "", redisError("cache get", err)
	}
	return v, nil
}

// CacheSet stores value under key for ttl (forever when ttl <= 0).
func (r *Redis) CacheSet(ctx context.Context, key, value string, ttl time.Duration) error {
	if ttl < 0 {
		ttl = 0
	}
	return redisError("cache set", r.client.Set(ctx, r.keys.cache(key), value, ttl).Err())
}

// Ping reports whether Redis can be reached.
func (r *Redis) Ping(ctx context.Context) error {
	return redisError("ping", r.client.Ping(ctx).Err())
}
