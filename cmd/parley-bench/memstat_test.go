package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseGauges(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 2007
go_memstats_heap_inuse_bytes 7.5907072e+07
go_memstats_stack_inuse_bytes 3.3554432e+07 1700000000000
go_gc_duration_seconds{quantile="0.5"} 0.0001
process_cpu_seconds_total 12.34
`
	v, err := parseGauges(strings.NewReader(text), "go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "process_cpu_seconds_total")
	require.NoError(t, err)
	assert.Equal(t, 2007.0, v["go_goroutines"])
	assert.Equal(t, 75907072.0, v["go_memstats_heap_inuse_bytes"])
	assert.Equal(t, 33554432.0, v["go_memstats_stack_inuse_bytes"], "a trailing timestamp is ignored")
	assert.Equal(t, 12.34, v["process_cpu_seconds_total"])

	_, err = parseGauges(strings.NewReader(text), "go_threads")
	assert.ErrorContains(t, err, "go_threads not found")
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tparley\nVmPeak:\t  200000 kB\nVmRSS:\t   114688 kB\nThreads:\t8\n"
	rss, err := parseVmRSS(strings.NewReader(status))
	require.NoError(t, err)
	assert.Equal(t, int64(114688*1024), rss)

	_, err = parseVmRSS(strings.NewReader("Name:\tx\n"))
	assert.Error(t, err)
}

func TestCPUBetween(t *testing.T) {
	a := cpuSample{gateway: 1, generator: 2}
	b := a
	b.at = a.at.Add(2e9)
	b.gateway, b.generator = 2, 2.5
	u := cpuBetween(a, b)
	assert.InDelta(t, 0.5, u.gateway, 1e-9)
	assert.InDelta(t, 0.25, u.generator, 1e-9)
	assert.Contains(t, u.String(), "gateway 50% of a core")

	b.gateway = -1
	assert.Contains(t, cpuBetween(a, b).String(), "unknown")
}
