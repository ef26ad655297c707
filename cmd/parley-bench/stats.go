package main

import (
	"sort"
	"sync"
	"sync/atomic"
)

// runStats is what a load run measures. Latencies are recorded only for
// messages scheduled inside the measurement window; the rest (warm-up) are
// only counted.
type runStats struct {
	from, to atomic.Int64 // the measurement window [from, to) on the run's clock

	// Delivery latency from the scheduled send time, by direction, and from
	// the time the write started (which leaves out the generator's own lag).
	c2a, a2c, all      histogram
	c2aWrite, a2cWrite histogram
	ack                histogram // scheduled send to the sender's ack
	lag                histogram // scheduled send to write start: the generator's lag

	sentC2A, sentA2C atomic.Uint64
	recvC2A, recvA2C atomic.Uint64
	echoes           atomic.Uint64 // a sender's own message coming back to it
	outside          atomic.Uint64 // deliveries of messages sent in the warm-up
	writeErrs        atomic.Uint64

	errMu    sync.Mutex
	errCodes map[string]uint64
}

func newRunStats() *runStats {
	s := &runStats{errCodes: map[string]uint64{}}
	s.from.Store(1<<63 - 1) // nothing is in the window until it is set
	return s
}

// SetWindow sets the measurement window; call it before sending starts.
func (s *runStats) SetWindow(from, to int64) {
	s.to.Store(to)
	s.from.Store(from)
}

func (s *runStats) inWindow(t int64) bool { return t >= s.from.Load() && t < s.to.Load() }

// Sent records a message written at w that was scheduled for t.
func (s *runStats) Sent(dir byte, t, w int64) {
	if !s.inWindow(t) {
		return
	}
	s.lag.Record(durationOf(w - t))
	if dir == dirCustomer {
		s.sentC2A.Add(1)
	} else {
		s.sentA2C.Add(1)
	}
}

// Deliver records a benchmark message received at now by a peer that sends
// in direction own.
func (s *runStats) Deliver(own byte, st stamp, now int64) {
	switch {
	case st.dir == own:
		s.echoes.Add(1)
		return
	case !s.inWindow(st.s):
		s.outside.Add(1)
		return
	}
	s.all.Record(durationOf(now - st.s))
	if st.dir == dirCustomer {
		s.c2a.Record(durationOf(now - st.s))
		s.c2aWrite.Record(durationOf(now - st.w))
		s.recvC2A.Add(1)
	} else {
		s.a2c.Record(durationOf(now - st.s))
		s.a2cWrite.Record(durationOf(now - st.w))
		s.recvA2C.Add(1)
	}
}

// Ack records the ack, received at now, of a message scheduled for t.
func (s *runStats) Ack(t, now int64) {
	if s.inWindow(t) {
		s.ack.Record(durationOf(now - t))
	}
}

// SentTotal returns the messages sent in the window so far.
func (s *runStats) SentTotal() uint64 { return s.sentC2A.Load() + s.sentA2C.Load() }

// Delivered returns the messages of the window delivered so far.
func (s *runStats) Delivered() uint64 { return s.recvC2A.Load() + s.recvA2C.Load() }

// CountError counts an error frame from the gateway by its code.
func (s *runStats) CountError(code string) {
	s.errMu.Lock()
	s.errCodes[code]++
	s.errMu.Unlock()
}

// ErrorCodes returns the counted error codes, most frequent first, their
// counts and the total.
func (s *runStats) ErrorCodes() (codes []string, counts map[string]uint64, total uint64) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	counts = make(map[string]uint64, len(s.errCodes))
	for c, n := range s.errCodes {
		codes = append(codes, c)
		counts[c] = n
		total += n
	}
	sort.Slice(codes, func(i, j int) bool { return counts[codes[i]] > counts[codes[j]] })
	return codes, counts, total
}
