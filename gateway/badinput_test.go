package gateway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
)

func TestBadFramesGetErrorsAndTheConnectionGoesOn(t *testing.T) {
	e := newEnv(t, nil)
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "kept").Conv
	big := `{"type":"message","id":"big","text":"` + strings.Repeat("a", 20<<10) + `"}`
	cases := []struct {
		name, frame, id, code string
	}{
		{"not json", `hello`, "", gateway.CodeBadJSON},
		{"truncated json", `{"type":"message","id":"t1"`, "", gateway.CodeBadJSON},
		{"json array", `[1,2]`, "", gateway.CodeBadJSON},
		{"unknown type", `{"type":"dance","id":"u1"}`, "u1", gateway.CodeUnknownType},
		{"missing type", `{"id":"m0"}`, "m0", gateway.CodeBadFrame},
		{"missing text", `{"type":"message","id":"m1"}`, "m1", gateway.CodeBadFrame},
		{"missing id", `{"type":"message","text":"hi"}`, "", gateway.CodeBadFrame},
		{"wrong type of field", `{"type":"message","id":"m2","text":42}`, "m2", gateway.CodeBadFrame},
		{"wrong type of seq", `{"type":"read","id":"m3","conv":"x","seq":"7"}`, "m3", gateway.CodeBadFrame},
		{"negative seq", `{"type":"resume","id":"m4","conv":"x","seq":-1}`, "m4", gateway.CodeBadFrame},
		{"invalid utf-8", "{\"type\":\"message\",\"id\":\"m5\",\"text\":\"\xff\xfe\"}", "m5", gateway.CodeInvalidUTF8},
		{"too large", big, "big", gateway.CodeTooLarge},
		{"second hello", `{"type":"hello","id":"h2","role":"customer"}`, "h2", gateway.CodeBadFrame},
		{"agent frame from customer", `{"type":"accept","id":"a1","conv":"` + conv + `"}`, "a1", gateway.CodeForbidden},
		{"unknown conversation", `{"type":"message","id":"m6","conv":"nosuch","text":"hi"}`, "m6", gateway.CodeNotFound},
		{"bad conversation id", `{"type":"message","id":"m7","conv":"../../etc","text":"hi"}`, "m7", gateway.CodeBadFrame},
	}
	for _, tc := range cases {
		cust.sendRaw([]byte(tc.frame))
		f := cust.expect(gateway.TypeError, nil)
		assert.Equal(t, tc.code, f.Code, tc.name)
		assert.Equal(t, tc.id, f.ID, tc.name)
		assert.NotEmpty(t, f.Error, tc.name)
	}
	ack := cust.say(conv, "still here")
	assert.Positive(t, ack.Seq, "the connection goes on")
	hist, err := e.store.History(context.Background(), conv, 0, 0)
	require.NoError(t, err)
	var texts []string
	for _, m := range hist {
		if m.Text != "" {
			texts = append(texts, m.Text)
		}
	}
	assert.Equal(t, []string{"kept", "still here"}, texts, "nothing stored is lost, nothing bad is stored")
}

func TestFloodIsRateLimitedThenClosed(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) {
		c.RatePerSecond, c.RateBurst, c.MaxViolations = 5, 5, 20
	})
	cust := e.customer("s1", gateway.Frame{})
	for range 10 {
		cust.send(gateway.Frame{Type: gateway.TypePing, ID: "p"})
	}
	f := cust.expectError(gateway.CodeRateLimited)
	assert.Equal(t, "p", f.ID, "the error names the frame it refused")

	flood := e.customer("s1", gateway.Frame{})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for range 200 {
		if flood.ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping","id":"f"}`)) != nil {
			break
		}
	}
	assert.Equal(t, websocket.StatusPolicyViolation, flood.expectClose())
}

func TestSlowClientIsClosedAndResumesWithoutLoss(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.SendQueue = 256; c.RatePerSecond, c.RateBurst = 10000, 10000 })
	alice := e.agent("s1", "alice")
	hash := identityHashOf("s1", "slow")
	// A customer that never reads: its socket buffers fill, then its queue.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.ws+"/ws?site=s1&role=customer", &websocket.DialOptions{Subprotocols: []string{gateway.Subprotocol}})
	require.NoError(t, err)
	defer ws.CloseNow()
	writeJSON(t, ws, gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleCustomer, Identity: &gateway.Identity{ID: "slow", Hash: hash}})
	writeJSON(t, ws, gateway.Frame{Type: gateway.TypeMessage, ID: "first", Text: "hi"})
	var conv string
	require.Eventually(t, func() bool {
		c, err := e.store.VisitorConversation(context.Background(), "s1", "u:slow")
		conv = c.ID
		return err == nil
	}, wait, 10*time.Millisecond)
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })

	payload := strings.Repeat("x", 15000)
	var want []string
	const n = 900 // 13.5 MB: more than the socket buffers and the queue hold
	for i := range n {
		want = append(want, fmt.Sprintf("%d %s", i, payload))
		alice.send(gateway.Frame{Type: gateway.TypeMessage, ID: fmt.Sprintf("big-%d", i), Conv: conv, Text: want[i]})
		if i%30 == 29 { // pace the agent so that only the customer is slow
			id := fmt.Sprintf("big-%d", i)
			alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == id })
			alice.backlog = nil
		}
	}

	back := e.customerRaw(t, "s1", gateway.Frame{Identity: &gateway.Identity{ID: "slow", Hash: hash}, Resume: map[string]int64{conv: 0}})
	got := textSeqs(t, back.until(want[n-1]), 0)
	assert.Equal(t, append([]string{"hi"}, want...), got, "the slow client loses nothing after resuming")
	// The gateway dropped the client that did not read (its queue
	// overflowed, or a write to it timed out): only alice and the resumed
	// customer remain.
	require.Eventually(t, func() bool {
		n, err := e.gw.Metric("parley_connections")
		return err == nil && n == 2
	}, wait, 20*time.Millisecond, "the slow client was closed")
}

func writeJSON(t *testing.T, ws *websocket.Conn, f gateway.Frame) {
	t.Helper()
	data, err := json.Marshal(f)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, data))
}

func identityHashOf(site, id string) string {
	m := hmac.New(sha256.New, []byte("id-secret-"+site))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

func TestGracefulShutdownCloses1012(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	cust.say("", "before restart")
	alice.expectText("before restart")

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.gw.Shutdown(ctx) }()
	assert.Equal(t, websocket.StatusServiceRestart, cust.expectClose())
	assert.Equal(t, websocket.StatusServiceRestart, alice.expectClose())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("Shutdown did not return")
	}
	// A client that still reaches the listener is sent elsewhere at once.
	late, err := e.dial(gateway.RoleCustomer, "s1", nil)
	require.NoError(t, err)
	assert.Equal(t, websocket.StatusServiceRestart, late.expectClose())
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := e.srv.Client().Get(e.srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, path)
	}
}
