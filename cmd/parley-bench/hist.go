package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts durations in log-linear buckets, in the manner of an HDR
// histogram: values below 128 ns have a bucket each, and above that every
// power of two is split into 64 buckets, so a reported percentile is within
// 1/64 (1.6 %) of the true value. Record is safe for concurrent use and does
// not allocate.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64
	max    atomic.Int64
}

const (
	histSubBits = 6 // 64 linear buckets per power of two
	histSub     = 1 << histSubBits
	// histBuckets covers every non-negative int64.
	histBuckets = (65 - histSubBits) * histSub
)

// bucketOf returns the bucket index of a non-negative value v.
func bucketOf(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1 // v >> e is in [histSub, 2*histSub)
	return e*histSub + int(v>>e)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	if i < 2*histSub {
		return uint64(i), uint64(i)
	}
	e := i/histSub - 1
	m := uint64(i%histSub + histSub)
	return m << e, (m+1)<<e - 1
}

// Record adds one duration; negative durations count as zero.
func (h *histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(uint64(v))].Add(1)
	h.n.Add(1)
	h.sum.Add(uint64(v))
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// Count returns the number of recorded durations.
func (h *histogram) Count() uint64 { return h.n.Load() }

// Max returns the largest recorded duration.
func (h *histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the mean recorded duration, 0 when there is none.
func (h *histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Quantile returns the duration below or at which a fraction q (0 to 1) of
// the recorded durations fall: the upper bound of the bucket holding the
// rank ceil(q*n), never more than Max. It returns 0 when nothing was
// recorded. Call it once recording has stopped.
func (h *histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q * float64(n))
	if float64(rank) < q*float64(n) {
		rank++
	}
	rank = max(rank, 1)
	rank = min(rank, n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			_, hi := bucketBounds(i)
			return min(time.Duration(hi), h.Max())
		}
	}
	return h.Max()
}
