package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// asMainEnv makes the test binary act as parley-bench itself, so that the
// floor subcommand can start it as its relays.
const asMainEnv = "PARLEY_BENCH_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(realMain(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestFloorRelaysEveryRecordThroughItsProcesses(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	exe, err := os.Executable()
	require.NoError(t, err)
	o := floorOptions{Hops: 3, Rate: 500, Size: 64, Duration: 400 * time.Millisecond, Warmup: 100 * time.Millisecond, Drain: 5 * time.Second, Precise: true}
	res, err := measureFloor(t.Context(), o, exe)
	require.NoError(t, err)
	assert.InDelta(t, 200, res.sent, 2, "records sent while measuring: 500/s for 400 ms")
	assert.Equal(t, res.sent, res.lat.Count(), "every record came through the chain")
	assert.Positive(t, res.lat.Quantile(0.5))
	require.Len(t, res.relayCPU, 2, "two relay processes for three hops")

	var out bytes.Buffer
	res.Print(&out)
	assert.Contains(t, out.String(), "3 loopback hops through 2 relay processes")
	assert.Regexp(t, fmt.Sprintf(`from write\s+%d\s+%d\s+0\s`, res.sent, res.sent), out.String())
}

func TestFloorCommand(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	var out, errOut bytes.Buffer
	code := realMain(t.Context(), []string{"floor", "-hops", "2", "-rate", "200", "-duration", "200ms", "-warmup", "0s"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "2 loopback hops through 1 relay processes")
	assert.Contains(t, out.String(), "relays ")
}

func TestFloorRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"floor", "-hops", "0"},
		{"floor", "-hops", "17"},
		{"floor", "-rate", "0"},
		{"floor", "-size", "8"},
		{"floor", "-duration", "0s"},
		{"relay", "-next", "192.0.2.1:80"},
		{"relay", "-next", "nonsense"},
	} {
		var out, errOut bytes.Buffer
		code := realMain(t.Context(), args, &out, &errOut)
		assert.Equal(t, 1, code, "%v", args)
		assert.NotEmpty(t, strings.TrimSpace(errOut.String()), "%v says why", args)
	}
}
