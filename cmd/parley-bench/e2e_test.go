package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/testlog"
	"github.com/parley-chat/parley/session"
)

// The generator is tested against a real gateway with the in-memory store,
// served on loopback.

// testLogger sends slog output to the test log.
func testLogger(t *testing.T) *slog.Logger { return testlog.New(t, slog.LevelWarn) }

// startGateway serves a gateway configured from the config subcommand's
// output and returns its ws:// URL.
func startGateway(t *testing.T, agents int) string {
	return startGatewayTB(t, agents)
}

// startGatewayTB is startGateway for tests and benchmarks; benchmarks log
// nothing.
func startGatewayTB(t testing.TB, agents int) string {
	t.Helper()
	logger := discardLogger()
	if tt, ok := t.(*testing.T); ok {
		logger = testLogger(tt)
	}
	var buf bytes.Buffer
	require.NoError(t, writeConfig(&buf, configOptions{Addr: "127.0.0.1:0", Site: "bench", Agents: agents, Capacity: 1, Rate: 1000, RateBurst: 2000}))
	// The gateway reads the file strictly: every field the generator
	// writes must be one it knows.
	var fc struct {
		Addr          string         `json:"addr"`
		RatePerSecond float64        `json:"rate_per_second"`
		RateBurst     int            `json:"rate_burst"`
		Sites         []gateway.Site `json:"sites"`
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&fc))

	gw, err := gateway.New(gateway.Config{
		Sites:         fc.Sites,
		RatePerSecond: fc.RatePerSecond,
		RateBurst:     fc.RateBurst,
		Logger:        logger,
	}, session.NewMemory(session.MemoryConfig{}), session.NewMemoryBroker())
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testEnv(t *testing.T, stdout io.Writer) env {
	return env{stdout: stdout, stderr: testlog.Writer(t), log: testLogger(t)}
}

func TestRunAgainstGateway(t *testing.T) {
	url := startGateway(t, 4)
	tg, err := parseTarget(url, "bench", false)
	require.NoError(t, err)
	o := runOptions{
		Pairs: 4, Rate: 200, Duration: time.Second, Warmup: 200 * time.Millisecond, Drain: 5 * time.Second,
		Senders: 2, PreciseTimer: true, DialConcurrency: 4, DialTimeout: 5 * time.Second, SetupTimeout: 20 * time.Second,
		MetricsURL: tg.httpURL("/metrics"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer

	res, err := loadRun(ctx, tg, o, testEnv(t, &out))
	require.NoError(t, err)
	res.Print(&out)
	t.Log(out.String())

	st := res.stats
	assert.Equal(t, uint64(100), st.sentC2A.Load(), "half of 200 msg/s for 1 s, customer to agent")
	assert.Equal(t, uint64(100), st.sentA2C.Load())
	assert.Equal(t, st.SentTotal(), st.Delivered(), "every message of the window arrives")
	assert.Equal(t, st.Delivered(), st.all.Count())
	assert.Equal(t, st.SentTotal(), st.ack.Count(), "every message is acknowledged")
	assert.Zero(t, st.writeErrs.Load())
	_, _, errs := st.ErrorCodes()
	assert.Zero(t, errs, "no error frames")
	assert.Positive(t, st.all.Quantile(0.5))
	assert.GreaterOrEqual(t, res.cpu.gateway, 0.0, "the gateway's CPU time is read from its metrics")
	assert.Contains(t, out.String(), "customer→agent")

	// The run closed its conversations: the same agents pair again.
	res, err = loadRun(ctx, tg, o, testEnv(t, io.Discard))
	require.NoError(t, err, "a second run finds the agents free")
	assert.Equal(t, res.stats.SentTotal(), res.stats.Delivered())
}

func TestResumeAgainstGateway(t *testing.T) {
	url := startGateway(t, 2)
	tg, err := parseTarget(url, "bench", false)
	require.NoError(t, err)
	r := &resumer{tg: tg, o: resumeOptions{Agent: 2, Messages: 20, Reps: 3, SendRate: 1000, DialTimeout: 5 * time.Second, Timeout: 20 * time.Second}, d: newDialer(5 * time.Second), log: testEnv(t, io.Discard)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	res, err := r.Run(ctx)
	require.NoError(t, err)
	var out bytes.Buffer
	res.Print(&out)
	t.Log(out.String())
	assert.Equal(t, uint64(3), res.took.Count())
	for _, h := range []*histogram{&res.dialed, &res.welcomed, &res.first} {
		assert.Equal(t, uint64(3), h.Count(), "every step of every repetition is timed")
	}
	assert.Positive(t, res.dialed.Max())
	assert.LessOrEqual(t, res.dialed.Max(), res.first.Max(), "the handshake precedes the replay")
	assert.LessOrEqual(t, res.first.Max(), res.took.Max(), "the first missed message precedes the last")
	assert.Contains(t, out.String(), "first missed message")
	assert.Equal(t, 60, res.replayed, "each repetition replays exactly the missed messages")
	assert.Zero(t, res.gaps)
	assert.Zero(t, res.dups)
}

func TestIdleAgainstGateway(t *testing.T) {
	url := startGateway(t, 1)
	tg, err := parseTarget(url, "bench", false)
	require.NoError(t, err)
	o := idleOptions{Conns: 50, MetricsURL: tg.httpURL("/metrics"), DialConcurrency: 8, DialTimeout: 5 * time.Second, SetupTimeout: 30 * time.Second}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, idle(ctx, tg, o, testEnv(t, &out)))
	t.Log(out.String())
	assert.Contains(t, out.String(), "50 idle customer connections")
	assert.Contains(t, out.String(), "heap figures include garbage", "the test gateway has no pprof and the test does not wait for its GC")
	assert.Contains(t, out.String(), "heap + stacks")
}

func TestRunStopsWhenInterrupted(t *testing.T) {
	url := startGateway(t, 2)
	tg, err := parseTarget(url, "bench", false)
	require.NoError(t, err)
	o := runOptions{
		Pairs: 2, Rate: 100, Duration: 5 * time.Minute, Warmup: 0, Drain: time.Second,
		Senders: 1, PreciseTimer: true, DialConcurrency: 2, DialTimeout: 5 * time.Second, SetupTimeout: 20 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := loadRun(ctx, tg, o, testEnv(t, io.Discard))
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded, "an interrupted run says so")
	case <-time.After(time.Minute):
		t.Fatal("the run did not stop within a minute of being interrupted")
	}
}
