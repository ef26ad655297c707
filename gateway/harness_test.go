package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
)

// wait bounds every expectation in these tests.
const wait = 5 * time.Second

var testLogLevel = slog.LevelWarn

// env is a gateway on a loopback httptest server with an in-memory store.
type env struct {
	t      testing.TB
	gw     *gateway.Server
	srv    *httptest.Server
	store  session.Store
	broker session.Broker
	ws     string
}

func testLogger(t testing.TB) *slog.Logger { return testlog.New(t, testLogLevel) }

// testSite is a site with three English agents and one Spanish, secret
// "pw-<id>", and a bot.
func testSite(key string) gateway.Site {
	acct := func(id string, capacity int, langs ...string) gateway.Account {
		return gateway.Account{ID: id, Name: "Agent " + id, SecretHash: gateway.HashSecret("pw-" + id), Languages: langs, Capacity: capacity}
	}
	return gateway.Site{
		Key: key, Name: "Site " + key, Origins: []string{"https://shop.example"}, IdentitySecret: "id-secret-" + key,
		Agents: []gateway.Account{
			acct("alice", 2, "en"), acct("bob", 2, "en"), acct("carol", 2, "en"), acct("maria", 2, "es", "en"),
			{ID: "bot", Name: "Helper bot", SecretHash: gateway.HashSecret("pw-bot"), Languages: []string{"en"}, Capacity: 50, Bot: true},
		},
		APIKeys: []gateway.APIKey{
			{ID: "reader", SecretHash: gateway.HashSecret("key-" + key + "-reader"), Scopes: []string{"read"}},
			{ID: "writer", SecretHash: gateway.HashSecret("key-" + key + "-writer"), Scopes: []string{"read", "write"}},
			{ID: "botkey", SecretHash: gateway.HashSecret("key-" + key + "-bot"), Scopes: []string{"bot"}, Bot: "bot"},
		},
	}
}

func newEnv(t testing.TB, tweak func(*gateway.Config)) *env {
	t.Helper()
	return newEnvWith(t, session.NewMemory(session.MemoryConfig{}), session.NewMemoryBroker(), tweak)
}

func newEnvWith(t testing.TB, store session.Store, broker session.Broker, tweak func(*gateway.Config)) *env {
	t.Helper()
	cfg := gateway.Config{
		Sites:      []gateway.Site{testSite("s1"), testSite("s2")},
		TokenKey:   "test-token-key-0123456789abcdef",
		AgentGrace: 2 * time.Second,
		Logger:     testLogger(t),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	gw, err := gateway.New(cfg, store, broker)
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	e := &env{t: t, gw: gw, srv: srv, store: store, broker: broker, ws: "ws" + strings.TrimPrefix(srv.URL, "http")}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return e
}

// clients numbers test clients, so that their message ids differ.
var clients atomic.Int64

// client is a test WebSocket client that collects the frames it receives.
type client struct {
	t       testing.TB
	ws      *websocket.Conn
	frames  chan gateway.Frame
	closed  chan websocket.StatusCode
	ids     atomic.Int64
	name    string
	backlog []gateway.Frame // received, not yet expected
	token   string          // from the welcome
}

func (e *env) dial(role, site string, header http.Header) (*client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, fmt.Sprintf("%s/ws?site=%s&role=%s", e.ws, site, role), &websocket.DialOptions{
		Subprotocols: []string{gateway.Subprotocol}, HTTPHeader: header,
	})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: e.t, ws: ws, frames: make(chan gateway.Frame, 4096), closed: make(chan websocket.StatusCode, 1),
		name: fmt.Sprintf("%s%d", role, clients.Add(1))}
	go c.readLoop()
	e.t.Cleanup(func() { ws.CloseNow() })
	return c, nil
}

func (c *client) readLoop() {
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.closed <- websocket.CloseStatus(err)
			close(c.frames)
			return
		}
		var f gateway.Frame
		if json.Unmarshal(data, &f) != nil {
			c.t.Errorf("%s: server sent a frame that is not JSON: %q", c.name, data)
			continue
		}
		c.frames <- f
	}
}

