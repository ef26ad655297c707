package session

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Memory is the default Store: it keeps everything in this process's memory,
// behind one lock. It is fast and needs no setup, but its state is lost when
// the process exits and it cannot be shared, so move to the Redis Store when
// conversations must survive a restart or several gateway nodes serve one
// deployment.
//
// Memory applies its Limits as the Redis store does: a history keeps the
// newest MaxLen messages (up to an eighth more between trims), a client
// message ID is forgotten IdempotencyTTL after it was stored, and a closed
// conversation is gone, with its history, Retention after its last message
// or event, so that a process running for weeks does not grow without end.
// The calls that write do this work a little at a time; there is no
// goroutine to stop.
type Memory struct {
	limits Limits
	// now reads the clock; tests step it by hand.
	now func() time.Time
	// epoch is when the store was made: memSent times count from it, on
	// the monotonic clock.
	epoch time.Time

	mu       sync.RWMutex             // guards the fields below
	convs    map[string]*memConv      // by conversation ID
	visitors map[visitorKey]*memConv  // the open conversation of each visitor
	sites    map[string]*memSite      // by site ID
	agents   map[agentKey]*memAgent   // profiles and active counts
	cache    map[string]memCacheEntry // by key
	// cacheSweepAt is the cache size at which CacheSet next drops expired
	// entries, so that keys never read again do not pile up.
	cacheSweepAt int
	// closed lists closed conversations for expire, roughly in the order
	// they expire.
	closed []memExpiry
	// outbox holds webhook deliveries (see outbox_memory.go).
	outbox memOutbox
}

var _ Store = (*Memory)(nil)

// memConv is one conversation with its history and idempotency index.
type memConv struct {
	c Conversation
	// msgs holds the newest messages, oldest first, with no gap:
	// msgs[i].Seq == c.LastSeq-len(msgs)+1+i.
	msgs []Message
	// sent holds the seq of each message stored with a ClientID.
	sent map[clientKey]memSent
	// sentSweepAt is the size of sent at which append drops expired
	// entries.
	sentSweepAt int
	// gone means the conversation expired and was dropped from the store.
	gone bool
}

// memSite lists a site's conversations, queue and agents.
type memSite struct {
	convs  []*memConv  // in creation order, oldest first
	queue  []*memConv  // first in line first
	agents []*memAgent // in order of first sight
	gone   int         // dropped conversations still in convs
}

type visitorKey struct{ site, visitor string }

type clientKey struct{ sender, client string }

// MemoryConfig configures a Memory store. The zero value is ready to use.
type MemoryConfig struct {
	// Limits bound histories, closed conversations and client message IDs,
	// as they do for the Redis store.
	Limits
}

func (c MemoryConfig) withDefaults() MemoryConfig {
	c.Limits = c.Limits.withDefaults()
	return c
}

// NewMemory returns an empty in-memory Store.
func NewMemory(cfg MemoryConfig) *Memory {
	cfg = cfg.withDefaults()
	return &Memory{
		limits:       cfg.Limits,
		now:          time.Now,
		epoch:        time.Now(),
		convs:        make(map[string]*memConv),
		visitors:     make(map[visitorKey]*memConv),
		sites:        make(map[string]*memSite),
		agents:       make(map[agentKey]*memAgent),
		cache:        make(map[string]memCacheEntry),
		cacheSweepAt: cacheSweepMin,
	}
}

// OpenConversation implements Store. A zero State means StateQueued.
func (s *Memory) OpenConversation(ctx context.Context, c Conversation) (Conversation, bool, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, false, err
	}
	switch c.State {
	case "":
		c.State = StateQueued
	case StateQueued, StateBot:
	default:
		return Conversation{}, false, fmt.Errorf("session: open conversation in state %q: %w", c.State, ErrConflict)
	}
	vk := visitorKey{c.SiteID, c.VisitorID}

	s.mu.Lock()
	defer s.mu.Unlock()
	if mc, ok := s.visitors[vk]; ok {
		return mc.c, false, nil
	}
	now := s.now()
	s.expire(now)
	c.ID = NewID()
	c.AgentID = ""
	if c.State != StateBot {
		c.BotID = ""
	}
	c.LastSeq = 0
	c.CreatedAt, c.UpdatedAt = now, now
	c.QueuedAt = time.Time{}
	mc := &memConv{c: c}
	site := s.site(c.SiteID)
	site.convs = append(site.convs, mc)
	s.convs[c.ID] = mc
	s.visitors[vk] = mc
	if c.State == StateQueued {
		mc.c.QueuedAt = now
		site.queue = append(site.queue, mc)
		s.event(mc, now, EventQueued, "", "")
	}
	return mc.c, true, nil
}

// Conversation implements Store.
func (s *Memory) Conversation(ctx context.Context, id string) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mc, ok := s.live(id)
	if !ok {
		return Conversation{}, fmt.Errorf("session: conversation %q: %w", id, ErrNotFound)
	}
	return mc.c, nil
}

