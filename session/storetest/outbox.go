package storetest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// RunOutbox runs the Outbox contract suite. newOutbox is called once per
// subtest and must return an outbox no other subtest claims from (a fresh
// one, or one under its own key prefix), because claims are not per site.
func RunOutbox(t *testing.T, newOutbox func(t *testing.T) session.Outbox) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *outboxFixture)
	}{
		{"EnqueueIdempotent", testEnqueueIdempotent},
		{"ClaimDueOnly", testClaimDueOnly},
		{"ClaimOldestFirstAndLimit", testClaimOldestFirstAndLimit},
		{"LeaseHides", testLeaseHides},
		{"RecordReschedules", testRecordReschedules},
		{"FinishedNeverReturn", testFinishedNeverReturn},
		{"ConcurrentClaimers", testConcurrentClaimers},
		{"DeliveriesNewestFirst", testDeliveriesNewestFirst},
		{"RecordUnknown", testRecordUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOutbox(t)
			require.NotNil(t, o, "newOutbox returned nil")
			prefix := "ob-" + session.NewID()[:12] + "-"
			tc.fn(t, &outboxFixture{t: t, ctx: t.Context(), o: o, prefix: prefix, site: prefix + "site"})
		})
	}
}

// outboxFixture is one subtest's outbox with names nobody else uses.
type outboxFixture struct {
	t      *testing.T
	ctx    context.Context
	o      session.Outbox
	prefix string
	site   string
}

// base is a whole-millisecond time in the past, so that stores that keep
// milliseconds return exactly what they were given.
func base() time.Time { return time.UnixMilli(time.Now().Add(-time.Hour).UnixMilli()) }

// delivery returns a pending delivery of the fixture's site.
func (f *outboxFixture) delivery(name string, created, next time.Time) session.Delivery {
	return session.Delivery{
		ID:        f.prefix + name,
		SiteID:    f.site,
		Event:     "message.created",
		Body:      []byte(`{"id":"` + name + `"}`),
		CreatedAt: created,
		NextAt:    next,
	}
}

func (f *outboxFixture) enqueue(d session.Delivery) {
	f.t.Helper()
	require.NoError(f.t, f.o.EnqueueDelivery(f.ctx, d))
}

func (f *outboxFixture) claim(now time.Time, lease time.Duration, limit int) []session.Delivery {
	f.t.Helper()
	ds, err := f.o.ClaimDeliveries(f.ctx, now, lease, limit)
	require.NoError(f.t, err)
	return ds
}

