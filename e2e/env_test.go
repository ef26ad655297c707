package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/widget"
)

// Credentials of the test site.
const (
	siteKey        = "demo"
	agentID        = "demo"
	agentSecret    = "demo"
	identitySecret = "identity-secret-for-tests"
)

// env is one test's world: a customer site on one loopback origin and the
// gateway on another, sharing a store that outlives gateway restarts.
type env struct {
	t      *testing.T
	store  session.Store
	broker session.Broker
	cfg    gateway.Config
	addr   string // the gateway's host:port, kept across restarts
	shop   *httptest.Server

	mu  sync.Mutex
	gw  *gateway.Server
	srv *http.Server
}

// envOption adjusts the gateway configuration of an env.
type envOption func(*gateway.Config)

// newEnv starts the customer site and the gateway.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, store: session.NewMemory(session.MemoryConfig{}), broker: session.NewMemoryBroker()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.addr = ln.Addr().String()

	e.shop = httptest.NewServer(http.HandlerFunc(e.servePage))
	t.Cleanup(e.shop.Close)

	e.cfg = gateway.Config{
		Sites: []gateway.Site{{
			Key:            siteKey,
			Name:           "Harbor & Pine",
			Origins:        []string{e.shop.URL, e.gatewayURL()}, // the shop, and the gateway's demo page
			IdentitySecret: identitySecret,
			Agents: []gateway.Account{
				{ID: agentID, Name: "Demo Agent", SecretHash: gateway.HashSecret(agentSecret), Languages: []string{"en"}, Capacity: 3},
				{ID: "maria", Name: "Maria", SecretHash: gateway.HashSecret("maria-secret"), Languages: []string{"es", "en"}, Capacity: 3},
			},
		}},
		// Tokens must outlive a gateway restart.
		TokenKey: "a-test-token-key-of-at-least-32-bytes!",
		Logger:   slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Assets:   widget.Handler(widget.Config{}),
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.start(ln)
	t.Cleanup(func() { e.stop() })
	return e
}

// gatewayURL is the gateway's origin.
func (e *env) gatewayURL() string { return "http://" + e.addr }

// shopURL is the customer site's page with the widget embedded.
func (e *env) shopURL() string { return e.shop.URL + "/" }

// servePage serves the customer site: a page embedding the widget with the
// one-line snippet, from the gateway's (different) origin.
func (e *env) servePage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	stub := ""
	if r.URL.Query().Has("stub") {
		// Calls made before the widget loads, queued by the documented stub.
		stub = `<script>
window.Parley = window.Parley || {q: []};
window.__events = [];
window.Parley.q.push(['on', 'message', m => window.__events.push('message:' + m.display)]);
window.Parley.q.push(['on', 'open', () => window.__events.push('open')]);
window.Parley.q.push(['open']);
</script>`
	}
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test shop</title></head>
<body><h1>Test shop</h1><p>Products and things.</p>%s
<script src="%s/widget.js" data-site="%s" async></script>
</body></html>`, stub, e.gatewayURL(), siteKey)
}

// start serves a new gateway on ln.
func (e *env) start(ln net.Listener) {
	e.t.Helper()
	gw, err := gateway.New(e.cfg, e.store, e.broker)
	require.NoError(e.t, err)
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.mu.Lock()
	e.gw, e.srv = gw, srv
	e.mu.Unlock()
}

// stop stops the gateway the way a deploy does: stop accepting, then close
// every WebSocket with 1012.
func (e *env) stop() {
	e.mu.Lock()
	gw, srv := e.gw, e.srv
	e.gw, e.srv = nil, nil
	e.mu.Unlock()
	if gw == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if err := gw.Shutdown(ctx); err != nil {
		e.t.Logf("gateway shutdown: %v", err)
	}
	_ = srv.Close()
}

// restart stops the gateway and starts a new one on the same address with
// the same store and broker.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to free up
		if ln, err = net.Listen("tcp", e.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(e.t, err, "listening again on %s", e.addr)
	e.start(ln)
}

// identityHash is what the customer's site computes for a logged-in user.
func identityHash(id string) string {
	m := hmac.New(sha256.New, []byte(identitySecret))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

// tWriter sends log lines to t.Log, dropping them once the test is over.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // logging after the test ended panics
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
