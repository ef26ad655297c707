package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// call makes a REST request with an API key and decodes the JSON answer.
func (e *env) call(method, path, key string, body any, out any) *http.Response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	if out != nil && len(data) > 0 {
		require.NoError(e.t, json.Unmarshal(data, out), "%s", data)
	}
	return resp
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

const (
	reader = "key-s1-reader"
	writer = "key-s1-writer"
	botKey = "key-s1-bot"
)

func TestAPIConversationLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{Languages: []string{"es"}})
	conv := cust.say("", "hola").Conv
	cust.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conversation.State == session.StateActive })

	var list struct{ Items []session.Conversation }
	e.call("GET", "/api/v1/conversations?state=active&agent=alice&language=es", reader, nil, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, conv, list.Items[0].ID)
	e.call("GET", "/api/v1/conversations?state=queued", reader, nil, &list)
	assert.Empty(t, list.Items)

	var got session.Conversation
	resp := e.call("GET", "/api/v1/conversations/"+conv, reader, nil, &got)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "alice", got.AgentID)

	var msg session.Message
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/messages", writer, map[string]string{"id": "api-1", "text": "hello from the CRM", "agent": "alice"}, &msg)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, session.RoleAgent, msg.Role)
	cust.expectText("hello from the CRM")
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/messages", writer, map[string]string{"id": "api-1", "text": "hello from the CRM", "agent": "alice"}, &msg)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a resend is stored once")

	bob := e.agent("s1", "bob")
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/transfer", writer, map[string]string{"agent": "bob"}, &got)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "bob", got.AgentID)
	bob.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })

	resp = e.call("POST", "/api/v1/conversations/"+conv+"/close", writer, nil, &got)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, session.StateClosed, got.State)
	cust.expect(gateway.TypeMessage, func(f gateway.Frame) bool { return f.Message.Event == session.EventClosed })

	var p problem
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/close", writer, nil, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "/api/v1/problems/conflict", p.Type)
}

func TestAPIAssignQueueAndAgents(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.agent("s1", "alice")
	alice.send(gateway.Frame{Type: gateway.TypePresence, ID: "away", Status: "away"})
	alice.expect(gateway.TypeAck, func(f gateway.Frame) bool { return f.ID == "away" })
	cust := e.customer("s1", gateway.Frame{Name: "Ana"})
	conv := cust.say("", "waiting").Conv

	var queue struct{ Items []gateway.QueueEntry }
	e.call("GET", "/api/v1/queue", reader, nil, &queue)
	require.Len(t, queue.Items, 1)
	assert.Equal(t, conv, queue.Items[0].Conv)
	var agents struct{ Items []session.Agent }
	e.call("GET", "/api/v1/agents", reader, nil, &agents)
	require.NotEmpty(t, agents.Items)
	assert.Equal(t, session.StatusAway, agents.Items[0].Status)

	var got session.Conversation
	resp := e.call("POST", "/api/v1/conversations/"+conv+"/assign", writer, map[string]string{"agent": "alice"}, &got)
	assert.Equal(t, 200, resp.StatusCode)
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	alice.expectText("waiting")
}

