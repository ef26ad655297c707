package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// cpuSample is the CPU time the gateway and the generator had used at one
// moment, and when.
type cpuSample struct {
	at        time.Time
	gateway   float64 // seconds, from process_cpu_seconds_total; -1 when unknown
	generator float64 // seconds, user and system, from getrusage
}

// sampleCPU reads both processes' CPU time; the gateway's through its
// metrics, when m is not nil.
func sampleCPU(ctx context.Context, m *metricsClient) cpuSample {
	s := cpuSample{at: time.Now(), gateway: -1, generator: ownCPU()}
	if m == nil {
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return s
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return s
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s
	}
	vals, err := parseGauges(resp.Body, "process_cpu_seconds_total")
	if err == nil {
		s.gateway = vals["process_cpu_seconds_total"]
	}
	return s
}

// cpuUse is the share of one core each process used between two samples.
type cpuUse struct {
	gateway, generator float64 // cores; gateway < 0 when unknown
}

func cpuBetween(a, b cpuSample) cpuUse {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 {
		return cpuUse{gateway: -1}
	}
	u := cpuUse{gateway: -1, generator: (b.generator - a.generator) / secs}
	if a.gateway >= 0 && b.gateway >= 0 {
		u.gateway = (b.gateway - a.gateway) / secs
	}
	return u
}

func (u cpuUse) String() string {
	gw := "unknown (no process_cpu_seconds_total in the metrics)"
	if u.gateway >= 0 {
		gw = fmt.Sprintf("%.0f%% of a core", 100*u.gateway)
	}
	return fmt.Sprintf("gateway %s, generator %.0f%% of a core", gw, 100*u.generator)
}
