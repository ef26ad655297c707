package translate

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// fakeClock is a settable clock for breaker tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBreaker(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	b := newBreaker(3, time.Minute, clk.now)
	for range 2 {
		assert.True(t, b.allow())
		b.done(false)
	}
	assert.Equal(t, breakerClosed, b.current())
	assert.True(t, b.allow())
	b.done(true) // success resets the count
	for range 3 {
		assert.True(t, b.allow())
		b.done(false)
	}
	assert.Equal(t, breakerOpen, b.current())
	assert.False(t, b.allow())

	clk.add(time.Minute)
	assert.True(t, b.allow(), "one probe after the cool-down")
	assert.False(t, b.allow(), "only one probe at a time")
	before, after := b.done(false)
	assert.Equal(t, breakerHalfOpen, before)
	assert.Equal(t, breakerOpen, after)
	assert.False(t, b.allow())

	clk.add(time.Minute)
	assert.True(t, b.allow())
	b.done(true)
	assert.Equal(t, breakerClosed, b.current())
	assert.True(t, b.allow())
}
