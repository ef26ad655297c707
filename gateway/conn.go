package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/parley-chat/parley/session"
)

// conn is one client's WebSocket. Its read loop runs in a goroutine of its
// own, started once the upgrade is done, and dispatches each frame to a
// handler; frames to the client go through a bounded queue drained by a
// writer goroutine that exists only while there is something to write, so
// an idle connection costs one small goroutine.
type conn struct {
	srv  *Server
	site *site
	ws   *websocket.Conn
	raw  *corkedConn // ws's connection
	role string
	// origin tells this connection's messages in the broker's events from
	// everyone else's: random, never 0.
	origin uint64

	// Set by hello, then read-only.
	id    string // visitor or agent id
	name  string
	langs []string // BCP 47, preferred first
	acct  *Account // agents and bots

	limiter    *rate.Limiter
	violations int

	ctx    context.Context // canceled when the connection ends
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	queue   []outbound
	writing bool // a writer goroutine is draining queue
	subs    map[string]func()
	closing bool // no more frames are queued
	done    chan struct{}
	noTrans map[string]bool // conversations in which an agent writes untranslated
	conv    string          // a customer's open conversation
	// known holds the last state seen of each followed conversation,
	// refreshed by its state events, so that a message needs no read of
	// it: the store checks the sender's right to write atomically.
	known map[string]session.Conversation
	lang  string // the language the sender last wrote in

	// Owned by whichever writer goroutine runs (at most one at a time).
	lastSeq map[string]int64
	held    map[string][]outbound // live frames past a gap, in seq order
}

func newConn(s *Server, st *site, ws *websocket.Conn, raw *corkedConn, role string) *conn {
	return &conn{
		srv:     s,
		site:    st,
		ws:      ws,
		raw:     raw,
		role:    role,
		origin:  rand.Uint64() | 1,
		limiter: rate.NewLimiter(rate.Limit(s.cfg.RatePerSecond), s.cfg.RateBurst),
		done:    make(chan struct{}),
	}
}

// errSlow, errRestart and errAbuse are the causes a connection ends with.
var (
	errSlow    = errors.New("client too slow to read its frames")
	errRestart = errors.New("server restarting")
	errAbuse   = errors.New("too many bad or excess frames")
)

// run reads and handles frames until the client leaves or the connection
// is ended, then releases everything the connection held.
func (c *conn) run() {
	c.ctx, c.cancel = context.WithCancelCause(c.srv.ctx)
	defer c.finish()
	m := c.srv.metrics
	m.conns.WithLabelValues(c.role).Inc()
	defer m.conns.WithLabelValues(c.role).Dec()

	helloCtx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.HelloTimeout)
	ok := c.hello(helloCtx)
	cancel()
	if !ok {
		return
	}
	// The connection closes when c.ctx ends, which also ends a blocked
	// Read: one hook for the connection instead of one per frame read.
	stop := context.AfterFunc(c.ctx, func() { c.ws.CloseNow() })
	defer stop()
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.readError(err)
			return
		}
		if typ != websocket.MessageText {
			c.sendError("", CodeBadFrame, "frames must be text")
			continue
		}
		if !c.allow() {
			c.sendError(peekID(data), CodeRateLimited, "too many frames; resend after a pause")
			continue
		}
		f, ferr := decodeFrame(data, c.srv.cfg.MaxFrameBytes)
		if ferr != nil {
			c.sendError(ferr.ID, ferr.Code, ferr.Msg)
			if !c.strike() {
				return
			}
			continue
		}
		m.framesIn.WithLabelValues(f.Type).Inc()
		c.dispatch(&f)
	}
}

// allow applies the rate limit; a flood past MaxViolations ends the
// connection with 1008.
func (c *conn) allow() bool {
	if c.limiter.Allow() {
		c.violations = 0
		return true
	}
	c.strike()
	return false
}

// strike counts a rate-limited or bad frame and reports whether the
// connection may go on.
func (c *conn) strike() bool {
	c.violations++
	if c.violations > c.srv.cfg.MaxViolations {
		c.end(websocket.StatusPolicyViolation, errAbuse, true)
		return false
	}
	return true
}

func (c *conn) readError(err error) {
	if errors.Is(err, websocket.ErrMessageTooBig) {
		c.srv.metrics.errors.WithLabelValues(CodeTooLarge).Inc()
	}
	c.cancel(err)
}

