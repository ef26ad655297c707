package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

func TestRetriesUntilAccepted(t *testing.T) {
	eachBackend(t, func(t *testing.T, newOutbox func() session.Outbox) {
		// Fails each event twice, then accepts it.
		rcv := newReceiver(t, "s3cret", func(h hit, n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		outbox := newOutbox()
		d := webhook.New(fastConfig(map[string][]webhook.Receiver{
			"site1": {{URL: rcv.srv.URL, Secret: "s3cret"}},
		}), outbox, testLogger(t))
		run(t, d)

		const events = 3
		for i := range events {
			require.NoError(t, d.Emit(t.Context(), "site1", webhook.EventMessageCreated, map[string]any{"n": i}))
		}
		acc := rcv.waitAccepted(events)
		for id, n := range acc {
			assert.Equal(t, 1, n, "event %s accepted once", id)
		}
		require.Eventually(t, func() bool {
			ds, err := outbox.Deliveries(t.Context(), "site1", 0)
			if err != nil || len(ds) != events {
				return false
			}
			for _, d := range ds {
				if !d.Delivered {
					return false
				}
			}
			return true
		}, waitFor, 5*time.Millisecond, "every delivery recorded as delivered")

		ds, err := outbox.Deliveries(t.Context(), "site1", 0)
		require.NoError(t, err)
		for _, d := range ds {
			assert.Equal(t, 3, d.Attempts, "two failures, then success")
			assert.Equal(t, http.StatusOK, d.LastStatus)
			assert.Empty(t, d.LastError)
			assert.False(t, d.GaveUp)
			assert.Equal(t, webhook.EventMessageCreated, d.Event)
		}

		hits := rcv.allHits()
		assert.Len(t, hits, 3*events)
		ns := map[float64]bool{}
		for _, h := range hits {
			require.NoError(t, h.verifyErr, "every request carries a valid signature")
			assert.Equal(t, webhook.EventMessageCreated, h.event)
			assert.Equal(t, h.eventID, h.body["id"], "the header and body carry the same event id")
			assert.Equal(t, webhook.EventMessageCreated, h.body["type"])
			assert.Equal(t, "site1", h.body["site"])
			created, _ := h.body["created_at"].(string)
			_, err := time.Parse(time.RFC3339Nano, created)
			assert.NoError(t, err, "created_at is RFC 3339")
			data, _ := h.body["data"].(map[string]any)
			n, _ := data["n"].(float64)
			ns[n] = true
		}
		assert.Len(t, ns, events, "every event's data arrives")
	})
}

// recorder is an Outbox that remembers every recorded attempt.
type recorder struct {
	session.Outbox
	mu       sync.Mutex
	attempts []session.Delivery
}

func (r *recorder) RecordAttempt(ctx context.Context, d session.Delivery) error {
	r.mu.Lock()
	r.attempts = append(r.attempts, d)
	r.mu.Unlock()
	return r.Outbox.RecordAttempt(ctx, d)
}

func (r *recorder) recorded() []session.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]session.Delivery(nil), r.attempts...)
}

func TestBackoffThenGiveUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, newOutbox func() session.Outbox) {
		rcv := newReceiver(t, "k", func(hit, int) int { return http.StatusServiceUnavailable })
		rec := &recorder{Outbox: newOutbox()}
		cfg := fastConfig(map[string][]webhook.Receiver{"site1": {{URL: rcv.srv.URL, Secret: "k"}}})
		cfg.MaxAttempts = 6
		cfg.BaseDelay = 10 * time.Millisecond
		cfg.MaxDelay = 40 * time.Millisecond
		d := webhook.New(cfg, rec, testLogger(t))
		run(t, d)
		require.NoError(t, d.Emit(t.Context(), "site1", webhook.EventConversationClosed, nil))

		require.Eventually(t, func() bool {
			a := rec.recorded()
			return len(a) > 0 && a[len(a)-1].GaveUp
		}, waitFor, 5*time.Millisecond, "the delivery is given up")
		attempts := rec.recorded()
		require.Len(t, attempts, 6, "exactly MaxAttempts attempts")
		var prev time.Duration
		for i, a := range attempts[:5] {
			assert.Equal(t, i+1, a.Attempts)
			assert.False(t, a.GaveUp)
			assert.Equal(t, http.StatusServiceUnavailable, a.LastStatus)
			assert.Contains(t, a.LastError, "status 503")
			wait := a.NextAt.Sub(a.UpdatedAt)
			full := min(10*time.Millisecond<<i, 40*time.Millisecond)
			assert.GreaterOrEqual(t, wait, full/2, "attempt %d waits at least half its delay", i+1)
			assert.LessOrEqual(t, wait, full, "attempt %d waits at most its delay, capped", i+1)
			if full < 40*time.Millisecond {
				assert.GreaterOrEqual(t, wait, prev, "waits grow until the cap")
			}
			prev = wait
		}
		last := attempts[5]
		assert.True(t, last.GaveUp)
		assert.False(t, last.Delivered)
		assert.True(t, last.NextAt.IsZero())

		// Nothing more arrives after giving up.
		time.Sleep(100 * time.Millisecond)
		assert.Len(t, rcv.allHits(), 6)
		ds, err := rec.Deliveries(t.Context(), "site1", 10)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.True(t, ds[0].GaveUp)
		assert.Equal(t, 6, ds[0].Attempts)
		assert.Contains(t, ds[0].LastError, "503")
	})
}

