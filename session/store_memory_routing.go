package session

import (
	"context"
	"fmt"
	"slices"
)

// Queue implements Store.
func (s *Memory) Queue(ctx context.Context, siteID string) ([]Conversation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	site, ok := s.sites[siteID]
	if !ok {
		return []Conversation{}, nil
	}
	out := make([]Conversation, len(site.queue))
	for i, mc := range site.queue {
		out[i] = mc.c
	}
	return out, nil
}

// Assign implements Store.
func (s *Memory) Assign(ctx context.Context, conversationID, agentID string, maxActive int) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	if agentID == "" {
		return Conversation{}, fmt.Errorf("session: assign conversation %q to no agent: %w", conversationID, ErrNotFound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.live(conversationID)
	if !ok {
		return Conversation{}, fmt.Errorf("session: assign conversation %q: %w", conversationID, ErrNotFound)
	}
	if mc.c.State != StateQueued && mc.c.State != StateBot {
		return Conversation{}, fmt.Errorf("session: assign conversation %q in state %q: %w", conversationID, mc.c.State, ErrConflict)
	}
	ag := s.agent(mc.c.SiteID, agentID)
	if maxActive > 0 && ag.active >= maxActive {
		return Conversation{}, fmt.Errorf("session: assign conversation %q to agent %q: %w", conversationID, agentID, ErrCapacity)
	}
	now := s.now()
	s.dequeue(mc)
	mc.c.State = StateActive
	mc.c.AgentID = agentID
	mc.c.BotID = ""
	ag.take(now)
	s.event(mc, now, EventAssigned, agentID, "")
	return mc.c, nil
}

// Transfer implements Store.
func (s *Memory) Transfer(ctx context.Context, conversationID, fromAgentID, toAgentID string, maxActive int) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.live(conversationID)
	if !ok {
		return Conversation{}, fmt.Errorf("session: transfer conversation %q: %w", conversationID, ErrNotFound)
	}
	if mc.c.State != StateActive || mc.c.AgentID != fromAgentID {
		return Conversation{}, fmt.Errorf("session: transfer conversation %q from agent %q: %w", conversationID, fromAgentID, ErrConflict)
	}
	if toAgentID == "" || toAgentID == fromAgentID {
		return Conversation{}, fmt.Errorf("session: transfer conversation %q to agent %q: %w", conversationID, toAgentID, ErrConflict)
	}
	to := s.agent(mc.c.SiteID, toAgentID)
	if maxActive > 0 && to.active >= maxActive {
		return Conversation{}, fmt.Errorf("session: transfer conversation %q to agent %q: %w", conversationID, toAgentID, ErrCapacity)
	}
	now := s.now()
	s.agent(mc.c.SiteID, fromAgentID).release()
	to.take(now)
	mc.c.AgentID = toAgentID
	s.event(mc, now, EventTransferred, toAgentID, fromAgentID)
	return mc.c, nil
}

// Requeue implements Store.
func (s *Memory) Requeue(ctx context.Context, conversationID string, front bool, reason string) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.live(conversationID)
	if !ok {
		return Conversation{}, fmt.Errorf("session: requeue conversation %q: %w", conversationID, ErrNotFound)
	}
	if mc.c.State != StateActive && mc.c.State != StateBot {
		return Conversation{}, fmt.Errorf("session: requeue conversation %q in state %q: %w", conversationID, mc.c.State, ErrConflict)
	}
	now := s.now()
	s.releaseAgent(mc)
	mc.c.State = StateQueued
	mc.c.BotID = ""
	mc.c.QueuedAt = now
	site := s.site(mc.c.SiteID)
	if front {
		site.queue = slices.Insert(site.queue, 0, mc)
	} else {
		site.queue = append(site.queue, mc)
	}
	s.event(mc, now, EventRequeued, "", reason)
	return mc.c, nil
}

// Close implements Store.
func (s *Memory) Close(ctx context.Context, conversationID, by string) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	mc, ok := s.live(conversationID)
	if !ok {
		return Conversation{}, fmt.Errorf("session: close conversation %q: %w", conversationID, ErrNotFound)
	}
	if mc.c.State == StateClosed {
		return Conversation{}, fmt.Errorf("session: close conversation %q: %w", conversationID, ErrConflict)
	}
	s.releaseAgent(mc)
	s.dequeue(mc)
	vk := visitorKey{mc.c.SiteID, mc.c.VisitorID}
	if s.visitors[vk] == mc {
		delete(s.visitors, vk)
	}
	mc.c.State = StateClosed
	mc.c.BotID = ""
	s.event(mc, now, EventClosed, by, "")
	s.closed = append(s.closed, memExpiry{mc, now.Add(s.limits.Retention)})
	return mc.c, nil
}

// dequeue removes mc from its site's queue if it is there. The caller holds
// s.mu.
func (s *Memory) dequeue(mc *memConv) {
	if mc.c.State != StateQueued {
		return
	}
	site := s.site(mc.c.SiteID)
	if i := slices.Index(site.queue, mc); i >= 0 {
		site.queue = slices.Delete(site.queue, i, i+1)
	}
}

// releaseAgent ends the assignment of an active conversation, if any. The
// caller holds s.mu.
func (s *Memory) releaseAgent(mc *memConv) {
	if mc.c.State == StateActive && mc.c.AgentID != "" {
		s.agent(mc.c.SiteID, mc.c.AgentID).release()
	}
	mc.c.AgentID = ""
}
