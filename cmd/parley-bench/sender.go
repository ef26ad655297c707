package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// sender writes one direction's messages for a share of the peers on a fixed
// schedule, open-loop: the k-th message is due at start + offset + k*every
// whether or not earlier ones were answered, and a sender that falls behind
// sends what is due at once. Latency is measured from the due time, so a
// stalled gateway (or generator) shows in the results instead of quietly
// lowering the rate.
type sender struct {
	dir    byte
	peers  []*peer
	start  int64   // the clock time of the first send
	offset float64 // nanoseconds after start of this sender's first message
	every  float64 // nanoseconds between this sender's messages
	stop   int64   // no message is due at or after stop
}

// planSenders splits the total rate evenly between the two directions and,
// within each, between up to o.Senders goroutines, each owning every
// o.Senders-th peer; the senders of a direction are staggered so that their
// messages interleave evenly.
func planSenders(o runOptions, customers, agents []*peer, start, stop int64) []*sender {
	perDir := o.Rate / 2
	n := min(o.Senders, len(customers))
	var out []*sender
	for _, side := range [][]*peer{customers, agents} {
		for j := range n {
			s := &sender{
				dir:    side[0].dir,
				start:  start,
				offset: float64(j) * float64(time.Second) / perDir,
				every:  float64(n) * float64(time.Second) / perDir,
				stop:   stop,
			}
			for i := j; i < len(side); i += n {
				p := side[i]
				p.payload = newPayload(p.dir, p.conv)
				s.peers = append(s.peers, p)
			}
			out = append(out, s)
		}
	}
	return out
}

// Run sends until the schedule reaches its end or abort is set, sleeping
// with a precise pacer when precise is set.
func (s *sender) Run(clk clock, st *runStats, precise bool, abort *atomic.Bool) {
	pc := newPacer(clk, precise)
	defer pc.Stop()
	for k := 0; ; k++ {
		due := s.start + int64(s.offset+float64(k)*s.every)
		if due >= s.stop || abort.Load() {
			return
		}
		pc.SleepUntil(due)
		p := s.peers[k%len(s.peers)]
		w := clk.Now()
		// A context that is never done keeps the write free of timers; a
		// stuck connection is unblocked when the run closes it.
		if err := p.c.ws.Write(context.Background(), websocket.MessageText, p.payload.Stamp(due, w)); err != nil {
			st.writeErrs.Add(1)
			continue
		}
		st.Sent(s.dir, due, w)
	}
}
