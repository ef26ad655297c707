package gateway

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/session"
)

// outbound is one item of a connection's send queue.
type outbound struct {
	data []byte // an encoded frame, or nil for a pure catch-up marker
	conv string
	// seq > 0 makes the item part of conv's ordered stream: the writer sends
	// it only after every earlier seq, fetching any gap from the store, and
	// drops it when the client already has it. A marker (data nil) asks the
	// writer to catch up to seq from the store.
	seq int64
	// start sets the seq the client already holds for conv, before a replay.
	start bool
	// ready, on a start item, is closed once the connection's subscription
	// to conv is live: only then is the replay read, so that every message
	// is either in it or comes live.
	ready <-chan struct{}
	// ack marks the sender's ack of seq, which stands for the message frame
	// and is written even when the client already has the message.
	ack bool
	// gap asks the writer to read from the store what its held frames of
	// conv still miss.
	gap bool
}

// gapWait is how long a live frame past a gap waits for the frames it
// misses, which are usually a moment behind it through the broker (the two
// directions of a conversation cross), before they are read from the store.
const gapWait = 100 * time.Millisecond

// enqueue adds o to the send queue and starts a writer if none runs. A
// client whose queue is full is too slow: it is closed with 1008 and will
// resume from history, so nothing is lost.
func (c *conn) enqueue(o outbound) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.srv.cfg.SendQueue {
		c.closing = true
		c.mu.Unlock()
		c.srv.metrics.slow.Inc()
		c.end(websocket.StatusPolicyViolation, errSlow, false)
		return
	}
	c.queue = append(c.queue, o)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// writeLoop drains the queue and exits when it is empty. It swaps the
// queue with a spare slice so that enqueue never touches the batch being
// written.
func (c *conn) writeLoop() {
	var batch, spare []outbound
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.writing = false
			if c.closing {
				close(c.done)
			}
			c.mu.Unlock()
			return
		}
		batch, c.queue = c.queue, spare
		c.mu.Unlock()
		if err := c.writeBatch(batch); err != nil {
			c.cancel(err)
			c.mu.Lock()
			c.closing = true
			c.queue = nil
			c.mu.Unlock()
		}
		clear(batch)
		spare = batch[:0]
	}
}

// writeBatch sends a batch of items, corked when it may write several
// frames: they leave together. It first waits, uncorked, for the
// subscriptions its replays need, so that the control frames the WebSocket
// library writes meanwhile are not held.
func (c *conn) writeBatch(batch []outbound) error {
	for i := range batch {
		if r := batch[i].ready; r != nil {
			select {
			case <-r:
			case <-c.ctx.Done():
				return context.Cause(c.ctx)
			}
		}
	}
	if len(batch) == 1 && batch[0].data != nil && !batch[0].start && len(c.held) == 0 {
		return c.writeItems(batch)
	}
	c.raw.cork()
	err := c.writeItems(batch)
	if uerr := c.raw.uncork(); err == nil {
		err = uerr
	}
	return err
}

func (c *conn) writeItems(batch []outbound) error {
	for i := range batch {
		if err := c.write(&batch[i]); err != nil {
			return err
		}
	}
	return nil
}

// write sends one item, keeping each conversation's stream in seq order
// with no gap and no duplicate.
func (c *conn) write(o *outbound) error {
	if o.conv == "" || o.seq == 0 && !o.start && !o.gap && o.data != nil {
		return c.writeRaw(o.data)
	}
	if c.lastSeq == nil {
		c.lastSeq = map[string]int64{}
	}
	var err error
	switch {
	case o.start:
		c.lastSeq[o.conv] = o.seq
		err = c.catchUp(o.conv, math.MaxInt64)
	case o.gap:
		if h := c.held[o.conv]; len(h) > 0 {
			err = c.catchUp(o.conv, h[0].seq)
		}
	case o.data == nil: // a marker: catch up to and including seq
		if o.seq == 0 {
			return nil
		}
		upTo := o.seq
		if upTo != math.MaxInt64 {
			upTo++
		}
		err = c.catchUp(o.conv, upTo)
	case o.seq > c.lastSeq[o.conv]+1:
		return c.hold(*o)
	default:
		err = c.writeLive(o)
	}
	if err != nil {
		return err
	}
	return c.release(o.conv)
}

// writeLive writes a live frame that is next in its conversation, or the
// ack of a message the client has.
func (c *conn) writeLive(o *outbound) error {
	if o.seq <= c.lastSeq[o.conv] {
		if o.ack {
			return c.writeRaw(o.data)
		}
		return nil // the client has it
	}
	c.lastSeq[o.conv] = o.seq
	return c.writeRaw(o.data)
}