func TestHangingReceiverDoesNotBlock(t *testing.T) {
	eachBackend(t, func(t *testing.T, newOutbox func() session.Outbox) {
		release := make(chan struct{})
		var releaseOnce sync.Once
		defer releaseOnce.Do(func() { close(release) })
		hung := make(chan struct{}, 10)
		slow := newReceiver(t, "a", func(hit, int) int {
			hung <- struct{}{}
			<-release
			return http.StatusOK
		})
		fast := newReceiver(t, "b", nil)
		cfg := fastConfig(map[string][]webhook.Receiver{
			"slow": {{URL: slow.srv.URL, Secret: "a"}},
			"fast": {{URL: fast.srv.URL, Secret: "b"}},
		})
		cfg.Workers = 2
		d := webhook.New(cfg, newOutbox(), testLogger(t))
		stop := run(t, d)

		require.NoError(t, d.Emit(t.Context(), "slow", webhook.EventMessageCreated, "x"))
		select {
		case <-hung:
		case <-time.After(waitFor):
			t.Fatal("the slow receiver never got its request")
		}
		const n = 10
		for i := range n {
			require.NoError(t, d.Emit(t.Context(), "fast", webhook.EventMessageCreated, i))
		}
		fast.waitAccepted(n)
		assert.Empty(t, slow.accepted(), "the slow receiver is still hanging")

		releaseOnce.Do(func() { close(release) })
		slow.waitAccepted(1)
		stop()
	})
}

func TestDeliveriesSurviveRestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, newOutbox func() session.Outbox) {
		var mu sync.Mutex
		down := true
		rcv := newReceiver(t, "k", func(hit, int) int {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return http.StatusBadGateway
			}
			return http.StatusNoContent
		})
		sites := map[string][]webhook.Receiver{"site1": {{URL: rcv.srv.URL, Secret: "k"}}}
		cfg := fastConfig(sites)
		cfg.BaseDelay, cfg.MaxDelay = 50*time.Millisecond, 100*time.Millisecond

		first := webhook.New(cfg, newOutbox(), testLogger(t))
		stopFirst := run(t, first)
		const n = 4
		for i := range n {
			require.NoError(t, first.Emit(t.Context(), "site1", webhook.EventConversationCreated, i))
		}
		require.Eventually(t, func() bool { return len(rcv.allHits()) >= n }, waitFor, 5*time.Millisecond)
		stopFirst()

		// Emitted while no dispatcher runs: stored, not sent.
		require.NoError(t, first.Emit(t.Context(), "site1", webhook.EventConversationClosed, "late"))
		mu.Lock()
		down = false
		mu.Unlock()

		second := webhook.New(cfg, newOutbox(), testLogger(t))
		run(t, second)
		acc := rcv.waitAccepted(n + 1)
		for id, c := range acc {
			assert.Equal(t, 1, c, "event %s accepted once", id)
		}
		require.Eventually(t, func() bool {
			ds, err := newOutbox().Deliveries(t.Context(), "site1", 0)
			if err != nil || len(ds) != n+1 {
				return false
			}
			for _, d := range ds {
				if !d.Delivered || d.Attempts < 1 {
					return false
				}
			}
			return true
		}, waitFor, 5*time.Millisecond, "the restarted dispatcher delivers every stored event")
		ds, err := newOutbox().Deliveries(t.Context(), "site1", 0)
		require.NoError(t, err)
		assert.Equal(t, webhook.EventConversationClosed, ds[0].Event, "newest first")
		for _, d := range ds[1:] {
			assert.GreaterOrEqual(t, d.Attempts, 2, "failed before the restart, delivered after")
		}
	})
}

func TestTwoDispatchersDeliverOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, newOutbox func() session.Outbox) {
		rcv := newReceiver(t, "k", nil)
		cfg := fastConfig(map[string][]webhook.Receiver{"site1": {{URL: rcv.srv.URL, Secret: "k"}}})
		a := webhook.New(cfg, newOutbox(), testLogger(t))
		b := webhook.New(cfg, newOutbox(), testLogger(t))
		run(t, a)
		run(t, b)
		const n = 40
		for i := range n {
			d := a
			if i%2 == 1 {
				d = b
			}
			require.NoError(t, d.Emit(t.Context(), "site1", webhook.EventMessageCreated, i))
		}
		rcv.waitAccepted(n)
		time.Sleep(50 * time.Millisecond) // room for a duplicate to show up
		assert.Len(t, rcv.allHits(), n, "each event is sent exactly once in the normal case")
		for id, c := range rcv.accepted() {
			assert.Equal(t, 1, c, "event %s", id)
		}
	})
}

func TestEmitRouting(t *testing.T) {
	ctx := t.Context()
	m := session.NewMemory(session.MemoryConfig{})
	d := webhook.New(webhook.Config{Sites: map[string][]webhook.Receiver{
		"site1": {
			{URL: "http://127.0.0.1:1/all", Secret: "a"},
			{URL: "http://127.0.0.1:1/closed", Secret: "b", Events: []string{webhook.EventConversationClosed}},
			{URL: "http://127.0.0.1:1/all", Secret: "dup"}, // the same URL twice gets one delivery
		},
	}}, m, nil)

	require.NoError(t, d.Emit(ctx, "other", webhook.EventMessageCreated, nil), "no receivers: no-op")
	ds, err := m.Deliveries(ctx, "other", 0)
	require.NoError(t, err)
	assert.Empty(t, ds)

	require.NoError(t, d.Emit(ctx, "site1", webhook.EventMessageCreated, "hi"))
	ds, err = m.Deliveries(ctx, "site1", 0)
	require.NoError(t, err)
	require.Len(t, ds, 1, "only the receiver of every event wants message.created")

	require.NoError(t, d.Emit(ctx, "site1", webhook.EventConversationClosed, "bye"))
	ds, err = m.Deliveries(ctx, "site1", 0)
	require.NoError(t, err)
	require.Len(t, ds, 3)
	closed := ds[:2]
	assert.NotEqual(t, closed[0].ID, closed[1].ID, "one delivery per receiver")
	assert.Equal(t, closed[0].Body, closed[1].Body, "every receiver gets the same body and event id")
	for _, c := range closed {
		assert.Equal(t, webhook.EventConversationClosed, c.Event)
		assert.Equal(t, "site1", c.SiteID)
	}

	assert.Error(t, d.Emit(ctx, "site1", webhook.EventMessageCreated, func() {}), "unencodable data")
}

func TestReceiverRemovedGivesUp(t *testing.T) {
	m := session.NewMemory(session.MemoryConfig{})
	rcv := newReceiver(t, "k", nil)
	old := webhook.New(webhook.Config{Sites: map[string][]webhook.Receiver{
		"site1": {{URL: rcv.srv.URL, Secret: "k"}},
	}}, m, nil)
	require.NoError(t, old.Emit(t.Context(), "site1", webhook.EventMessageCreated, 1))

	cfg := fastConfig(map[string][]webhook.Receiver{"site1": {{URL: rcv.srv.URL + "/moved", Secret: "k"}}})
	run(t, webhook.New(cfg, m, testLogger(t)))
	require.Eventually(t, func() bool {
		ds, err := m.Deliveries(t.Context(), "site1", 0)
		return err == nil && len(ds) == 1 && ds[0].GaveUp
	}, waitFor, 5*time.Millisecond)
	ds, _ := m.Deliveries(t.Context(), "site1", 0)
	assert.Contains(t, ds[0].LastError, "no receiver")
	assert.Empty(t, rcv.allHits())
}

func TestRedirectIsFailure(t *testing.T) {
	m := session.NewMemory(session.MemoryConfig{})
	target := newReceiver(t, "k", nil)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	cfg := webhook.Config{
		Sites:       map[string][]webhook.Receiver{"s": {{URL: redirect.URL, Secret: "k"}}},
		MaxAttempts: 1,
		Poll:        10 * time.Millisecond,
	}
	d := webhook.New(cfg, m, testLogger(t))
	run(t, d)
	require.NoError(t, d.Emit(t.Context(), "s", webhook.EventMessageCreated, "x"))
	require.Eventually(t, func() bool {
		ds, err := m.Deliveries(t.Context(), "s", 0)
		return err == nil && len(ds) == 1 && ds[0].GaveUp
	}, waitFor, 5*time.Millisecond)
	ds, _ := m.Deliveries(t.Context(), "s", 0)
	assert.Equal(t, http.StatusFound, ds[0].LastStatus, "the default client does not follow redirects")
	assert.Empty(t, target.allHits())
}
