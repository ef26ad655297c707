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
// together. A connection's writer corks it while it drains a batch of
// frames (a replay, or frames that queued while the client was slow to
// read), so that they leave in one system call instead of one each: on
// this path the write system calls cost more than everything else.
type corkedConn struct {
	net.Conn

	mu     sync.Mutex // held across writes, so that bytes never interleave
	corked bool
	held   []byte
}

// Write writes p, or holds it while the connection is corked.
func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	c.held = append(c.held, p...)
	if len(c.held) >= corkLimit {
		if err := c.flush(0); err != nil {
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

// uncork writes what was held, within timeout, and lets writes through
// again.
func (c *corkedConn) uncork(timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flush(timeout)
}

// flush writes the held bytes, within timeout when it is not 0. The
// caller holds mu.
func (c *corkedConn) flush(timeout time.Duration) error {
	if len(c.held) == 0 {
		return nil
	}
	if timeout > 0 {
		if err := c.Conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		defer c.Conn.SetWriteDeadline(time.Time{})
	}
	_, err := c.Conn.Write(c.held)
	if cap(c.held) > 2*writeBufferSize {
		c.held = nil // an idle connection keeps no large buffer
	} else {
		c.held = c.held[:0]
	}
	return err
}
