package translate

import (
	"sync"
	"time"
)

// breakerState is a circuit breaker's state.
type breakerState int

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalfOpen
)

// String names the state for logs.
func (s breakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

// breaker is a per-provider circuit breaker: after failures consecutive
// failures it opens for cooldown, then lets one probe through (half-open);
// the probe's success closes it, its failure opens it again.
type breaker struct {
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu        sync.Mutex
	state     breakerState
	count     int
	openUntil time.Time
	probing   bool
}

// newBreaker returns a closed breaker.
func newBreaker(failures int, cooldown time.Duration, now func() time.Time) *breaker {
	if now == nil {
		now = time.Now
	}
	return &breaker{failures: failures, cooldown: cooldown, now: now}
}

// allow reports whether a call may go through now.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case breakerOpen:
		if b.now().Before(b.openUntil) {
			return false
		}
		b.state, b.probing = breakerHalfOpen, true
		return true
	case breakerHalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
	return true
}

// done records a call's outcome and returns the state before and after.
func (b *breaker) done(ok bool) (before, after breakerState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	before = b.state
	switch {
	case ok:
		b.state, b.count, b.probing = breakerClosed, 0, false
	case b.state == breakerHalfOpen:
		b.state, b.probing, b.openUntil = breakerOpen, false, b.now().Add(b.cooldown)
	default:
		b.count++
		if b.count >= b.failures {
			b.state, b.openUntil = breakerOpen, b.now().Add(b.cooldown)
		}
	}
	return before, b.state
}

// current returns the state.
func (b *breaker) current() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
