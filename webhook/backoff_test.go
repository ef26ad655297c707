package webhook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffGrowsAndCaps(t *testing.T) {
	const base, max = time.Second, 10 * time.Minute
	var prevHigh time.Duration
	for attempt := 1; attempt <= 40; attempt++ {
		low := backoff(base, max, attempt, 0)
		high := backoff(base, max, attempt, 0.999999)
		full := min(base<<min(attempt-1, 20), max)
		assert.Equal(t, full/2, low, "attempt %d", attempt)
		assert.LessOrEqual(t, high, full, "attempt %d", attempt)
		assert.LessOrEqual(t, high, max, "attempt %d is capped", attempt)
		if full < max {
			assert.GreaterOrEqual(t, low, prevHigh/2, "attempt %d", attempt)
			assert.GreaterOrEqual(t, low, base/2)
		}
		if attempt > 1 && full < max {
			assert.Equal(t, prevHigh.Round(time.Millisecond), low.Round(time.Millisecond),
				"the least wait of one attempt is the most of the one before")
		}
		prevHigh = high
	}
	assert.Equal(t, max/2, backoff(base, max, 1000, 0), "huge attempt counts do not overflow")
}
