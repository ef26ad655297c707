package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// wait bounds every expectation in these tests.
const wait = 5 * time.Second

// peer is a customer or agent connection of a test, collecting the frames
// it receives.
type peer struct {
	t       *testing.T
	name    string
	ws      *websocket.Conn
	frames  chan gateway.Frame
	backlog []gateway.Frame
	ids     int
}

// dialPeer connects to the gateway at base (ws://...) and says hello.
func dialPeer(t *testing.T, base, name string, hello gateway.Frame) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, fmt.Sprintf("%s/ws?site=%s&role=%s", base, hello.Site, hello.Role),
		&websocket.DialOptions{Subprotocols: []string{gateway.Subprotocol}})
	require.NoError(t, err)
	ws.SetReadLimit(1 << 20)
	p := &peer{t: t, name: name, ws: ws, frames: make(chan gateway.Frame, 1024)}
	t.Cleanup(func() { ws.CloseNow() })
	go func() {
		defer close(p.frames)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f gateway.Frame
			if json.Unmarshal(data, &f) == nil {
				p.frames <- f
			}
		}
	}()
	hello.Type = gateway.TypeHello
	p.send(hello)
	p.expect(gateway.TypeWelcome, nil)
	return p
}

func (p *peer) send(f gateway.Frame) {
	p.t.Helper()
	data, err := json.Marshal(f)
	require.NoError(p.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(p.t, p.ws.Write(ctx, websocket.MessageText, data))
}

// say sends a chat message and returns its ack.
func (p *peer) say(conv, text string) gateway.Frame {
	p.t.Helper()
	p.ids++
	id := fmt.Sprintf("%s-%d", p.name, p.ids)
	p.send(gateway.Frame{Type: gateway.TypeMessage, ID: id, Conv: conv, Text: text})
	return p.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == id })
}

// expect returns the first frame of the type that matches; frames passed
// over wait in a backlog for later expectations.
func (p *peer) expect(typ string, match func(gateway.Frame) bool) gateway.Frame {
	p.t.Helper()
	f, ok := p.find(typ, match, wait)
	if !ok {
		p.t.Fatalf("%s: no matching %s frame within %s", p.name, typ, wait)
	}
	return f
}

func (p *peer) find(typ string, match func(gateway.Frame) bool, d time.Duration) (gateway.Frame, bool) {
	ok := func(f gateway.Frame) bool { return f.Type == typ && (match == nil || match(f)) }
	for i, f := range p.backlog {
		if ok(f) {
			p.backlog = append(p.backlog[:i], p.backlog[i+1:]...)
			return f, true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case f, open := <-p.frames:
			if !open {
				return gateway.Frame{}, false
			}
			if ok(f) {
				return f, true
			}
			p.backlog = append(p.backlog, f)
		case <-timer.C:
			return gateway.Frame{}, false
		}
	}
}

// expectText waits for the chat message of the conversation with the text.
func (p *peer) expectText(conv, text string) gateway.Frame {
	p.t.Helper()
	return p.expect(gateway.TypeMessage, func(f gateway.Frame) bool {
		return f.Conv == conv && f.Message != nil && f.Message.Kind == session.KindText && f.Message.Text == text
	})
}

// proxy is a loopback TCP proxy in front of the gateway whose connections
// a test can cut, as a network drop would.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, backend string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", backend)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

// cut closes every connection through the proxy.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
