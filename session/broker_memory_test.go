package session_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestMemoryBroker(t *testing.T) {
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return session.NewMemoryBroker() })
}

func TestMemoryBrokerShared(t *testing.T) {
	shared := session.NewMemoryBroker()
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return shared })
}

func TestMemoryBrokerSynchronous(t *testing.T) {
	ctx := t.Context()
	b := session.NewMemoryBroker()
	var got [][]byte
	cancel, err := b.Subscribe(ctx, "t", func(p []byte) { got = append(got, p) })
	require.NoError(t, err)
	defer cancel()

	require.NoError(t, b.Publish(ctx, "t", []byte("a")))
	require.NoError(t, b.Publish(ctx, "t", nil))
	require.Len(t, got, 2, "delivery happens before Publish returns")
	assert.Equal(t, "a", string(got[0]))
	assert.NotNil(t, got[1], "nil is reserved for lost events; a published nil arrives empty")
	assert.Empty(t, got[1])
}

func TestMemoryBrokerReentrant(t *testing.T) {
	ctx := t.Context()
	b := session.NewMemoryBroker()

	// A subscriber that publishes elsewhere and cancels itself from fn.
	var echoed []string
	cancelEcho, err := b.Subscribe(ctx, "echo", func(p []byte) { echoed = append(echoed, string(p)) })
	require.NoError(t, err)
	defer cancelEcho()
	var calls int
	var cancelOnce func()
	cancelOnce, err = b.Subscribe(ctx, "in", func(p []byte) {
		calls++
		assert.NoError(t, b.Publish(ctx, "echo", p))
		cancelOnce()
	})
	require.NoError(t, err)
	// A subscriber added from within fn gets the next payload, not this one.
	var late atomic.Int32
	_, err = b.Subscribe(ctx, "in", func([]byte) {
		_, err := b.Subscribe(ctx, "in", func([]byte) { late.Add(1) })
		assert.NoError(t, err)
	})
	require.NoError(t, err)

	require.NoError(t, b.Publish(ctx, "in", []byte("x")))
	require.NoError(t, b.Publish(ctx, "in", []byte("y")))
	assert.Equal(t, 1, calls, "a subscriber that cancelled itself gets nothing more")
	assert.Equal(t, []string{"x"}, echoed)
	assert.Equal(t, int32(1), late.Load())
}

func TestMemoryBrokerErrors(t *testing.T) {
	b := session.NewMemoryBroker()
	_, err := b.Subscribe(t.Context(), "t", nil)
	require.Error(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = b.Subscribe(ctx, "t", func([]byte) {})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, b.Publish(ctx, "t", []byte("x")), context.Canceled)
}

func TestMemoryBrokerConcurrent(t *testing.T) {
	ctx := t.Context()
	b := session.NewMemoryBroker()
	var delivered atomic.Int64
	stable, err := b.Subscribe(ctx, "t", func([]byte) { delivered.Add(1) })
	require.NoError(t, err)
	defer stable()

	const publishers, each = 4, 200
	var wg sync.WaitGroup
	for range publishers {
		wg.Go(func() {
			for range each {
				assert.NoError(t, b.Publish(ctx, "t", []byte("p")))
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				cancel, err := b.Subscribe(ctx, "t", func([]byte) {})
				if !assert.NoError(t, err) {
					return
				}
				cancel()
				cancel()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(publishers*each), delivered.Load(), "a steady subscriber misses nothing")
}

func BenchmarkMemoryBrokerPublish(b *testing.B) {
	ctx := context.Background()
	br := session.NewMemoryBroker()
	for _, subs := range []int{1, 4} {
		topic := fmt.Sprint("t", subs)
		for range subs {
			_, err := br.Subscribe(ctx, topic, func([]byte) {})
			require.NoError(b, err)
		}
		payload := []byte(`{"type":"message","seq":1,"text":"hello there"}`)
		b.Run(fmt.Sprint("subscribers=", subs), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := br.Publish(ctx, topic, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
