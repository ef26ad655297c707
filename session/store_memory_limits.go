package session

import (
	"maps"
	"math"
	"time"
)

// How Memory applies its Limits. Each bound is kept by work done in batches
// by the writes that add state, so every call costs amortised constant time
// and nothing runs in the background; reads hide what is past its time
// meanwhile, so that callers see what the Redis store shows.
//
//   - A history is trimmed back to MaxLen once it holds an eighth more
//     (histSlackMin more at least): one copy of MaxLen messages every
//     MaxLen/8 appends, in the backing array it already has.
//   - A client ID's entry carries its expiry; a conversation's entries are
//     swept once they have doubled in number since the last sweep, as the
//     cache is.
//   - Close lists the conversation in s.closed, in closing order; Open and
//     Close drop those listed whose retention has run out. One written to
//     since it was listed is listed again with its new expiry.

// histSlackMin is the fewest messages past MaxLen a history holds before it
// is trimmed.
const histSlackMin = 16

// sentSweepMin is the number of client IDs in a conversation below which
// append never sweeps them.
const sentSweepMin = 256

// memSent is the seq of a message stored with a client ID, and when the ID
// is forgotten as a time since the store's epoch, which is a third of the
// size of a time.Time.
type memSent struct {
	seq     int64
	expires time.Duration
}

// memExpiry is a closed conversation and when it expired as of its listing.
type memExpiry struct {
	mc *memConv
	at time.Time
}

// live returns the conversation with the given ID, unless there is none or
// it has expired. The caller holds s.mu.
func (s *Memory) live(id string) (*memConv, bool) {
	mc, ok := s.convs[id]
	// Only a closed conversation expires: others need not read the clock.
	if !ok || mc.c.State == StateClosed && s.expired(mc, s.now()) {
		return nil, false
	}
	return mc, true
}

// expired reports whether mc is closed and was last written Retention or
// longer before now.
func (s *Memory) expired(mc *memConv, now time.Time) bool {
	return mc.c.State == StateClosed && !now.Before(mc.c.UpdatedAt.Add(s.limits.Retention))
}

// expire drops the listed closed conversations that have expired by now.
// The caller holds s.mu.
func (s *Memory) expire(now time.Time) {
	for len(s.closed) > 0 && !now.Before(s.closed[0].at) {
		mc := s.closed[0].mc
		s.closed[0] = memExpiry{}
		s.closed = s.closed[1:]
		if !s.expired(mc, now) {
			s.closed = append(s.closed, memExpiry{mc, mc.c.UpdatedAt.Add(s.limits.Retention)})
			continue
		}
		s.drop(mc)
	}
}

// drop removes an expired conversation from the store. Close already took
// it out of its site's queue and its visitor's entry; its site's list
// forgets it in batches, once half the list is dropped conversations. The
// caller holds s.mu.
func (s *Memory) drop(mc *memConv) {
	delete(s.convs, mc.c.ID)
	mc.gone = true
	site := s.site(mc.c.SiteID)
	site.gone++
	if 2*site.gone < len(site.convs) {
		return
	}
	kept := make([]*memConv, 0, len(site.convs)-site.gone)
	for _, c := range site.convs {
		if !c.gone {
			kept = append(kept, c)
		}
	}
	site.convs, site.gone = kept, 0
}

// message returns the stored message with the given seq, unless it was
// never stored or has been trimmed.
func (mc *memConv) message(seq int64) (*Message, bool) {
	i := seq - (mc.c.LastSeq - int64(len(mc.msgs))) - 1
	if i < 0 || i >= int64(len(mc.msgs)) {
		return nil, false
	}
	return &mc.msgs[i], true
}

// histSlack is how many messages past maxLen a history holds before it is
// trimmed.
func histSlack(maxLen int64) int64 { return max(maxLen/8, histSlackMin) }

// trim drops the oldest messages but the newest MaxLen. The caller holds
// s.mu.
func (s *Memory) trim(mc *memConv) {
	over := int64(len(mc.msgs)) - s.limits.MaxLen
	if over <= 0 {
		return
	}
	n := copy(mc.msgs, mc.msgs[over:])
	clear(mc.msgs[n:])
	mc.msgs = mc.msgs[:n]
}

// sentSeq returns the seq of the message stored with the client ID, unless
// there is none or the ID has been forgotten by now.
func (s *Memory) sentSeq(mc *memConv, k clientKey, now time.Time) (int64, bool) {
	e, ok := mc.sent[k]
	if !ok || now.Sub(s.epoch) >= e.expires {
		return 0, false
	}
	return e.seq, true
}

// remember records the seq stored with a client ID, and drops the expired
// IDs once there are twice as many as after the last sweep. The caller
// holds s.mu.
func (s *Memory) remember(mc *memConv, k clientKey, seq int64, now time.Time) {
	if mc.sent == nil {
		mc.sent = make(map[clientKey]memSent)
		mc.sentSweepAt = sentSweepMin
	}
	since := now.Sub(s.epoch)
	expires := since + s.limits.IdempotencyTTL
	if expires < since { // a TTL of centuries
		expires = math.MaxInt64
	}
	mc.sent[k] = memSent{seq: seq, expires: expires}
	if len(mc.sent) < mc.sentSweepAt {
		return
	}
	maps.DeleteFunc(mc.sent, func(_ clientKey, e memSent) bool { return since >= e.expires })
	mc.sentSweepAt = max(2*len(mc.sent), sentSweepMin)
}
