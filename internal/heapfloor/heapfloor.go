// Package heapfloor lets a Go process with little live data grow its heap
// to a floor before the garbage collector runs again.
//
// With the default GOGC of 100 the collector runs each time the heap has
// doubled. A gateway with a few megabytes of live data allocating a few
// kilobytes per message then collects several times a second, and each
// collection stops the world for as long as the slowest of its threads
// takes to be scheduled again: milliseconds on a machine whose cores are
// busy. Raising the GC percent while the live heap is small keeps the goal
// at the floor and collections rare; once the live heap is past half the
// floor, GOGC's own rule applies unchanged.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Default is the floor Parley's binaries keep: a gateway's heap holds a
// few megabytes live, and a few tens more cost a server little.
const Default = 64 << 20

// basePercent is GOGC's default, which applies once the live heap is large.
const basePercent = 100

// maxPercent bounds the GC percent, so that a live heap that grows sharply
// between two collections cannot take the goal far past the floor.
const maxPercent = 10_000

// The metrics tune reads: the heap that the last collection found live,
// and the GC percent in force.
const (
	liveMetric    = "/gc/heap/live:bytes"
	percentMetric = "/gc/gogc:percent"
)

// Keep raises the GC percent after every collection so that the heap goal
// is at least floor bytes, until the returned stop is called. It does
// nothing, and stop does nothing, when gogc (the GOGC environment
// variable) is set: the operator's choice stands.
func Keep(floor uint64, gogc string) (stop func()) {
	if gogc != "" || floor == 0 {
		return func() {}
	}
	k := &keeper{floor: floor, sample: []metrics.Sample{{Name: liveMetric}, {Name: percentMetric}}}
	k.tune()
	k.arm()
	return func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if !k.stopped {
			k.stopped = true
			debug.SetGCPercent(basePercent)
		}
	}
}

// keeper holds the state of one Keep.
type keeper struct {
	floor uint64

	mu      sync.Mutex
	sample  []metrics.Sample
	stopped bool
}

// sentinel is an object made to be collected: its cleanup runs after the
// collection that found it unreachable. It is larger than the tiny
// allocator's 16 bytes, which would batch it with other objects.
type sentinel struct{ _ [32]byte }

// arm makes an unreachable sentinel whose cleanup retunes the percent and
// arms the next one, so that tune runs once after each collection.
func (k *keeper) arm() {
	runtime.AddCleanup(new(sentinel), func(k *keeper) {
		if k.tune() {
			k.arm()
		}
	}, k)
}

// tune sets the GC percent for the live heap the last collection found,
// and reports whether it should run again after the next one.
func (k *keeper) tune() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return false
	}
	metrics.Read(k.sample)
	live, cur := k.sample[0].Value, k.sample[1].Value
	if live.Kind() != metrics.KindUint64 || cur.Kind() != metrics.KindUint64 {
		return false
	}
	p := percentFor(live.Uint64(), k.floor)
	// A change of less than a tenth is not worth the pacer's
	// recomputation after every collection.
	if diff := p - int(cur.Uint64()); diff*10 > p || -diff*10 > p {
		debug.SetGCPercent(p)
	}
	return true
}

// minLive is the live heap assumed when the collector has found less: Go's
// own minimum heap, which the GC percent scales before the first collection.
const minLive = 4 << 20

// percentFor returns the GC percent that puts the goal of a heap with live
// bytes at floor, or GOGC's default when that reaches further.
func percentFor(live, floor uint64) int {
	live = max(live, minLive)
	if live >= floor/2 {
		return basePercent
	}
	p := (floor - live) * 100 / live
	return int(min(max(p, basePercent), maxPercent))
}