// dispatch hands a frame to the handler for its type and role.
func (c *conn) dispatch(f *Frame) {
	var err *frameError
	switch f.Type {
	case TypeHello:
		err = &frameError{Code: CodeBadFrame, Msg: "hello was already sent"}
	case TypePing:
		c.sendFrame(&Frame{Type: TypePong, ID: f.ID})
	case TypeMessage:
		err = c.handleMessage(f)
	case TypeTyping, TypeRead:
		err = c.handleSignal(f)
	case TypeResume:
		err = c.handleResume(f)
	case TypeClose:
		err = c.handleClose(f)
	case TypePresence:
		err = c.staffOnly(c.handlePresence, f)
	case TypeAccept:
		err = c.staffOnly(c.handleAccept, f)
	case TypeTransfer:
		err = c.staffOnly(c.handleTransfer, f)
	case TypeTranslate:
		err = c.staffOnly(c.handleTranslate, f)
	case TypeHandoff:
		err = c.handleHandoff(f)
	}
	if err != nil {
		c.sendError(f.ID, err.Code, err.Msg)
	}
}

func (c *conn) staffOnly(h func(*Frame) *frameError, f *Frame) *frameError {
	if c.role == RoleCustomer {
		return &frameError{Code: CodeForbidden, Msg: f.Type + " is for agents and bots"}
	}
	return h(f)
}

// end closes the connection with code, for cause: from the read loop it
// completes the close handshake; from elsewhere it cancels what is in
// flight, since a client that does not read would hold the handshake up.
func (c *conn) end(code websocket.StatusCode, cause error, fromReader bool) {
	c.srv.log.Debug("closing connection", "role", c.role, "id", c.id, "cause", cause)
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	if fromReader {
		c.ws.Close(code, cause.Error())
		c.cancel(cause)
		return
	}
	c.cancel(cause)
	go c.ws.Close(code, cause.Error())
}

// restart flushes what is queued and closes with 1012 so that the client
// reconnects, to this node when it is back or to another.
func (c *conn) restart() {
	c.mu.Lock()
	c.closing = true
	writing := c.writing
	c.mu.Unlock()
	if writing {
		select {
		case <-c.done:
		case <-time.After(c.srv.cfg.WriteTimeout):
		}
	}
	c.ws.Close(websocket.StatusServiceRestart, errRestart.Error()) // the reader sees the handshake end
	c.cancel(errRestart)
}

// finish releases the connection's subscriptions and presence.
func (c *conn) finish() {
	c.cancel(context.Canceled)
	c.mu.Lock()
	c.closing = true
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	for _, cancel := range subs {
		cancel()
	}
	c.site.leave(c)
	c.ws.CloseNow()
}

// sendError queues an error frame.
func (c *conn) sendError(id, code, msg string) {
	c.srv.metrics.errors.WithLabelValues(code).Inc()
	c.sendFrame(&Frame{Type: TypeError, ID: id, Code: code, Error: msg})
}

// sendFrame encodes and queues an unordered frame.
func (c *conn) sendFrame(f *Frame) {
	data, err := jsonFrame(f)
	if err != nil {
		c.srv.log.Error("encoding frame", "type", f.Type, "err", err)
		return
	}
	c.enqueue(outbound{data: data})
}

// jsonFrame encodes a frame.
func jsonFrame(f *Frame) ([]byte, error) { return json.Marshal(f) }

// storeCtx bounds one store call made for this connection.
func (c *conn) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, 5*time.Second)
}

// storeError reports a failed store call for frame f to the client.
func (c *conn) storeError(f *Frame, op string, err error) *frameError {
	code := storeCode(err)
	if code == CodeInternal || code == CodeUnavailable {
		c.srv.log.Warn("store call failed", "op", op, "conv", f.Conv, "err", err)
	}
	msg := op + " failed: " + code
	if code == CodeUnavailable {
		msg = op + " failed: the store is unavailable; nothing was stored, resend"
	}
	return &frameError{Code: code, Msg: msg}
}

// participant reports whether the connection may read and write in conv.
func (c *conn) participant(conv *session.Conversation) bool {
	if conv.SiteID != c.site.cfg.Key {
		return false
	}
	switch c.role {
	case RoleCustomer:
		return conv.VisitorID == c.id
	case RoleAgent:
		return conv.State == session.StateActive && conv.AgentID == c.id
	case RoleBot:
		return conv.State == session.StateBot && conv.BotID == c.id ||
			conv.State == session.StateActive && conv.AgentID == c.id
	}
	return false
}