func ids(ds []session.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testEnqueueIdempotent(t *testing.T, f *outboxFixture) {
	t0 := base()
	d := f.delivery("a", t0, t0)
	f.enqueue(d)
	again := d
	again.Body = []byte(`{"changed":true}`)
	again.Event = "conversation.closed"
	f.enqueue(again)

	got := f.claim(t0.Add(time.Minute), time.Minute, 10)
	require.Len(t, got, 1, "the second enqueue of one ID stores nothing")
	assert.Equal(t, d.ID, got[0].ID)
	assert.Equal(t, f.site, got[0].SiteID)
	assert.Equal(t, "message.created", got[0].Event)
	assert.JSONEq(t, string(d.Body), string(got[0].Body))
	assert.Zero(t, got[0].Attempts)
	assert.False(t, got[0].Delivered)
	assert.False(t, got[0].GaveUp)
	assert.True(t, t0.Equal(got[0].CreatedAt), "created %v, want %v", got[0].CreatedAt, t0)

	list, err := f.o.Deliveries(f.ctx, f.site, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{d.ID}, ids(list))

	require.Error(t, f.o.EnqueueDelivery(f.ctx, session.Delivery{SiteID: f.site}), "a delivery needs an ID")
}

func testClaimDueOnly(t *testing.T, f *outboxFixture) {
	t0 := base()
	f.enqueue(f.delivery("now", t0, t0))
	f.enqueue(f.delivery("later", t0, t0.Add(10*time.Minute)))
	f.enqueue(f.delivery("zero", t0, time.Time{})) // due at once

	got := f.claim(t0.Add(time.Minute), time.Hour, 10)
	assert.ElementsMatch(t, []string{f.prefix + "now", f.prefix + "zero"}, ids(got))

	got = f.claim(t0.Add(10*time.Minute), time.Hour, 10)
	assert.Equal(t, []string{f.prefix + "later"}, ids(got), "due at exactly now counts as due")
	assert.Empty(t, f.claim(t0.Add(11*time.Minute), time.Hour, 0), "limit 0 claims nothing")
}

func testClaimOldestFirstAndLimit(t *testing.T, f *outboxFixture) {
	t0 := base()
	for i, off := range []int{3, 1, 4, 2, 5} {
		f.enqueue(f.delivery("d"+strconv.Itoa(i), t0, t0.Add(time.Duration(off)*time.Second)))
	}
	now := t0.Add(time.Minute)
	got := f.claim(now, time.Hour, 2)
	assert.Equal(t, []string{f.prefix + "d1", f.prefix + "d3"}, ids(got))
	got = f.claim(now, time.Hour, 10)
	assert.Equal(t, []string{f.prefix + "d0", f.prefix + "d2", f.prefix + "d4"}, ids(got))
	assert.Empty(t, f.claim(now, time.Hour, 10))
}

func testLeaseHides(t *testing.T, f *outboxFixture) {
	// Real time and a short lease, for backends that keep their own clock.
	const lease = 300 * time.Millisecond
	t0 := time.UnixMilli(time.Now().UnixMilli())
	f.enqueue(f.delivery("a", t0, t0))
	got := f.claim(time.Now(), lease, 10)
	require.Equal(t, []string{f.prefix + "a"}, ids(got))
	assert.Empty(t, f.claim(time.Now(), lease, 10), "a leased delivery is hidden")

	var again []session.Delivery
	deadline := time.Now().Add(lease + 5*time.Second)
	for len(again) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		again = f.claim(time.Now(), lease, 10)
	}
	assert.Equal(t, []string{f.prefix + "a"}, ids(again), "the delivery comes back when its lease ends")
}

func testRecordReschedules(t *testing.T, f *outboxFixture) {
	t0 := base()
	f.enqueue(f.delivery("a", t0, t0))
	now := t0.Add(time.Second)
	got := f.claim(now, time.Hour, 10)
	require.Len(t, got, 1)

	d := got[0]
	d.Attempts = 1
	d.LastStatus = 500
	d.LastError = "status 500"
	d.UpdatedAt = now
	d.NextAt = now.Add(30 * time.Second)
	require.NoError(t, f.o.RecordAttempt(f.ctx, d))

	assert.Empty(t, f.claim(now.Add(29*time.Second), time.Hour, 10), "not due before NextAt")
	got = f.claim(now.Add(30*time.Second), time.Hour, 10)
	require.Len(t, got, 1, "a recorded attempt ends the lease and re-schedules")
	assert.Equal(t, 1, got[0].Attempts)
	assert.Equal(t, 500, got[0].LastStatus)
	assert.Equal(t, "status 500", got[0].LastError)
	assert.True(t, now.Equal(got[0].UpdatedAt))
	assert.True(t, d.NextAt.Equal(got[0].NextAt), "next %v, want %v", got[0].NextAt, d.NextAt)
	assert.JSONEq(t, `{"id":"a"}`, string(got[0].Body), "the body survives an attempt")
}