// VisitorConversation implements Store.
func (s *Memory) VisitorConversation(ctx context.Context, siteID, visitorID string) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mc, ok := s.visitors[visitorKey{siteID, visitorID}]
	if !ok {
		return Conversation{}, fmt.Errorf("session: open conversation of visitor %q: %w", visitorID, ErrNotFound)
	}
	return mc.c, nil
}

// Conversations implements Store.
func (s *Memory) Conversations(ctx context.Context, siteID string, f Filter, limit int) ([]Conversation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	site, ok := s.sites[siteID]
	if !ok {
		return []Conversation{}, nil
	}
	out := []Conversation{}
	now := s.now()
	for i := len(site.convs) - 1; i >= 0; i-- {
		if limit > 0 && len(out) >= limit {
			break
		}
		mc := site.convs[i]
		if mc.gone || s.expired(mc, now) {
			continue
		}
		c := mc.c
		if (f.State == "" || c.State == f.State) && (f.AgentID == "" || c.AgentID == f.AgentID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Append implements Store.
func (s *Memory) Append(ctx context.Context, m Message) (Message, bool, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.live(m.ConversationID)
	if !ok {
		return Message{}, false, fmt.Errorf("session: append to conversation %q: %w", m.ConversationID, ErrNotFound)
	}
	now := s.now()
	if m.ClientID != "" {
		if seq, ok := s.sentSeq(mc, clientKey{m.SenderID, m.ClientID}, now); ok {
			if stored, ok := mc.message(seq); ok {
				return cloneMessage(*stored), true, nil
			}
			// The original was trimmed from the history, as on Redis:
			// report what is known.
			m.Seq = seq
			return m, true, nil
		}
	}
	if m.Kind != KindEvent && mc.c.State == StateClosed {
		return Message{}, false, fmt.Errorf("session: append to conversation %q: %w", m.ConversationID, ErrClosed)
	}
	if m.Kind != KindEvent && !mayWrite(mc.c, m) {
		return Message{}, false, fmt.Errorf("session: %s %q appends to conversation %q: %w", m.Role, m.SenderID, m.ConversationID, ErrForbidden)
	}
	m.Translations = maps.Clone(m.Translations)
	s.append(mc, now, &m)
	return cloneMessage(m), false, nil
}

// History implements Store.
func (s *Memory) History(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mc, ok := s.live(conversationID)
	if !ok {
		return nil, fmt.Errorf("session: history of conversation %q: %w", conversationID, ErrNotFound)
	}
	before := mc.c.LastSeq - int64(len(mc.msgs)) // the seq before the oldest kept
	afterSeq = max(afterSeq, before)
	if afterSeq >= mc.c.LastSeq {
		return []Message{}, nil
	}
	msgs := mc.msgs[afterSeq-before:]
	if limit > 0 && limit < len(msgs) {
		msgs = msgs[:limit]
	}
	out := make([]Message, len(msgs))
	for i := range msgs {
		out[i] = cloneMessage(msgs[i])
	}
	return out, nil
}

// SetTranslation implements Store.
func (s *Memory) SetTranslation(ctx context.Context, conversationID string, seq int64, lang, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.live(conversationID)
	if !ok {
		return fmt.Errorf("session: translate in conversation %q: %w", conversationID, ErrNotFound)
	}
	m, ok := mc.message(seq)
	if !ok {
		return fmt.Errorf("session: translate message %d of conversation %q: %w", seq, conversationID, ErrNotFound)
	}
	if m.Translations == nil {
		m.Translations = make(map[string]string, 1)
	}
	m.Translations[lang] = text
	return nil
}

// Ping implements Store; memory is always reachable.
func (s *Memory) Ping(ctx context.Context) error { return nil }

// site returns the site's record, creating it. The caller holds s.mu.
func (s *Memory) site(id string) *memSite {
	site, ok := s.sites[id]
	if !ok {
		site = &memSite{}
		s.sites[id] = site
	}
	return site
}

// append fills in m's Seq and At and stores it as the conversation's next
// message; m keeps sharing its Translations map with the stored one. The
// caller holds s.mu.
func (s *Memory) append(mc *memConv, now time.Time, m *Message) {
	m.Seq = mc.c.LastSeq + 1
	m.At = now
	mc.msgs = append(mc.msgs, *m)
	if int64(len(mc.msgs))-s.limits.MaxLen > histSlack(s.limits.MaxLen) {
		s.trim(mc)
	}
	if m.ClientID != "" {
		s.remember(mc, clientKey{m.SenderID, m.ClientID}, m.Seq, now)
	}
	mc.c.LastSeq = m.Seq
	mc.c.UpdatedAt = now
}

// event appends a lifecycle event recorded by the store itself. The caller
// holds s.mu.
func (s *Memory) event(mc *memConv, now time.Time, event, senderID, text string) {
	s.append(mc, now, &Message{
		ConversationID: mc.c.ID,
		Kind:           KindEvent,
		Event:          event,
		Role:           RoleSystem,
		SenderID:       senderID,
		Text:           text,
	})
}

// cloneMessage returns a copy of m that shares no map with it.
func cloneMessage(m Message) Message {
	m.Translations = maps.Clone(m.Translations)
	return m
}