// customer connects a customer and says hello.
func (e *env) customer(site string, hello gateway.Frame) *client {
	e.t.Helper()
	c, err := e.dial(gateway.RoleCustomer, site, nil)
	require.NoError(e.t, err)
	hello.Type, hello.Role, hello.Site = gateway.TypeHello, gateway.RoleCustomer, site
	c.send(hello)
	c.token = c.expect(gateway.TypeWelcome, nil).Token
	return c
}

// agent signs an agent in.
func (e *env) agent(site, id string) *client {
	e.t.Helper()
	c, err := e.dial(gateway.RoleAgent, site, nil)
	require.NoError(e.t, err)
	c.name = id
	c.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleAgent, Site: site, Agent: id, Secret: "pw-" + id})
	c.expect(gateway.TypeWelcome, nil)
	return c
}

func (c *client) send(f gateway.Frame) {
	c.t.Helper()
	data, err := json.Marshal(f)
	require.NoError(c.t, err)
	c.sendRaw(data)
}

func (c *client) sendRaw(data []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(c.t, c.ws.Write(ctx, websocket.MessageText, data))
}

// say sends a chat message with a fresh client id and returns its ack.
func (c *client) say(conv, text string) gateway.Frame {
	c.t.Helper()
	id := fmt.Sprintf("%s-%d", c.name, c.ids.Add(1))
	c.send(gateway.Frame{Type: gateway.TypeMessage, ID: id, Conv: conv, Text: text})
	ack := c.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == id })
	// The ack stands for the sender's own message frame; keep it in the
	// stream so that checks of the whole stream see it in its place.
	c.backlog = append(c.backlog, ack)
	return ack
}

// expect returns the first frame of the type that matches, skipping others;
// it fails the test after the wait.
func (c *client) expect(typ string, match func(gateway.Frame) bool) gateway.Frame {
	c.t.Helper()
	f, ok := c.find(typ, match, wait)
	if !ok {
		c.t.Fatalf("%s: no %s frame within %s", c.name, typ, wait)
	}
	return f
}

// find returns the first frame of the type that matches. Frames it passes
// over stay in a backlog for later expectations, so that order of arrival
// between unrelated frames does not matter.
func (c *client) find(typ string, match func(gateway.Frame) bool, d time.Duration) (gateway.Frame, bool) {
	ok := func(f gateway.Frame) bool { return f.Type == typ && (match == nil || match(f)) }
	for i, f := range c.backlog {
		if ok(f) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			return f, true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case f, open := <-c.frames:
			if !open {
				return gateway.Frame{}, false
			}
			if f.Type == gateway.TypeError && typ != gateway.TypeError {
				c.t.Logf("%s: error frame %s: %s (id %q)", c.name, f.Code, f.Error, f.ID)
			}
			if ok(f) {
				return f, true
			}
			c.backlog = append(c.backlog, f)
		case <-timer.C:
			return gateway.Frame{}, false
		}
	}
}

// expectText waits for the chat message with the given text.
func (c *client) expectText(text string) gateway.Frame {
	c.t.Helper()
	return c.expect(gateway.TypeMessage, func(f gateway.Frame) bool {
		return f.Message != nil && f.Message.Kind == session.KindText && f.Message.Text == text
	})
}

// expectError waits for an error frame with the code.
func (c *client) expectError(code string) gateway.Frame {
	c.t.Helper()
	return c.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.Code == code })
}

// expectClose waits for the connection to close and returns its code.
func (c *client) expectClose() websocket.StatusCode {
	c.t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-c.frames:
		case code := <-c.closed:
			return code
		case <-timer.C:
			c.t.Fatalf("%s: connection not closed within %s", c.name, wait)
		}
	}
}

func ptr[T any](v T) *T { return &v }
