package gateway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// textSeqs returns the texts of the chat messages among frames (message
// frames, and the acks that stand for the sender's own), failing on a gap,
// a duplicate or an out-of-order seq.
func textSeqs(t *testing.T, frames []gateway.Frame, after int64) []string {
	t.Helper()
	var texts []string
	last := after
	for _, f := range frames {
		isAck := f.Type == gateway.TypeAck && f.Message != nil // stands for the sender's own message
		if f.Type != gateway.TypeMessage && !isAck || isAck && f.Seq <= last {
			continue
		}
		require.Greater(t, f.Seq, last, "seq %d after %d: duplicate or out of order", f.Seq, last)
		require.Equal(t, last+1, f.Seq, "gap after seq %d", last)
		last = f.Seq
		if f.Message.Kind == session.KindText {
			texts = append(texts, f.Message.Text)
		}
	}
	return texts
}

func TestReconnectResumesWithoutLossOrDuplicate(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	welcome := cust.say("", "first")
	conv := welcome.Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	for i := range 3 {
		alice.say(conv, fmt.Sprintf("before %d", i))
	}
	held := cust.expectText("before 2").Seq

	// The customer's network drops; the agent keeps writing.
	token := e.tokenOf(t, cust)
	cust.ws.CloseNow()
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("missed %d", i))
		alice.say(conv, want[i])
	}

	back := e.customerRaw(t, "s1", gateway.Frame{Token: token, Resume: map[string]int64{conv: held}})
	w := back.expect(gateway.TypeWelcome, nil)
	require.Len(t, w.Conversations, 1)
	assert.Equal(t, conv, w.Conversations[0].ID)
	alice.say(conv, "live")
	got := textSeqs(t, back.until("live"), held)
	assert.Equal(t, append(want, "live"), got)
}

func TestSecondTabAndReloadContinueTheConversation(t *testing.T) {
	e := newEnv(t, nil)
	tab1 := e.customer("s1", gateway.Frame{})
	conv := tab1.say("", "from tab one").Conv
	token := e.tokenOf(t, tab1)

	tab2 := e.customerRaw(t, "s1", gateway.Frame{Token: token})
	w := tab2.expect(gateway.TypeWelcome, nil)
	require.Len(t, w.Conversations, 1)
	assert.Equal(t, conv, w.Conversations[0].ID, "same visitor, same conversation")
	tab2.expectText("from tab one") // history replays from the start
	ack := tab2.say("", "from tab two")
	assert.Equal(t, conv, ack.Conv)
	tab1.expectText("from tab two")
}

func TestIdempotentResend(t *testing.T) {
	e := newEnv(t, nil)
	cust := e.customer("s1", gateway.Frame{})
	first := cust.say("", "hello")
	msg := gateway.Frame{Type: gateway.TypeMessage, ID: "dup-1", Conv: first.Conv, Text: "only once"}
	cust.send(msg)
	a1 := cust.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "dup-1" })
	cust.send(msg)
	a2 := cust.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "dup-1" })
	assert.False(t, a1.Duplicate)
	assert.True(t, a2.Duplicate)
	assert.Equal(t, a1.Seq, a2.Seq)

	hist, err := e.store.History(context.Background(), first.Conv, 0, 0)
	require.NoError(t, err)
	n := 0
	for _, m := range hist {
		if m.Text == "only once" {
			n++
		}
	}
	assert.Equal(t, 1, n)
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, nil)
	other := e.agent("s2", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "site one only").Conv
	_, seen := other.find(gateway.TypeQueue, func(f gateway.Frame) bool { return len(f.Queue) > 0 }, 300*time.Millisecond)
	assert.False(t, seen, "another site's agent does not see the queue")

	for _, typ := range []string{gateway.TypeAccept, gateway.TypeResume, gateway.TypeClose} {
		other.send(gateway.Frame{Type: typ, ID: typ, Conv: conv})
		f := other.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.ID == typ })
		assert.Equal(t, gateway.CodeNotFound, f.Code, typ)
	}
	other.send(gateway.Frame{Type: gateway.TypeMessage, ID: "m", Conv: conv, Text: "hi"})
	other.expectError(gateway.CodeNotFound)

	// A customer cannot write into, resume or close another visitor's
	// conversation.
	intruder := e.customer("s1", gateway.Frame{})
	for _, typ := range []string{gateway.TypeMessage, gateway.TypeResume, gateway.TypeClose} {
		intruder.send(gateway.Frame{Type: typ, ID: "i-" + typ, Conv: conv, Text: "x"})
		f := intruder.expect(gateway.TypeError, func(f gateway.Frame) bool { return f.ID == "i-"+typ })
		assert.Equal(t, gateway.CodeForbidden, f.Code, typ)
	}
	// A visitor token of site s1 does not work on s2.
	token := e.tokenOf(t, cust)
	c := e.customerRaw(t, "s2", gateway.Frame{Token: token})
	c.expectError(gateway.CodeUnauthorized)
	assert.Equal(t, websocket.StatusPolicyViolation, c.expectClose())
}

