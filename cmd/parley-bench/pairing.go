package main

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// pairing matches customers with the agents the gateway assigns them to, by
// conversation id, whichever side learns of the conversation first.
type pairing struct {
	mu        sync.Mutex
	customers map[string]*peer // by conversation id
	agents    map[string]*peer
	want      int
	paired    int
	done      chan struct{} // closed when want pairs are matched
}

func newPairing(want int) *pairing {
	return &pairing{
		customers: make(map[string]*peer, want),
		agents:    make(map[string]*peer, want),
		want:      want,
		done:      make(chan struct{}),
	}
}

// AddCustomer records that the customer's conversation is conv.
func (p *pairing) AddCustomer(conv string, c *peer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.customers[conv]; ok {
		return
	}
	p.customers[conv] = c
	if a, ok := p.agents[conv]; ok {
		p.match(conv, c, a)
	}
}

// AddAgent records that conv was assigned to the agent.
func (p *pairing) AddAgent(conv string, a *peer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.agents[conv]; ok {
		return
	}
	p.agents[conv] = a
	if c, ok := p.customers[conv]; ok {
		p.match(conv, c, a)
	}
}

func (p *pairing) match(conv string, c, a *peer) {
	c.conv, a.conv = conv, conv
	c.partner, a.partner = a, c
	p.paired++
	if p.paired == p.want {
		close(p.done)
	}
}

// Paired returns how many pairs are matched and how many assignments went to
// conversations of no customer of this run (left over from an earlier one).
func (p *pairing) Paired() (paired, stray int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for conv := range p.agents {
		if _, ok := p.customers[conv]; !ok {
			stray++
		}
	}
	return p.paired, stray
}

// takeStrays returns the conversations assigned to agents that no customer
// of this run opened, and forgets them. Call it once every customer's
// conversation is recorded.
func (p *pairing) takeStrays() map[string]*peer {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]*peer{}
	for conv, a := range p.agents {
		if _, ok := p.customers[conv]; !ok {
			out[conv] = a
			delete(p.agents, conv)
		}
	}
	return out
}

// Wait waits until every customer is paired, closing the conversations an
// earlier, aborted run left in the queue as the gateway assigns them (they
// would hold the agents' capacity). Call it once every customer's
// conversation is recorded. It returns how many it closed.
func (p *pairing) Wait(ctx context.Context) (closed int, err error) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return closed, nil
		case <-ctx.Done():
			return closed, ctx.Err()
		case <-t.C:
			for conv, a := range p.takeStrays() {
				closed++
				_ = a.c.Send(ctx, clientFrame{Type: "close", ID: "stray-" + strconv.Itoa(closed), Conv: conv})
			}
		}
	}
}