// hold keeps a live frame that is past a gap, in seq order, until the
// frames it misses arrive or gapWait passes. More held frames than a send
// queue are a sign that the missing ones are not coming: then they are
// read at once.
func (c *conn) hold(o outbound) error {
	if c.held == nil {
		c.held = map[string][]outbound{}
	}
	h := c.held[o.conv]
	if len(h) == 0 {
		conv := o.conv
		time.AfterFunc(gapWait, func() { c.enqueue(outbound{conv: conv, gap: true}) })
	}
	i, _ := slices.BinarySearchFunc(h, o.seq, func(e outbound, seq int64) int { return cmp.Compare(e.seq, seq+1) })
	h = slices.Insert(h, i, o)
	c.held[o.conv] = h
	if len(h) <= c.srv.cfg.SendQueue {
		return nil
	}
	if err := c.catchUp(o.conv, h[len(h)-1].seq); err != nil {
		return err
	}
	return c.release(o.conv)
}

// release writes the held frames of conv that are no longer past a gap.
func (c *conn) release(conv string) error {
	h := c.held[conv]
	i := 0
	for ; i < len(h) && h[i].seq <= c.lastSeq[conv]+1; i++ {
		if err := c.writeLive(&h[i]); err != nil {
			return err
		}
	}
	if i == len(h) {
		delete(c.held, conv)
	} else if i > 0 {
		c.held[conv] = slices.Delete(h, 0, i)
	}
	return nil
}

// catchUp sends conv's stored messages after the last one sent, up to seq
// (excluded when seq is not MaxInt64 and a live frame for it is in hand).
func (c *conn) catchUp(conv string, upTo int64) error {
	const page = 256
	for range 10000 { // bounded: 2.5 million messages
		last := c.lastSeq[conv]
		if last >= upTo-1 && upTo != math.MaxInt64 {
			return nil
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.WriteTimeout)
		msgs, err := c.srv.store.History(ctx, conv, last, page)
		cancel()
		if err != nil {
			return err
		}
		for i := range msgs {
			m := &msgs[i]
			if m.Seq >= upTo && upTo != math.MaxInt64 {
				return nil
			}
			c.site.nameSender(m)
			data, err := messageFrame(m)
			if err != nil {
				return err
			}
			if err := c.writeRaw(data); err != nil {
				return err
			}
			c.lastSeq[conv] = m.Seq
		}
		if len(msgs) < page {
			return nil
		}
	}
	return nil
}

func (c *conn) writeRaw(data []byte) error {
	c.srv.metrics.framesOut.Inc()
	// The connection's write deadline bounds the write, and the reader
	// closes it when c.ctx ends: no context with a timer is needed per
	// frame.
	return c.ws.Write(context.Background(), websocket.MessageText, data)
}

// follow subscribes the connection to conv's stream and replays what the
// client misses after seq, unless it follows conv already. The replay is
// queued before the subscription, so that live frames queue after it and
// are checked against it, but read only once the subscription is live, so
// that no message can slip between the two. (When another connection of
// the node follows conv already, the subscription is live at once and the
// replay costs one read of the store.)
func (c *conn) follow(conv string, seq int64) error {
	if c.following(conv) {
		return nil
	}
	ready := make(chan struct{})
	c.enqueue(outbound{conv: conv, seq: seq, start: true, ready: ready})
	// The writer waits for the subscription: bound the wait.
	ctx, stop := c.storeCtx()
	cancel, err := c.srv.broker.Subscribe(ctx, session.ConversationTopic(conv), func(p []byte) { c.onEvent(conv, p) })
	stop()
	close(ready) // on failure the replay still goes, and the client is told to reconnect
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.subs == nil {
		c.subs = map[string]func(){}
	}
	old, dup := c.subs[conv]
	c.subs[conv] = cancel
	closing := c.closing
	c.mu.Unlock()
	if dup {
		old()
	}
	if closing {
		c.unfollow(conv)
	}
	return nil
}

// unfollow ends the subscription to conv, after the frames already queued.
func (c *conn) unfollow(conv string) {
	c.mu.Lock()
	cancel := c.subs[conv]
	delete(c.subs, conv)
	delete(c.known, conv)
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// following reports whether the connection follows conv.
func (c *conn) following(conv string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.subs[conv]
	return ok
}
