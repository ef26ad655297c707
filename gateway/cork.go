package gateway

import (
	"net"
	"sync"
	"time"
)

// corkLimit is how many bytes a corked connection holds before it writes
// them anyway.
const corkLimit = 64 << 10

// corkedConn is an upgraded connection whose writes can be held and sent
// together, each within a write timeout.
//
// A connection's writer corks it while it drains a batch of frames (a
// replay, or frames that queued while the client was slow to read), so
// that they leave in one system call instead of one each: on this path the
// write system calls cost more than everything else.
//
// Every write, including the control frames the WebSocket library writes
// on its own, must finish within timeout. Instead of a context with a
// timer per frame, the connection keeps a write deadline and moves it only
// when less than half of timeout is left: a write may then fail after
// between timeout/2 and timeout, and a busy connection sets its deadline
// a few times per timeout instead of once per frame.
type corkedConn struct {
	net.Conn
	timeout time.Duration // 0 for no deadline

	mu       sync.Mutex // held across writes, so that bytes never interleave
	deadline time.Time  // the write deadline set on Conn
	corked   bool
	held     []byte
}

// Write writes p, or holds it while the connection is corked.
func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.write(p)
	}
	c.held = append(c.held, p...)
	if len(c.held) >= corkLimit {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// cork holds writes until uncork.
func (c *corkedConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was held and lets writes through again.
func (c *corkedConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flush()
}

// flush writes the held bytes. The caller holds mu.
func (c *corkedConn) flush() error {
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.write(c.held)
	if cap(c.held) > 2*writeBufferSize {
		c.held = nil // an idle connection keeps no large buffer
	} else {
		c.held = c.held[:0]
	}
	return err
}

// write writes p to Conn within the timeout. The caller holds mu.
func (c *corkedConn) write(p []byte) (int, error) {
	if c.timeout > 0 {
		now := time.Now()
		if c.deadline.Sub(now) < c.timeout/2 {
			c.deadline = now.Add(c.timeout)
			if err := c.Conn.SetWriteDeadline(c.deadline); err != nil {
				return 0, err
			}
		}
	}
	return c.Conn.Write(p)
}
