package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestPacerNeverWakesEarly checks that a pacer, precise or not, and after
// Stop, returns no sooner than the time it was given: an early send would
// make the gateway look faster than it is.
func TestPacerNeverWakesEarly(t *testing.T) {
	clk := newClock()
	for _, precise := range []bool{true, false} {
		p := newPacer(clk, precise)
		for i := range 40 {
			if i == 20 {
				p.Stop()
			}
			due := clk.Now() + int64(200*time.Microsecond)
			p.SleepUntil(due)
			assert.GreaterOrEqual(t, clk.Now(), due, "precise %v, sleep %d", precise, i)
		}
		p.SleepUntil(clk.Now() - 1) // a time passed returns at once
		p.Stop()
	}
}
