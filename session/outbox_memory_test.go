package session_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestMemoryOutboxContract(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) session.Outbox { return session.NewMemory(session.MemoryConfig{}) })
}

// TestMemoryOutboxKeepsPending checks that trimming a site's list never drops
// a delivery that still waits for an attempt.
func TestMemoryOutboxKeepsPending(t *testing.T) {
	ctx := t.Context()
	m := session.NewMemory(session.MemoryConfig{})
	t0 := time.Now().Add(-time.Hour)
	require.NoError(t, m.EnqueueDelivery(ctx, session.Delivery{ID: "first", SiteID: "s", CreatedAt: t0}))
	for i := range 1000 {
		require.NoError(t, m.EnqueueDelivery(ctx, session.Delivery{
			ID: "d" + strconv.Itoa(i), SiteID: "s", CreatedAt: t0.Add(time.Second), Delivered: true,
		}))
	}
	list, err := m.Deliveries(ctx, "s", 0)
	require.NoError(t, err)
	assert.Len(t, list, 1000, "the list is capped")
	got, err := m.ClaimDeliveries(ctx, time.Now(), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, got, 1, "finished deliveries are never claimed, the trimmed pending one still is")
	assert.Equal(t, "first", got[0].ID)
}
