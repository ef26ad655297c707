package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

func TestWebhooksReceiveTheLifecycle(t *testing.T) {
	var mu sync.Mutex
	var events []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify("hook-secret", r.Header, body, time.Minute, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev struct{ Type string }
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		events = append(events, ev.Type)
		mu.Unlock()
	}))
	defer receiver.Close()

	store := session.NewMemory(session.MemoryConfig{})
	hooks := webhook.New(webhook.Config{
		Sites: map[string][]webhook.Receiver{"s1": {{URL: receiver.URL, Secret: "hook-secret"}}},
		Poll:  20 * time.Millisecond, BaseDelay: 10 * time.Millisecond,
	}, store, testLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { hooks.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	e := newEnvWith(t, store, session.NewMemoryBroker(), func(c *gateway.Config) { c.Webhooks = hooks })
	alice := e.agent("s1", "alice")
	cust := e.customer("s1", gateway.Frame{})
	conv := cust.say("", "hook me").Conv
	alice.expect(gateway.TypeConversation, func(f gateway.Frame) bool { return f.Conv == conv })
	alice.send(gateway.Frame{Type: gateway.TypeClose, ID: "c", Conv: conv})

	want := []string{webhook.EventConversationCreated, webhook.EventMessageCreated, webhook.EventConversationAssigned, webhook.EventConversationClosed}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range want {
			if !slices.Contains(events, w) {
				return false
			}
		}
		return true
	}, wait, 20*time.Millisecond)

	var list struct{ Items []session.Delivery }
	e.call("GET", "/api/v1/webhooks/deliveries", reader, nil, &list)
	assert.GreaterOrEqual(t, len(list.Items), len(want), "attempts are visible through the API")
}
