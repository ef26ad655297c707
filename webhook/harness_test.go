package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// waitFor bounds every wait of these tests.
const waitFor = 15 * time.Second

// backend opens outbox spaces: each call of open returns a factory whose
// outboxes all see the same deliveries, as gateways sharing a store do.
type backend struct {
	name string
	open func(t *testing.T) func() session.Outbox
}

// backends returns the in-memory outbox and one kept in a real Redis (a
// server per subtest).
func backends() []backend {
	mem := backend{name: "memory", open: func(t *testing.T) func() session.Outbox {
		m := session.NewMemory(session.MemoryConfig{})
		return func() session.Outbox { return m }
	}}
	rds := backend{name: "redis", open: func(t *testing.T) func() session.Outbox {
		srv := redistest.Start(t)
		client := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { _ = client.Close() })
		require.NoError(t, client.Ping(t.Context()).Err())
		prefix := "wh-" + session.NewID()[:8]
		return func() session.Outbox { return session.NewRedis(client, session.RedisConfig{Prefix: prefix}) }
	}}
	return []backend{mem, rds}
}

// eachBackend runs fn once per backend, sequentially.
func eachBackend(t *testing.T, fn func(t *testing.T, newOutbox func() session.Outbox)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

// testLogger writes the dispatcher's logs to the test log.
func testLogger(t *testing.T) *slog.Logger { return testlog.New(t, slog.LevelDebug) }

// fastConfig is a Config with short delays for tests.
func fastConfig(sites map[string][]webhook.Receiver) webhook.Config {
	return webhook.Config{
		Sites:     sites,
		Client:    &http.Client{Timeout: 5 * time.Second},
		BaseDelay: 10 * time.Millisecond,
		MaxDelay:  50 * time.Millisecond,
		Lease:     10 * time.Second,
		Poll:      10 * time.Millisecond,
	}
}

// run starts d.Run and returns a function that stops it and waits for it;
// the test's cleanup stops it too.
func run(t *testing.T, d *webhook.Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitFor):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// hit is one request a receiver got.
type hit struct {
	eventID, event string
	body           map[string]any
	verifyErr      error
	status         int
}

// receiver is a real HTTP endpoint on loopback that verifies signatures and
// answers with whatever answer returns (200 when nil).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	answer func(h hit, n int) int // n counts the requests for the event ID, from 1

	mu   sync.Mutex
	hits []hit
	seen map[string]int
}

func newReceiver(t *testing.T, secret string, answer func(h hit, n int) int) *receiver {
	r := &receiver{t: t, secret: secret, answer: answer, seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h := hit{
		eventID:   req.Header.Get(webhook.HeaderEventID),
		event:     req.Header.Get(webhook.HeaderEvent),
		verifyErr: webhook.Verify(r.secret, req.Header, body, time.Minute, time.Now()),
	}
	assert.Equal(r.t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(r.t, http.MethodPost, req.Method)
	_ = json.Unmarshal(body, &h.body)
	r.mu.Lock()
	r.seen[h.eventID]++
	n := r.seen[h.eventID]
	r.mu.Unlock()
	h.status = http.StatusOK
	if r.answer != nil {
		h.status = r.answer(h, n)
	}
	r.mu.Lock()
	r.hits = append(r.hits, h)
	r.mu.Unlock()
	w.WriteHeader(h.status)
	_, _ = w.Write([]byte("answer " + http.StatusText(h.status)))
}

// accepted returns how often each event ID was answered with a 2xx.
func (r *receiver) accepted() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, h := range r.hits {
		if h.status >= 200 && h.status < 300 {
			out[h.eventID]++
		}
	}
	return out
}

func (r *receiver) allHits() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// waitAccepted waits until n distinct events were accepted.
func (r *receiver) waitAccepted(n int) map[string]int {
	r.t.Helper()
	require.Eventually(r.t, func() bool { return len(r.accepted()) >= n }, waitFor, 5*time.Millisecond,
		"waiting for %d accepted events", n)
	return r.accepted()
}
