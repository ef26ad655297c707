package main

import (
	"context"

	"fmt"
	"github.com/coder/websocket"
	"strconv"
	"sync"
	"time"
)

const (
	roleCustomer = "customer"
	roleAgent    = "agent"
)

// peer is one side of a benchmark pair.
type peer struct {
	role    string
	dir     byte // direction of the messages it sends
	idx     int  // 1-based: agent bench-agent-<idx>, or customer number
	c       *client
	conv    string // the pair's conversation; set before sending starts
	partner *peer
	payload *payload // owned by the one sender goroutine of this peer
	token   string   // customer: visitor token from welcome
}

// peerSet keeps every connection a subcommand opened, to close them all at
// the end.
type peerSet struct {
	mu    sync.Mutex
	peers []*peer
}

func (s *peerSet) Add(p *peer) {
	s.mu.Lock()
	s.peers = append(s.peers, p)
	s.mu.Unlock()
}

// Ended counts the connections that have already ended (the gateway closed
// them, or the network failed), by WebSocket close status; -1 counts those
// that ended without a close frame.
func (s *peerSet) Ended() map[websocket.StatusCode]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[websocket.StatusCode]int{}
	for _, p := range s.peers {
		select {
		case <-p.c.done:
			out[websocket.CloseStatus(p.c.err)]++
		default:
		}
	}
	return out
}

// CloseAll closes every connection, limit at a time, with a normal
// closure; after 15 s it stops waiting for close handshakes and drops the
// rest at once, so that a stuck gateway cannot hold the generator.
func (s *peerSet) CloseAll(limit int) {
	s.mu.Lock()
	peers := s.peers
	s.peers = nil
	s.mu.Unlock()
	deadline := time.Now().Add(15 * time.Second)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for _, p := range peers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if time.Now().Before(deadline) {
				p.c.CloseNormal()
			} else {
				p.c.Close()
			}
		})
	}
	wg.Wait()
}

// DropAll closes every connection at once, without a closing handshake,
// and keeps them listed for CloseAll.
func (s *peerSet) DropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		p.c.ws.CloseNow()
	}
}

// agentHello signs in as benchmark agent i.
func agentHello(site string, i int) clientFrame {
	return clientFrame{Type: "hello", Role: roleAgent, Site: site, Agent: agentID(i), Secret: agentSecret(i)}
}

// customerHello greets as a new English-speaking visitor.
func customerHello(site string, i int) clientFrame {
	return clientFrame{Type: "hello", Role: roleCustomer, Site: site, Name: "Bench Customer " + strconv.Itoa(i), Languages: []string{"en"}}
}

// signInAgent greets as agent i, closes conversations an earlier run left
// open (they would hold the agent's capacity), goes online with the given
// capacity and waits until the gateway has taken all of that in.
func signInAgent(ctx context.Context, p *peer, site string, capacity int) error {
	w, err := p.c.Request(ctx, agentHello(site, p.idx), "welcome", "")
	if err != nil {
		return fmt.Errorf("agent %s hello: %w", agentID(p.idx), err)
	}
	for j, conv := range w.Conversations {
		if conv.State == "closed" {
			continue
		}
		id := "cleanup-" + strconv.Itoa(j)
		_, _ = p.c.Request(ctx, clientFrame{Type: "close", ID: id, Conv: conv.ID}, "ack", id)
	}
	if err := p.c.Send(ctx, clientFrame{Type: "presence", Status: "online", Capacity: capacity}); err != nil {
		return fmt.Errorf("agent %s presence: %w", agentID(p.idx), err)
	}
	if _, err := p.c.Request(ctx, clientFrame{Type: "ping", ID: "ready"}, "pong", "ready"); err != nil {
		return fmt.Errorf("agent %s ping: %w", agentID(p.idx), err)
	}
	return nil
}

// greetCustomer says hello as a new visitor and keeps its token.
func greetCustomer(ctx context.Context, p *peer, site string) error {
	w, err := p.c.Request(ctx, customerHello(site, p.idx), "welcome", "")
	if err != nil {
		return fmt.Errorf("customer %d hello: %w", p.idx, err)
	}
	p.token = w.Token
	return nil
}

// openConversation sends the customer's first message and returns the
// conversation it started.
func openConversation(ctx context.Context, p *peer) (string, error) {
	ack, err := p.c.Request(ctx, clientFrame{Type: "message", ID: "first", Text: "Hello, I need help with my order."}, "ack", "first")
	if err != nil {
		return "", fmt.Errorf("customer %d first message: %w", p.idx, err)
	}
	if ack.Conv == "" {
		return "", fmt.Errorf("customer %d first message: ack names no conversation", p.idx)
	}
	return ack.Conv, nil
}
