package main

import "time"

// clock reads monotonic nanoseconds since the run began, the time base of
// every stamp the generator sends.
type clock struct{ base time.Time }

func newClock() clock { return clock{base: time.Now()} }

// Now returns the nanoseconds elapsed since the clock was made.
func (c clock) Now() int64 { return int64(time.Since(c.base)) }
