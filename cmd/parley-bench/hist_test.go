package main

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBucketsAreContiguousAndOrdered(t *testing.T) {
	var prevHi uint64
	for i := range histBuckets {
		lo, hi := bucketBounds(i)
		require.LessOrEqual(t, lo, hi, "bucket %d", i)
		if i > 0 {
			require.Equal(t, prevHi+1, lo, "bucket %d must start after bucket %d", i, i-1)
		}
		require.Equal(t, i, bucketOf(lo), "lower bound of bucket %d", i)
		require.Equal(t, i, bucketOf(hi), "upper bound of bucket %d", i)
		prevHi = hi
	}
	assert.Equal(t, uint64(1<<64-1), prevHi, "the buckets cover every uint64")
}

func TestBucketPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		v := r.Uint64N(uint64(time.Hour))
		lo, hi := bucketBounds(bucketOf(v))
		require.True(t, lo <= v && v <= hi, "v=%d in [%d,%d]", v, lo, hi)
		require.LessOrEqual(t, float64(hi-lo), float64(v)/64+1, "bucket width of v=%d", v)
	}
}

func TestQuantilesMatchSortedSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h histogram
	samples := make([]time.Duration, 0, 100000)
	for range cap(samples) {
		// Log-normal-ish spread from a few µs to tens of ms.
		d := time.Duration(r.ExpFloat64() * r.ExpFloat64() * float64(200*time.Microsecond))
		samples = append(samples, d)
		h.Record(d)
	}
	slices.Sort(samples)
	require.Equal(t, uint64(len(samples)), h.Count())
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := samples[int(q*float64(len(samples)))-1]
		got := h.Quantile(q)
		assert.InEpsilon(t, float64(exact), float64(got), 1.0/64+1e-9, "q=%v exact=%v got=%v", q, exact, got)
		assert.GreaterOrEqual(t, got, exact, "q=%v reports the bucket's upper bound", q)
	}
	assert.Equal(t, samples[len(samples)-1], h.Max())
	assert.Equal(t, h.Max(), h.Quantile(1))
}

func TestQuantileSmallCounts(t *testing.T) {
	var h histogram
	assert.Zero(t, h.Quantile(0.5), "empty histogram")
	assert.Zero(t, h.Mean())

	h.Record(100 * time.Microsecond)
	for _, q := range []float64{0, 0.5, 0.999, 1} {
		assert.Equal(t, 100*time.Microsecond, h.Quantile(q), "one sample is every quantile, q=%v", q)
	}
	h.Record(-time.Second)
	assert.Equal(t, uint64(2), h.Count())
	assert.Zero(t, h.Quantile(0.5), "a negative duration counts as zero")
	assert.Equal(t, 50*time.Microsecond, h.Mean())
}

func TestRecordConcurrent(t *testing.T) {
	var h histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Record(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(8000), h.Count())
	assert.Equal(t, 7999*time.Microsecond, h.Max())
}
