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
// deployment. Closed conversations and their histories are kept for the
// lifetime of the process.
type Memory struct {
	mu       sync.RWMutex
	convs    map[string]*memConv      // by conversation ID
	visitors map[visitorKey]*memConv  // the open conversation of each visitor
	sites    map[string]*memSite      // by site ID
	agents   map[agentKey]*memAgent   // profiles and active counts
	cache    map[string]memCacheEntry // by key
	// cacheSweepAt is the cache size at which CacheSet next drops expired
	// entries, so that keys never read again do not pile up.
	cacheSweepAt int
	// outbox holds webhook deliveries (see outbox_memory.go).
	outbox memOutbox
}

var _ Store = (*Memory)(nil)

// memConv is one conversation with its history and idempotency index.
type memConv struct {
	c    Conversation
	msgs []Message           // msgs[i].Seq == i+1
	sent map[clientKey]int64 // seq of each message stored with a ClientID
}

// memSite lists a site's conversations, queue and agents.
type memSite struct {
	convs  []*memConv  // in creation order, oldest first
	queue  []*memConv  // first in line first
	agents []*memAgent // in order of first sight
}

type visitorKey struct{ site, visitor string }

type clientKey struct{ sender, client string }

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{
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
	now := time.Now()
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
		mc.event(now, EventQueued, "", "")
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
	mc, ok := s.convs[id]
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
	for i := len(site.convs) - 1; i >= 0; i-- {
		if limit > 0 && len(out) >= limit {
			break
		}
		c := site.convs[i].c
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
	mc, ok := s.convs[m.ConversationID]
	if !ok {
		return Message{}, false, fmt.Errorf("session: append to conversation %q: %w", m.ConversationID, ErrNotFound)
	}
	if m.ClientID != "" {
		if seq, ok := mc.sent[clientKey{m.SenderID, m.ClientID}]; ok {
			return cloneMessage(mc.msgs[seq-1]), true, nil
		}
	}
	if m.Kind != KindEvent && mc.c.State == StateClosed {
		return Message{}, false, fmt.Errorf("session: append to conversation %q: %w", m.ConversationID, ErrClosed)
	}
	if m.Kind != KindEvent && !mayWrite(mc.c, m) {
		return Message{}, false, fmt.Errorf("session: %s %q appends to conversation %q: %w", m.Role, m.SenderID, m.ConversationID, ErrForbidden)
	}
	m.Translations = maps.Clone(m.Translations)
	stored := mc.append(time.Now(), m)
	return cloneMessage(stored), false, nil
}

// History implements Store.
func (s *Memory) History(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mc, ok := s.convs[conversationID]
	if !ok {
		return nil, fmt.Errorf("session: history of conversation %q: %w", conversationID, ErrNotFound)
	}
	afterSeq = max(afterSeq, 0)
	if afterSeq >= int64(len(mc.msgs)) {
		return []Message{}, nil
	}
	msgs := mc.msgs[afterSeq:]
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
	mc, ok := s.convs[conversationID]
	if !ok {
		return fmt.Errorf("session: translate in conversation %q: %w", conversationID, ErrNotFound)
	}
	if seq < 1 || seq > int64(len(mc.msgs)) {
		return fmt.Errorf("session: translate message %d of conversation %q: %w", seq, conversationID, ErrNotFound)
	}
	m := &mc.msgs[seq-1]
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

// append stores m as the conversation's next message and returns it; the
// returned message shares its Translations map with the stored one.
func (mc *memConv) append(now time.Time, m Message) Message {
	m.Seq = int64(len(mc.msgs)) + 1
	m.At = now
	mc.msgs = append(mc.msgs, m)
	if m.ClientID != "" {
		if mc.sent == nil {
			mc.sent = make(map[clientKey]int64)
		}
		mc.sent[clientKey{m.SenderID, m.ClientID}] = m.Seq
	}
	mc.c.LastSeq = m.Seq
	mc.c.UpdatedAt = now
	return m
}

// event appends a lifecycle event recorded by the store itself.
func (mc *memConv) event(now time.Time, event, senderID, text string) {
	mc.append(now, Message{
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