func TestAPIErrors(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.RatePerSecond, c.RateBurst = 2, 30 })
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hi").Conv
	other := e.customer("s2", gateway.Frame{})
	otherConv := other.say("", "other site").Conv
	path := "/api/v1/conversations/" + conv

	cases := []struct {
		name, method, path, key string
		body                    any
		status                  int
		typ                     string
	}{
		{"no key", "GET", path, "", nil, 401, "unauthorized"},
		{"unknown key", "GET", path, "nope", nil, 401, "unauthorized"},
		{"read key writes", "POST", path + "/close", reader, nil, 403, "forbidden"},
		{"bot key closes", "POST", path + "/close", botKey, nil, 403, "forbidden"},
		{"other site", "GET", "/api/v1/conversations/" + otherConv, reader, nil, 403, "forbidden"},
		{"unknown conversation", "GET", "/api/v1/conversations/nosuch", reader, nil, 404, "not-found"},
		{"unknown endpoint", "GET", "/api/v1/nothing", reader, nil, 404, "not-found"},
		{"bad json", "POST", path + "/messages", writer, `{"id":`, 400, "bad-request"},
		{"unknown field", "POST", path + "/messages", writer, `{"id":"x","text":"t","agent":"alice","color":1}`, 400, "bad-request"},
		{"missing text", "POST", path + "/messages", writer, map[string]string{"id": "x", "agent": "alice"}, 400, "bad-request"},
		{"unknown agent", "POST", path + "/assign", writer, map[string]string{"agent": "zed"}, 404, "not-found"},
		{"bad filter", "GET", "/api/v1/conversations?state=dancing", reader, nil, 400, "bad-request"},
		{"bad cursor", "GET", path + "/messages?cursor=x", reader, nil, 400, "bad-request"},
		{"not the agent's", "POST", path + "/messages", writer, map[string]string{"id": "y", "text": "t", "agent": "alice"}, 409, "conflict"},
		{"too large", "POST", path + "/messages", writer, `{"id":"z","agent":"alice","text":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "too-large"},
	}
	for _, tc := range cases {
		var p problem
		resp := e.call(tc.method, tc.path, tc.key, tc.body, &p)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), tc.name)
		assert.Equal(t, "/api/v1/problems/"+tc.typ, p.Type, tc.name)
		assert.Equal(t, tc.status, p.Status, tc.name)
	}

	limited := false
	for range 100 {
		resp := e.call("GET", path, reader, nil, nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			limited = true
			break
		}
	}
	assert.True(t, limited, "a flood of requests is rate limited")
}

func TestAPIHistoryPaginationWithConcurrentWrites(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.RatePerSecond, c.RateBurst = 10000, 10000 })
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "start").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })

	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 60 {
			alice.send(gateway.Frame{Type: gateway.TypeMessage, ID: fmt.Sprintf("w-%d", i), Conv: conv, Text: fmt.Sprintf("msg %d", i)})
			time.Sleep(time.Millisecond)
		}
	})
	seen := map[int64]bool{}
	last := int64(0)
	cursor := ""
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		var page struct {
			Items      []session.Message
			NextCursor string `json:"next_cursor"`
		}
		e.call("GET", "/api/v1/conversations/"+conv+"/messages?limit=7&cursor="+cursor, reader, nil, &page)
		for _, m := range page.Items {
			require.False(t, seen[m.Seq], "seq %d repeated", m.Seq)
			require.Equal(t, last+1, m.Seq, "seq skipped")
			seen[m.Seq], last = true, m.Seq
		}
		if page.NextCursor != "" {
			cursor = page.NextCursor
		} else if len(page.Items) > 0 {
			cursor = fmt.Sprint(last)
		}
		if len(seen) >= 63 { // queued, start, assigned and 60 messages
			break
		}
	}
	wg.Wait()
	assert.GreaterOrEqual(t, len(seen), 63)
}

func TestAPIBotWritesUntilHandoff(t *testing.T) {
	e := botEnv(t, time.Minute, nil)
	e.bot("s1")
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hello bot").Conv
	require.Eventually(t, func() bool {
		var c session.Conversation
		e.call("GET", "/api/v1/conversations/"+conv, reader, nil, &c)
		return c.State == session.StateBot
	}, wait, 20*time.Millisecond)

	resp := e.call("POST", "/api/v1/conversations/"+conv+"/messages", botKey, map[string]string{"id": "b1", "text": "I am the bot"}, nil)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	cust.expectText("I am the bot")
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/handoff", botKey, map[string]string{"reason": "needs a human"}, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	alice.expectText("I am the bot")

	var p problem
	resp = e.call("POST", "/api/v1/conversations/"+conv+"/messages", botKey, map[string]string{"id": "b2", "text": "still me"}, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "the bot's late write is refused")
	resp = e.call("GET", "/api/v1/openapi.json", "", nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
