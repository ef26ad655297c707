package session

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// MemoryBroker is the default Broker: it delivers events within this process
// only, synchronously and in publish order, and never loses one. Use the
// Redis Broker when several gateway nodes share one Redis Store.
type MemoryBroker struct {
	mu sync.RWMutex
	// topics maps a topic to its subscribers. A slice is never modified once
	// stored; Subscribe and cancel store a new one, so Publish can call
	// subscribers from a snapshot without holding the lock.
	topics map[string][]*memSub
}

var _ Broker = (*MemoryBroker)(nil)

// memSub is one subscription.
type memSub struct {
	fn        func(payload []byte)
	cancelled atomic.Bool
}

// NewMemoryBroker returns a MemoryBroker without subscribers.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{topics: make(map[string][]*memSub)}
}

// Publish implements Broker: it calls every subscriber of topic before it
// returns. Subscribers share one copy of payload, which they may keep but must
// not modify; a nil payload is delivered as an empty one, since nil is
// reserved for signalling lost events. A subscriber may publish or cancel from
// within its fn.
func (b *MemoryBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.RLock()
	subs := b.topics[topic]
	b.mu.RUnlock()
	if len(subs) == 0 {
		return nil
	}
	p := bytes.Clone(payload)
	if p == nil {
		p = []byte{}
	}
	for _, sub := range subs {
		if !sub.cancelled.Load() {
			sub.fn(p)
		}
	}
	return nil
}

// Subscribe implements Broker. The subscription is active when Subscribe
// returns. A Publish running concurrently with cancel may still deliver to fn
// once; none that starts after cancel returns does.
func (b *MemoryBroker) Subscribe(ctx context.Context, topic string, fn func(payload []byte)) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, errors.New("session: subscribe with a nil func")
	}
	sub := &memSub{fn: fn}
	b.mu.Lock()
	old := b.topics[topic]
	subs := make([]*memSub, len(old), len(old)+1)
	copy(subs, old)
	b.topics[topic] = append(subs, sub)
	b.mu.Unlock()
	return func() { b.unsubscribe(topic, sub) }, nil
}

// unsubscribe removes sub from topic; it does nothing the second time.
func (b *MemoryBroker) unsubscribe(topic string, sub *memSub) {
	if sub.cancelled.Swap(true) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.topics[topic]
	i := slices.Index(old, sub)
	if i < 0 {
		return
	}
	if len(old) == 1 {
		delete(b.topics, topic)
		return
	}
	subs := make([]*memSub, 0, len(old)-1)
	subs = append(subs, old[:i]...)
	b.topics[topic] = append(subs, old[i+1:]...)
}
