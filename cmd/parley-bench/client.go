package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// subprotocol is the WebSocket subprotocol of the Parley wire protocol.
const subprotocol = "parley.v1"

// frame is the part of a parley.v1 server frame the generator reads.
type frame struct {
	Type          string     `json:"type"`
	ID            string     `json:"id"`
	Conv          string     `json:"conv"`
	Seq           int64      `json:"seq"`
	Token         string     `json:"token"`
	Code          string     `json:"code"`
	Error         string     `json:"error"`
	Duplicate     bool       `json:"duplicate"`
	Conversation  *convInfo  `json:"conversation"`
	Conversations []convInfo `json:"conversations"`
	Message       *struct {
		Seq   int64  `json:"seq"`
		Kind  string `json:"kind"`
		Event string `json:"event"`
		Role  string `json:"role"`
		Text  string `json:"text"`
	} `json:"message"`
}

// convInfo is the part of a conversation the generator reads.
type convInfo struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	AgentID string `json:"agent_id"`
	LastSeq int64  `json:"last_seq"`
}

// dialer opens WebSocket connections to one gateway.
type dialer struct {
	http    *http.Client
	timeout time.Duration // bounds the TCP connect and the handshake
}

func newDialer(timeout time.Duration) *dialer {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout: timeout,
		DisableKeepAlives:   true,
		DisableCompression:  true,
	}
	return &dialer{http: &http.Client{Transport: tr}, timeout: timeout}
}

// Dial opens a connection offering the parley.v1 subprotocol and no Origin
// header, as a server-side client does.
func (d *dialer) Dial(ctx context.Context, url string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   d.http,
		Subprotocols: []string{subprotocol},
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	if ws.Subprotocol() != subprotocol {
		ws.CloseNow()
		return nil, fmt.Errorf("dial: gateway chose subprotocol %q, want %q", ws.Subprotocol(), subprotocol)
	}
	ws.SetReadLimit(4 << 20)
	return ws, nil
}

// client is one gateway connection with its reader goroutine. Frames go to
// the handler on the reader goroutine; control frames that setup code waits
// for are also queued on events.
type client struct {
	ws     *websocket.Conn
	events chan frame
	done   chan struct{} // closed when the reader has stopped
	err    error         // why the reader stopped; read after done
}

// handler receives every frame of a client on its reader goroutine; data is
// only valid during the call. It reports whether the frame was fully handled
// (a benchmark message or ack); other frames are decoded and, if the
// generator waits for their type, queued on the client's events.
type handler func(data []byte) (handled bool)

// startClient starts the reader goroutine of a dialed connection.
func startClient(ws *websocket.Conn, h handler, onFrame func(*frame)) *client {
	c := &client{ws: ws, events: make(chan frame, 64), done: make(chan struct{})}
	go c.readLoop(h, onFrame)
	return c
}

func (c *client) readLoop(h handler, onFrame func(*frame)) {
	defer close(c.done)
	var buf bytes.Buffer
	for {
		// A context that is never done keeps the read free of timers; the
		// connection is closed to stop the reader.
		_, r, err := c.ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			c.err = err
			return
		}
		data := buf.Bytes()
		if h != nil && h(data) {
			continue
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			f = frame{Type: "error", Code: "bad_json", Error: "generator: gateway sent a frame that is not JSON"}
		}
		if onFrame != nil {
			onFrame(&f)
		}
		switch f.Type {
		case "welcome", "ack", "error", "pong":
			select {
			case c.events <- f:
			default: // nobody waits for it; it was counted by onFrame
			}
		}
	}
}

// errClosed reports a connection that ended while the generator waited on it.
var errClosed = errors.New("connection closed")

// Wait returns the next queued frame for which match reports true, dropping
// the others, or fails when ctx ends or the connection closes. An error
// frame answering id fails the wait with the gateway's code.
func (c *client) Wait(ctx context.Context, match func(*frame) bool) (frame, error) {
	for {
		select {
		case f := <-c.events:
			if match(&f) {
				return f, nil
			}
		case <-c.done:
			return frame{}, fmt.Errorf("%w: %v", errClosed, c.err)
		case <-ctx.Done():
			return frame{}, fmt.Errorf("waiting for the gateway: %w", ctx.Err())
		}
	}
}

// Request sends v and waits for the frame of type want answering id (id ""
// matches any frame of that type); an error frame with the same id fails
// it.
func (c *client) Request(ctx context.Context, v any, want, id string) (frame, error) {
	if err := c.Send(ctx, v); err != nil {
		return frame{}, err
	}
	f, err := c.Wait(ctx, func(f *frame) bool {
		return (f.Type == want && (id == "" || f.ID == id)) || (f.Type == "error" && f.ID == id)
	})
	if err != nil {
		return f, err
	}
	if f.Type == "error" {
		return f, &gatewayError{Code: f.Code, Msg: f.Error}
	}
	return f, nil
}

// Send writes one JSON frame.
func (c *client) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// Close closes the connection and waits for the reader to stop.
func (c *client) Close() {
	c.ws.CloseNow()
	<-c.done
}

// CloseNormal closes the connection with a normal closure handshake, bounded
// by the library's own close timeout, and waits for the reader.
func (c *client) CloseNormal() {
	c.ws.Close(websocket.StatusNormalClosure, "")
	c.ws.CloseNow()
	<-c.done
}

// gatewayError is an error frame answering one of the generator's frames.
type gatewayError struct {
	Code string
	Msg  string
}

func (e *gatewayError) Error() string { return "gateway error " + e.Code + ": " + e.Msg }

// clientFrame is a frame the generator sends outside the hot path.
type clientFrame struct {
	Type      string           `json:"type"`
	ID        string           `json:"id,omitempty"`
	Conv      string           `json:"conv,omitempty"`
	Seq       int64            `json:"seq,omitempty"`
	Role      string           `json:"role,omitempty"`
	Site      string           `json:"site,omitempty"`
	Token     string           `json:"token,omitempty"`
	Agent     string           `json:"agent,omitempty"`
	Secret    string           `json:"secret,omitempty"`
	Name      string           `json:"name,omitempty"`
	Languages []string         `json:"languages,omitempty"`
	Resume    map[string]int64 `json:"resume,omitempty"`
	Text      string           `json:"text,omitempty"`
	Status    string           `json:"status,omitempty"`
	Capacity  int              `json:"capacity,omitempty"`
}
