package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkLoopbackEcho is the floor under the gateway's latency on this
// machine: one message to a coder/websocket echo server on loopback and
// back, closed-loop, with the same library and frame size as a benchmark
// message. A gateway delivery is one such hop in and one out, plus the
// gateway's work.
func BenchmarkLoopbackEcho(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, data); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	msg := newPayload(dirCustomer, "6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64").Stamp(1, 2)
	var h histogram
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		h.Record(time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(h.Quantile(0.5))/1e3, "p50-µs")
	b.ReportMetric(float64(h.Quantile(0.99))/1e3, "p99-µs")
}
