package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// BenchmarkGatewayLoad runs the gateway (in-memory store, no translation)
// and the generator in one process, so that `go test -cpuprofile` profiles
// both: b.N messages at 5,000 msg/s between 100 pairs, after a 1 s warm-up.
// ns/op is meaningless at a fixed rate; the latency percentiles are
// reported as metrics.
//
//	go test ./cmd/parley-bench -run '^$' -bench GatewayLoad -benchtime 50000x -cpuprofile cpu.out
func BenchmarkGatewayLoad(b *testing.B) {
	benchGatewayLoad(b, 100, 5000)
}

// BenchmarkGatewayLoadHigh is BenchmarkGatewayLoad at 20,000 msg/s.
func BenchmarkGatewayLoadHigh(b *testing.B) {
	benchGatewayLoad(b, 200, 20000)
}

func benchGatewayLoad(b *testing.B, pairs int, rate float64) {
	url := startGatewayTB(b, pairs)
	tg, err := parseTarget(url, "bench", false)
	if err != nil {
		b.Fatal(err)
	}
	o := runOptions{
		Pairs: pairs, Rate: rate,
		Duration: max(time.Duration(float64(b.N)/rate*float64(time.Second)), 100*time.Millisecond),
		Warmup:   time.Second, Drain: 10 * time.Second,
		Senders: 2, PreciseTimer: true, DialConcurrency: 16, DialTimeout: 5 * time.Second, SetupTimeout: time.Minute,
	}
	if o.Duration > maxDuration {
		b.Fatalf("-benchtime too large: %v at %g msg/s", o.Duration, rate)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Duration+2*time.Minute)
	defer cancel()
	b.ResetTimer()
	res, err := loadRun(ctx, tg, o, env{stdout: io.Discard, stderr: io.Discard, log: discardLogger()})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	st := res.stats
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(st.all.Quantile(0.5)), "p50-µs")
	b.ReportMetric(us(st.all.Quantile(0.99)), "p99-µs")
	b.ReportMetric(float64(st.Delivered())/o.Duration.Seconds(), "delivered/s")
	b.ReportMetric(float64(st.SentTotal()-st.Delivered()), "lost")
}