func TestOriginIsCheckedAgainstTheSite(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.dial(gateway.RoleCustomer, "s1", http.Header{"Origin": {"https://evil.example"}})
	require.Error(t, err, "a page from another origin is refused")

	c, err := e.dial(gateway.RoleCustomer, "s1", http.Header{"Origin": {"https://shop.example"}})
	require.NoError(t, err)
	c.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleCustomer, Site: "s1"})
	c.expect(gateway.TypeWelcome, nil)

	_, err = e.dial(gateway.RoleAgent, "s1", http.Header{"Origin": {"https://evil.example"}})
	require.Error(t, err, "the console's origin is the gateway's own")
	_, err = e.dial(gateway.RoleCustomer, "nosuchsite", nil)
	require.Error(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.ws+"/ws?site=s1", nil)
	require.Error(t, err, "the parley.v1 subprotocol is required")
	if resp != nil {
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	}
}

func TestWrongCredentials(t *testing.T) {
	e := newEnv(t, nil)
	for _, hello := range []gateway.Frame{
		{Agent: "alice", Secret: "wrong"},
		{Agent: "nobody", Secret: "pw-nobody"},
		{Agent: "bot", Secret: "pw-bot"}, // a bot account cannot sign in as an agent
		{Token: "forged.token"},
	} {
		c, err := e.dial(gateway.RoleAgent, "s1", nil)
		require.NoError(t, err)
		hello.Type, hello.Role, hello.Site = gateway.TypeHello, gateway.RoleAgent, "s1"
		c.send(hello)
		f := c.expect(gateway.TypeError, nil)
		assert.Equal(t, gateway.CodeUnauthorized, f.Code)
		assert.Equal(t, websocket.StatusPolicyViolation, c.expectClose())
	}
	c, err := e.dial(gateway.RoleCustomer, "s1", nil)
	require.NoError(t, err)
	c.send(gateway.Frame{Type: gateway.TypeMessage, ID: "m1", Text: "no hello"})
	assert.Equal(t, gateway.CodeHelloFirst, c.expect(gateway.TypeError, nil).Code)
	assert.Equal(t, websocket.StatusPolicyViolation, c.expectClose())
}

func TestIdentityVerification(t *testing.T) {
	e := newEnv(t, nil)
	hash := func(id string) string {
		m := hmac.New(sha256.New, []byte("id-secret-s1"))
		m.Write([]byte(id))
		return hex.EncodeToString(m.Sum(nil))
	}
	laptop := e.customer("s1", gateway.Frame{Identity: &gateway.Identity{ID: "user-42", Name: "Ana", Hash: hash("user-42")}})
	conv := laptop.say("", "from my laptop").Conv

	phone := e.customerRaw(t, "s1", gateway.Frame{Identity: &gateway.Identity{ID: "user-42", Hash: hash("user-42")}})
	w := phone.expect(gateway.TypeWelcome, nil)
	require.Len(t, w.Conversations, 1)
	assert.Equal(t, conv, w.Conversations[0].ID, "an identified user finds their conversation on any device")
	phone.expectText("from my laptop")

	bad := e.customerRaw(t, "s1", gateway.Frame{Identity: &gateway.Identity{ID: "user-42", Hash: hash("user-43")}})
	f := bad.expect(gateway.TypeError, nil)
	assert.Equal(t, gateway.CodeUnauthorized, f.Code)
	assert.Contains(t, f.Error, "identity")
}

func TestAgentSessionTokenReconnects(t *testing.T) {
	e := newEnv(t, nil)
	c, err := e.dial(gateway.RoleAgent, "s1", nil)
	require.NoError(t, err)
	c.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleAgent, Site: "s1", Agent: "alice", Secret: "pw-alice"})
	w := c.expect(gateway.TypeWelcome, nil)
	require.NotEmpty(t, w.Token)
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hi").Conv
	c.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	c.ws.CloseNow()

	again, err := e.dial(gateway.RoleAgent, "s1", nil)
	require.NoError(t, err)
	again.send(gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleAgent, Site: "s1", Token: w.Token})
	w2 := again.expect(gateway.TypeWelcome, nil)
	assert.Equal(t, "alice", w2.Agent)
	require.Len(t, w2.Conversations, 1, "the agent's open conversations come back")
	again.expectText("hi")
}

// until returns every frame received up to and including the chat message
// with text, in order of arrival.
func (c *client) until(text string) []gateway.Frame {
	c.t.Helper()
	out := c.backlog
	c.backlog = nil
	for _, f := range out {
		if f.Message != nil && f.Message.Text == text {
			return out
		}
	}
	timeout := time.After(6 * wait) // long histories under the race detector
	for range 100000 {
		var f gateway.Frame
		select {
		case f = <-c.frames:
		case <-timeout:
			c.t.Fatalf("%s: no message %q within %s", c.name, text, wait)
		}
		out = append(out, f)
		if f.Message != nil && f.Message.Text == text {
			return out
		}
	}
	return out
}

// customerRaw connects a customer and sends hello without waiting for the
// welcome.
func (e *env) customerRaw(t *testing.T, site string, hello gateway.Frame) *client {
	t.Helper()
	c, err := e.dial(gateway.RoleCustomer, site, nil)
	require.NoError(t, err)
	hello.Type, hello.Role, hello.Site = gateway.TypeHello, gateway.RoleCustomer, site
	c.send(hello)
	return c
}

// tokenOf returns the visitor token the client's welcome carried.
func (e *env) tokenOf(t *testing.T, c *client) string {
	t.Helper()
	require.NotEmpty(t, c.token)
	return c.token
}