func testFinishedNeverReturn(t *testing.T, f *outboxFixture) {
	t0 := base()
	f.enqueue(f.delivery("ok", t0, t0))
	f.enqueue(f.delivery("gaveup", t0.Add(time.Millisecond), t0))
	now := t0.Add(time.Second)
	got := f.claim(now, time.Millisecond, 10)
	require.Len(t, got, 2)
	for _, d := range got {
		d.Attempts = 1
		d.UpdatedAt = now
		d.NextAt = time.Time{}
		if d.ID == f.prefix+"ok" {
			d.Delivered, d.LastStatus = true, 204
		} else {
			d.GaveUp, d.LastError = true, "connection refused"
		}
		require.NoError(t, f.o.RecordAttempt(f.ctx, d))
	}
	assert.Empty(t, f.claim(now.Add(time.Hour), time.Minute, 10), "finished deliveries never come back")

	// A late report from a worker whose lease ran out changes nothing.
	late := got[0]
	late.Attempts, late.Delivered, late.GaveUp = 7, false, false
	late.NextAt = now
	require.NoError(t, f.o.RecordAttempt(f.ctx, late))
	assert.Empty(t, f.claim(now.Add(time.Hour), time.Minute, 10), "a finished delivery is not revived")

	list, err := f.o.Deliveries(f.ctx, f.site, 0)
	require.NoError(t, err)
	require.Len(t, list, 2)
	byID := map[string]session.Delivery{list[0].ID: list[0], list[1].ID: list[1]}
	ok, gave := byID[f.prefix+"ok"], byID[f.prefix+"gaveup"]
	assert.True(t, ok.Delivered)
	assert.False(t, ok.GaveUp)
	assert.Equal(t, 204, ok.LastStatus)
	assert.Equal(t, 1, ok.Attempts)
	assert.True(t, ok.NextAt.IsZero(), "a finished delivery has no next attempt")
	assert.True(t, gave.GaveUp)
	assert.False(t, gave.Delivered)
	assert.Equal(t, "connection refused", gave.LastError)
	assert.True(t, gave.NextAt.IsZero())
}

func testConcurrentClaimers(t *testing.T, f *outboxFixture) {
	const n, claimers = 50, 4
	t0 := base()
	for i := range n {
		f.enqueue(f.delivery("d"+strconv.Itoa(i), t0, t0))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for range 100 { // bounded: 50 deliveries need at most 50 claims
				ds, err := f.o.ClaimDeliveries(f.ctx, time.Now(), time.Hour, 3)
				if !assert.NoError(t, err) || len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, n, "every delivery is claimed")
	for id, c := range seen {
		assert.Equal(t, 1, c, "delivery %s claimed %d times", id, c)
	}
}

func testDeliveriesNewestFirst(t *testing.T, f *outboxFixture) {
	t0 := base()
	other := f.prefix + "other-site"
	for i := range 5 {
		f.enqueue(f.delivery("d"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second), t0))
	}
	od := f.delivery("o", t0, t0)
	od.SiteID = other
	f.enqueue(od)

	list, err := f.o.Deliveries(f.ctx, f.site, 0)
	require.NoError(t, err)
	want := []string{f.prefix + "d4", f.prefix + "d3", f.prefix + "d2", f.prefix + "d1", f.prefix + "d0"}
	assert.Equal(t, want, ids(list))
	for _, d := range list {
		assert.Equal(t, f.site, d.SiteID)
	}

	list, err = f.o.Deliveries(f.ctx, f.site, 2)
	require.NoError(t, err)
	assert.Equal(t, want[:2], ids(list))

	list, err = f.o.Deliveries(f.ctx, other, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{od.ID}, ids(list), "sites are isolated")

	list, err = f.o.Deliveries(f.ctx, f.prefix+"nobody", 10)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testRecordUnknown(t *testing.T, f *outboxFixture) {
	err := f.o.RecordAttempt(f.ctx, session.Delivery{ID: f.prefix + "missing", SiteID: f.site, Attempts: 1})
	require.ErrorIs(t, err, session.ErrNotFound)
	assert.Empty(t, f.claim(time.Now(), time.Minute, 10), "recording an unknown delivery creates nothing")
}
