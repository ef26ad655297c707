package webhook

import "time"

// backoff returns the wait after the given failed attempt (1 for the first):
// base doubled per earlier failure and capped at max, of which the upper
// half is jitter (jitter in [0, 1)), so that receivers that fail together
// are not retried in lockstep. Waits never shrink from one attempt to the
// next: the lower bound of each is the upper bound of the one before, until
// the cap.
func backoff(base, max time.Duration, attempt int, jitter float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(jitter*float64(d/2))
}
