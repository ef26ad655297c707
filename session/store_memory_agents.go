package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// memAgent is an agent's profile together with the store-kept Active count.
// A record may exist only to count assignments to an agent whose profile was
// never set; such an agent is not reported by Agent or Agents.
type memAgent struct {
	a      Agent
	known  bool // SetAgent has been called
	active int
}

type agentKey struct{ site, agent string }

// take counts one more conversation assigned to the agent.
func (ag *memAgent) take(now time.Time) {
	ag.active++
	ag.a.IdleSince = now
}

// release counts one conversation fewer.
func (ag *memAgent) release() {
	if ag.active > 0 {
		ag.active--
	}
}

// view returns a copy of the agent's profile with Active filled in.
func (ag *memAgent) view() Agent {
	a := ag.a
	a.Languages = slices.Clone(a.Languages)
	a.Active = ag.active
	return a
}

// agent returns the site's agent record, creating it. The caller holds s.mu.
func (s *Memory) agent(siteID, agentID string) *memAgent {
	k := agentKey{siteID, agentID}
	ag, ok := s.agents[k]
	if !ok {
		ag = &memAgent{a: Agent{ID: agentID, SiteID: siteID}}
		s.agents[k] = ag
		s.site(siteID).agents = append(s.site(siteID).agents, ag)
	}
	return ag
}

// SetAgent implements Store. An agent that is new or was not online gets
// IdleSince set when it comes online.
func (s *Memory) SetAgent(ctx context.Context, a Agent) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if a.ID == "" {
		return errors.New("session: set agent without an ID")
	}
	a.Languages = slices.Clone(a.Languages)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ag := s.agent(a.SiteID, a.ID)
	prev := ag.a
	a.LastSeen = prev.LastSeen
	a.IdleSince = prev.IdleSince
	if a.Status != StatusOffline {
		a.LastSeen = now
	}
	if a.Status == StatusOnline && (!ag.known || prev.Status != StatusOnline) {
		a.IdleSince = now
	}
	a.Active = 0
	ag.a = a
	ag.known = true
	return nil
}

// Heartbeat implements Store.
func (s *Memory) Heartbeat(ctx context.Context, siteID, agentID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ag, ok := s.agents[agentKey{siteID, agentID}]
	if !ok || !ag.known {
		return fmt.Errorf("session: heartbeat of agent %q: %w", agentID, ErrNotFound)
	}
	ag.a.LastSeen = s.now()
	return nil
}

// Agent implements Store.
func (s *Memory) Agent(ctx context.Context, siteID, agentID string) (Agent, error) {
	if err := ctx.Err(); err != nil {
		return Agent{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ag, ok := s.agents[agentKey{siteID, agentID}]
	if !ok || !ag.known {
		return Agent{}, fmt.Errorf("session: agent %q: %w", agentID, ErrNotFound)
	}
	return ag.view(), nil
}

// Agents implements Store; they come sorted by ID.
func (s *Memory) Agents(ctx context.Context, siteID string) ([]Agent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Agent{}
	if site, ok := s.sites[siteID]; ok {
		for _, ag := range site.agents {
			if ag.known {
				out = append(out, ag.view())
			}
		}
	}
	slices.SortFunc(out, func(a, b Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
