package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// memSample is the gateway's memory at one moment.
type memSample struct {
	RSS        int64 // resident set size from /proc, 0 when unknown
	HeapInuse  int64 // go_memstats_heap_inuse_bytes
	StackInuse int64 // go_memstats_stack_inuse_bytes
	Goroutines int64 // go_goroutines
}

// readRSS returns VmRSS of a process in bytes, from /proc/PID/status.
func readRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS finds the VmRSS line ("VmRSS:   12345 kB") of a proc status file.
func parseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("read rss: unexpected line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read rss: %w", err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	return 0, fmt.Errorf("read rss: no VmRSS line")
}

// metricsClient reads the gateway's Prometheus metrics.
type metricsClient struct {
	http *http.Client
	url  string
}

func newMetricsClient(url string) *metricsClient {
	return &metricsClient{http: &http.Client{Timeout: 10 * time.Second}, url: url}
}

// Sample reads the Go runtime gauges the idle measurement needs.
func (m *metricsClient) Sample(ctx context.Context) (memSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return memSample{}, fmt.Errorf("metrics: %w", err)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return memSample{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return memSample{}, fmt.Errorf("metrics: %s answered HTTP %d", m.url, resp.StatusCode)
	}
	vals, err := parseGauges(resp.Body, "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
	if err != nil {
		return memSample{}, err
	}
	return memSample{
		HeapInuse:  int64(vals["go_memstats_heap_inuse_bytes"]),
		StackInuse: int64(vals["go_memstats_stack_inuse_bytes"]),
		Goroutines: int64(vals["go_goroutines"]),
	}, nil
}

// parseGauges reads unlabelled samples of the named metrics from the
// Prometheus text format and fails if one is missing.
func parseGauges(r io.Reader, names ...string) (map[string]float64, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := make(map[string]float64, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || !want[name] {
			continue
		}
		value, _, _ = strings.Cut(strings.TrimSpace(value), " ") // drop a timestamp
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: %w", name, err)
		}
		out[name] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("metrics: %s not found", n)
		}
	}
	return out, nil
}

// LastGC returns when the gateway's last garbage collection ended.
func (m *metricsClient) LastGC(ctx context.Context) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("metrics: %w", err)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	vals, err := parseGauges(resp.Body, "go_memstats_last_gc_time_seconds")
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(vals["go_memstats_last_gc_time_seconds"]*1e9)), nil
}

// awaitGC waits, polling every second, until the gateway has finished a
// garbage collection after since, and reports whether it did before the
// timeout. An idle Go process collects at least every two minutes.
func (m *metricsClient) awaitGC(ctx context.Context, since time.Time, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if last, err := m.LastGC(ctx); err == nil && last.After(since) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// forceGC asks the gateway to collect garbage through net/http/pprof's heap
// profile with gc=1, and reports whether it could.
func (m *metricsClient) forceGC(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode == http.StatusOK
}
