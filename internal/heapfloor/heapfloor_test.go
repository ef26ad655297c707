package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, floor uint64
		want        int
	}{
		{live: 4 * mib, floor: 64 * mib, want: 1500},      // goal 64 MiB
		{live: 16 * mib, floor: 64 * mib, want: 300},      // goal 64 MiB
		{live: 32 * mib, floor: 64 * mib, want: 100},      // GOGC's own goal reaches the floor
		{live: 200 * mib, floor: 64 * mib, want: 100},     // large heaps are left alone
		{live: 1024, floor: 64 * mib, want: 1500},         // Go's minimum heap
		{live: 0, floor: 64 * mib, want: 1500},            // nothing live yet
		{live: 4 * mib, floor: 1 << 40, want: maxPercent}, // bounded
		{live: 40 * mib, floor: 64 * mib, want: 100},      // past half the floor
		{live: 31 * mib, floor: 64 * mib, want: 106},      // just under half
	} {
		assert.Equal(t, tc.want, percentFor(tc.live, tc.floor), "live %d floor %d", tc.live, tc.floor)
	}
}

// gcPercent reads the collector's current percent.
func gcPercent(t *testing.T) int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	require.Equal(t, metrics.KindUint64, s[0].Value.Kind())
	return int(s[0].Value.Uint64())
}

func TestKeepRaisesThePercentAfterCollectionsAndStopRestoresIt(t *testing.T) {
	// Start from GOGC's default, whatever GOGC the test runs with.
	defer debug.SetGCPercent(debug.SetGCPercent(basePercent))
	// A floor no test heap reaches: the maximum percent.
	stop := Keep(1<<40, "")
	require.Equal(t, maxPercent, gcPercent(t), "Keep tunes at once")

	// Each collection runs the cleanup that tunes the percent again: undo
	// it by hand and let the next collection set it back.
	debug.SetGCPercent(basePercent + 1)
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 500 && gcPercent(t) != maxPercent && time.Now().Before(deadline); i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, maxPercent, gcPercent(t), "a collection retunes the percent")

	stop()
	assert.Equal(t, basePercent, gcPercent(t))
	stop() // twice is harmless
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	assert.Equal(t, basePercent, gcPercent(t), "a stopped keeper no longer tunes")
}

func TestKeepLeavesAnOperatorsGOGCAlone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(250))
	stop := Keep(1<<40, "250")
	runtime.GC()
	assert.Equal(t, 250, gcPercent(t))
	stop()
	assert.Equal(t, 250, gcPercent(t))
}
